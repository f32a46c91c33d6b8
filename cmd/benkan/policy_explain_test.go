package main

import (
	"context"
	"testing"
	"time"

	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestPolicyExplain: `benkan policy explain` prints the decision, the
// assignment and the lines behind it, and on a row the atom that refuses
// it; unknown names and bad input are refused with status 1 or 2.
func TestPolicyExplain(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := newPolicyDB(t, db)
		ctx := policy.SystemContext(context.Background())
		c := db.Client
		officer, err := c.User.Create().SetSubject("dihr.officer").SetDisplayName("DIHR").Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		loc, err := c.Locality.Create().SetName("Niono").SetLevel(locality.LevelCOMMUNE).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		vt, err := c.ViolationType.Create().SetCode("arbitrary_arrest").SetLabelFr("Arrestation").SetLabelEn("Arrest").Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		incidentOf := func(ref string, consent bool) string {
			inc, err := c.Incident.Create().SetReference(ref).SetOccurredAt(at).SetReportedAt(at).
				SetStatus(incident.StatusVERIFIED).SetConsentToShare(consent).SetLocality(loc).
				AddViolationTypes(vt).SetCollectedBy(officer).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return string(inc.ID)
		}
		consented, unconsented := incidentOf("NIO-2024-0001", true), incidentOf("NIO-2024-0002", false)
		if _, errOut, code := runPolicy(t, append([]string{"assign", "dihr.officer", "dihr_partner", "--reason", "a partner"}, p.flags...)...); code != 0 {
			t.Fatalf("assign: %d\n%s", code, errOut)
		}
		p.steps(t, []policyStep{
			{name: "denied field", args: []string{"explain", "--user", "dihr.officer", "Actor.fullName", "read"}, want: []string{
				"denied: dihr.officer read Actor.fullName, in any domain\n",
				"  dihr_partner in *, through g, dihr.officer, dihr_partner, *\n",
				"no line covers read Actor.fullName",
				"  p, dihr_partner, *, Actor.pseudonym, read, all  (held in *)\n",
			}, not: []string{"identifying", "granted by"}},
			{name: "allowed through a group", args: []string{"explain", "--user", "dihr.officer", "Incident.summary", "read"}, want: []string{
				"allowed: dihr.officer read Incident.summary, in any domain\n",
				"granted by:\n  p, dihr_partner, *, Incident:shareable, read, shared_status&consented  (covers: group; held in *)\n    g2, Incident.summary, Incident:shareable\n",
			}},
			{name: "row refused by consent", args: []string{"explain", "--user", "dihr.officer", "Incident", "read", "--id", unconsented}, want: []string{
				"row Incident " + unconsented + ": refused; hidden from the user\n",
				"  p, dihr_partner, *, Incident, read, shared_status&consented  [object]: refused by consented\n",
			}},
			{name: "row admitted", args: []string{"explain", "--user", "dihr.officer", "Incident", "read", "--id", consented}, want: []string{
				"row Incident " + consented + ": allowed; visible to the user\n",
				"  p, dihr_partner, *, Incident, read, shared_status&consented  [object]: admits it\n",
			}},
			{name: "role in a locality", args: []string{"explain", "--role", "amdh_monitor", "--domain", string(loc.ID), "Incident", "create"}, want: []string{
				"allowed: role=amdh_monitor; domain=" + string(loc.ID) + " create Incident, in " + string(loc.ID) + "\n",
				"through g, (hypothetical user), amdh_monitor, " + string(loc.ID) + "\n",
				"p, amdh_monitor, *, Incident, create, own_localities&reported  (covers: object; held in " + string(loc.ID) + ")",
			}},
			{name: "unknown user", args: []string{"explain", "--user", "nobody", "Incident", "read"}, code: 1, want: []string{`no user has the subject "nobody"`}},
			{name: "unknown role", args: []string{"explain", "--role", "nobody", "Incident", "read"}, code: 1, want: []string{`no role "nobody"`}},
			{name: "unknown object", args: []string{"explain", "--user", "dihr.officer", "Incident.nope", "read"}, code: 1, want: []string{`no field "nope"`}},
			{name: "user and role", args: []string{"explain", "--user", "dihr.officer", "--role", "admin", "Incident", "read"}, code: 2, want: []string{"give --user or --role"}},
			{name: "bad id", args: []string{"explain", "--user", "dihr.officer", "Incident", "read", "--id", "nope"}, code: 2, want: []string{`"nope" is not an id`}},
			{name: "no action", args: []string{"explain", "--user", "dihr.officer", "Incident"}, code: 2, want: []string{"1 argument missing"}},
		})
	})
}
