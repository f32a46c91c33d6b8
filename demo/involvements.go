package demo

import (
	"context"
	"math/rand/v2"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/involvement"
)

// loadInvolvements writes the actors' roles in the planned incidents. An actor
// holds a role in an incident at most once: cast draws victims and
// witnesses without repeats from distinct pools, and the source is a
// source or one of the victims (a different role).
func (l *loader) loadInvolvements(ctx context.Context) error {
	var builders []*ent.InvolvementCreate
	// Cell keys (schema.CellKeyMixin) from a fixed stream of their own, as
	// the incidents' (loadIncidents): the demo's protected counts of people
	// are the same on every run.
	keys := rand.New(rand.NewPCG(13, 14))
	add := func(i int, role involvement.Role, actor int) {
		builders = append(builders, l.c.Involvement.Create().
			SetIncidentID(l.incidentIDs[i]).
			SetActorID(l.actorIDs[actor]).
			SetRole(role).
			SetCellKey(int64(keys.Uint32())))
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
