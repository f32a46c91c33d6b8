package policy_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/actor"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/ent/organization"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestOwnUnitForms shows that however own_unit is written for a liaison —
// never (its unit was never alleged), joined from the unit's allegations
// (a few), or checked per incident (many; fenced on PostgreSQL) — the
// liaison sees the same incidents: verified, consented, in its locality,
// alleging its unit, and no other.
func TestOwnUnitForms(t *testing.T) {
	storagetest.EachWith(t, storage.Config{WrapDriver: storage.RecordStatements}, func(t *testing.T, db *storage.DB) {
		sys := policy.SystemContext(context.Background())
		c := db.Client
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		niono, err := c.Locality.Create().SetName("Niono").SetLevel(locality.LevelCOMMUNE).Save(sys)
		must(err)
		vt, err := c.ViolationType.Create().SetCode("arbitrary_arrest").SetLabelFr("Arrestation arbitraire").SetLabelEn("Arbitrary arrest").Save(sys)
		must(err)
		unit, err := c.Organization.Create().SetName("Commissariat fictif").SetKind(organization.KindSECURITY_FORCE_UNIT).Save(sys)
		must(err)
		other, err := c.Organization.Create().SetName("Brigade fictive").SetKind(organization.KindSECURITY_FORCE_UNIT).Save(sys)
		must(err)
		quiet, err := c.Organization.Create().SetName("Escadron fictif").SetKind(organization.KindSECURITY_FORCE_UNIT).Save(sys)
		must(err)
		collector, err := c.User.Create().SetSubject("collector").SetDisplayName("Collecteur fictif").Save(sys)
		must(err)
		for _, u := range []struct {
			subject string
			org     *ent.Organization
		}{{"liaison", unit}, {"quiet-liaison", quiet}} {
			must(c.User.Create().SetSubject(u.subject).SetDisplayName("Point focal fictif").SetOrganization(u.org).Exec(sys))
		}
		unitActor, err := c.Actor.Create().SetKind(actor.KindUNIT).SetFullName("Unité fictive").SetOrganization(unit).Save(sys)
		must(err)
		otherActor, err := c.Actor.Create().SetKind(actor.KindUNIT).SetFullName("Autre unité fictive").SetOrganization(other).Save(sys)
		must(err)
		base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		alleging := map[string]*ent.Actor{"TST-2024-0001": unitActor, "TST-2024-0002": otherActor, "TST-2024-0003": unitActor, "TST-2024-0004": unitActor}
		for i, ref := range []string{"TST-2024-0001", "TST-2024-0002", "TST-2024-0003", "TST-2024-0004"} {
			status := incident.StatusVERIFIED
			if ref == "TST-2024-0004" {
				status = incident.StatusREPORTED // alleges the unit, but not verified
			}
			inc, err := c.Incident.Create().SetReference(ref).SetOccurredAt(base.AddDate(0, 0, i)).SetReportedAt(base.AddDate(0, 0, i+2)).
				SetStatus(status).SetConsentToShare(true).SetSummary("Résumé fictif").SetLocality(niono).AddViolationTypes(vt).SetCollectedBy(collector).Save(sys)
			must(err)
			must(c.Involvement.Create().SetRole(involvement.RoleALLEGED_PERPETRATOR).SetIncident(inc).SetActor(alleging[ref]).Exec(sys))
		}

		tests := []struct {
			name     string
			subject  string
			joinUpTo int
			want     []string
			form     func(sql string) bool // of the incidents statement
		}{
			{"joined from the unit's 3 allegations", "liaison", 2000, []string{"TST-2024-0001", "TST-2024-0003"},
				func(sql string) bool {
					return strings.Contains(sql, "involvements") && !strings.Contains(sql, "OFFSET 0")
				}},
			{"checked per incident above 1 allegation", "liaison", 1, []string{"TST-2024-0001", "TST-2024-0003"},
				func(sql string) bool {
					return strings.Contains(sql, "involvements") && strings.Contains(sql, "OFFSET 0") == (db.Dialect == "postgres")
				}},
			{"a unit never alleged sees nothing, without a subquery", "quiet-liaison", 2000, nil,
				func(sql string) bool { return !strings.Contains(sql, "involvements") }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				defer policy.SetJoinUpTo(tt.joinUpTo)()
				e := policy.NewEngine(c)
				st, err := store.OpenFor(context.Background(), db, e, nil)
				must(err)
				must(st.EnsureAssigned(store.AsOperator(context.Background(), "test"), "test", []store.Assignment{{Subject: tt.subject, Role: "fsi_liaison", Domain: string(niono.ID)}}))
				v, err := e.Viewer(context.Background(), tt.subject)
				must(err)
				ctx, rec := storage.Track(policy.NewContext(context.Background(), v))
				got, err := c.Incident.Query().Order(ent.Asc(incident.FieldReference)).All(ctx)
				must(err)
				var refs []string
				for _, inc := range got {
					refs = append(refs, inc.Reference)
				}
				if !slices.Equal(refs, tt.want) {
					t.Errorf("sees %v, want %v", refs, tt.want)
				}
				stmts := rec.Statements()
				if len(stmts) != 1 || !tt.form(stmts[0].Query) {
					t.Errorf("statement not of the expected form: %v", stmts)
				}
			})
		}
	})
}
