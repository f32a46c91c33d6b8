package demo

import (
	"context"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/involvement"
)

// loadInvolvements writes the actors' roles in the planned incidents. An actor
// holds a role in an incident at most once: cast draws victims and
// witnesses without repeats from distinct pools, and the source is a
// source or one of the victims (a different role).
func (l *loader) loadInvolvements(ctx context.Context) error {
	var builders []*ent.InvolvementCreate
	// No cell keys: an involvement is counted with its incident's
	// (package aggregate), so the demo's protected counts of people follow
	// from the incidents' fixed stream (loadIncidents).
	add := func(i int, role involvement.Role, actor int) {
		builders = append(builders, l.c.Involvement.Create().
			SetIncidentID(l.incidentIDs[i]).
			SetActorID(l.actorIDs[actor]).
			SetRole(role))
	}
	for i, p := range l.plans {
		for _, a := range p.victims {
			add(i, involvement.RoleVICTIM, a)
		}
		for _, a := range p.witnesses {
			add(i, involvement.RoleWITNESS, a)
		}
		if p.sourceActor >= 0 {
			add(i, involvement.RoleSOURCE, p.sourceActor)
		}
		if p.perpetrator >= 0 {
			add(i, involvement.RoleALLEGED_PERPETRATOR, p.perpetrator)
		}
	}
	_, err := saveAll(ctx, builders, func(ctx context.Context, bs []*ent.InvolvementCreate) ([]*ent.Involvement, error) {
		return l.c.Involvement.CreateBulk(bs...).Save(ctx)
	})
	return err
}
