package graph_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/actor"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/policy"
)

// fixture is a small world written straight through the ent client: two
// localities (the cercle of Niono in the region of Ségou, a commune of
// Kayes placed under no cercle), two violation types, a collector and n incidents, each with a
// victim and a witness. Incident i occurred on day i of 2023, in Niono when
// i is even and in Kayes when odd, and is VERIFIED when i%3 == 0.
type fixture struct {
	niono, kayes    *ent.Locality
	segou           *ent.Locality // Niono's region
	arrest, torture *ent.ViolationType
	collector       *ent.User
	incidents       []*ent.Incident
	base            time.Time
}

func newFixture(t *testing.T, client *ent.Client, n int) *fixture {
	t.Helper()
	ctx := policy.SystemContext(context.Background())
	f := &fixture{base: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture: %v", err)
		}
	}
	var err error
	f.segou, err = client.Locality.Create().SetName("Ségou").SetLevel(locality.LevelREGION).Save(ctx)
	must(err)
	f.niono, err = client.Locality.Create().SetName("Niono").SetLevel(locality.LevelCERCLE).SetParent(f.segou).Save(ctx)
	must(err)
	f.kayes, err = client.Locality.Create().SetName("Kayes").SetLevel(locality.LevelCOMMUNE).Save(ctx)
	must(err)
	f.arrest, err = client.ViolationType.Create().SetCode("arbitrary_arrest").SetLabelFr("Arrestation arbitraire").SetLabelEn("Arbitrary arrest").Save(ctx)
	must(err)
	f.torture, err = client.ViolationType.Create().SetCode("torture").SetLabelFr("Torture").SetLabelEn("Torture").Save(ctx)
	must(err)
	f.collector, err = client.User.Create().SetSubject("collector").SetDisplayName("Collecteur fictif").Save(ctx)
	must(err)

	builders := make([]*ent.IncidentCreate, n)
	for i := range n {
		loc, vt, status := f.kayes, f.torture, incident.StatusREPORTED
		if i%2 == 0 {
			loc, vt = f.niono, f.arrest
		}
		if i%3 == 0 {
			status = incident.StatusVERIFIED
		}
		occurred := f.base.AddDate(0, 0, i)
		builders[i] = client.Incident.Create().
			SetReference(fmt.Sprintf("TST-2023-%04d", i)).
			SetOccurredAt(occurred).
			SetReportedAt(occurred.Add(48 * time.Hour)).
			SetStatus(status).
			SetSummary(fmt.Sprintf("Résumé fictif %d", i)).
			SetNarrative(fmt.Sprintf("Récit fictif %d", i)).
			SetLocality(loc).
			AddViolationTypes(vt).
			SetCollectedBy(f.collector)
	}
	f.incidents, err = client.Incident.CreateBulk(builders...).Save(ctx)
	must(err)

	actors := make([]*ent.ActorCreate, 0, 2*n)
	for i := range n {
		actors = append(actors,
			client.Actor.Create().SetKind(actor.KindINDIVIDUAL).SetFullName(fmt.Sprintf("Victime fictive %d", i)),
			client.Actor.Create().SetKind(actor.KindINDIVIDUAL).SetFullName(fmt.Sprintf("Témoin fictif %d", i)))
	}
	created, err := client.Actor.CreateBulk(actors...).Save(ctx)
	must(err)
	invs := make([]*ent.InvolvementCreate, 0, 2*n)
	for i, inc := range f.incidents {
		invs = append(invs,
			client.Involvement.Create().SetRole(involvement.RoleVICTIM).SetIncident(inc).SetActor(created[2*i]),
			client.Involvement.Create().SetRole(involvement.RoleWITNESS).SetIncident(inc).SetActor(created[2*i+1]))
	}
	_, err = client.Involvement.CreateBulk(invs...).Save(ctx)
	must(err)
	return f
}
