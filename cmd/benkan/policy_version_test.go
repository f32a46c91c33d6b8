package main

import (
	"context"
	osuser "os/user"
	"strconv"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/ent/auditevent"
	entuser "github.com/benkan-project/benkan/ent/user"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestPolicyVersionsDiffRollback runs versions, diff and rollback, and
// their refusals, on each database.
func TestPolicyVersionsDiffRollback(t *testing.T) {
	me, err := osuser.Current()
	if err != nil {
		t.Fatal(err)
	}
	actor := "cli:" + me.Username
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := newPolicyDB(t, db)
		ctx := policy.SystemContext(context.Background())
		for _, sub := range []string{"alice", "bob"} {
			if err := db.Client.User.Create().SetSubject(sub).SetDisplayName(sub).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		const narrative = "p, amdh_monitor, *, Incident.narrative, read, all"
		const pseudonym = "p, dihr_partner, *, Actor.pseudonym, read, all"
		narrativePerm := store.Permission{Role: "amdh_monitor", Domain: "*", Object: "Incident.narrative", Action: "read", Scope: "all"}
		pseudonymPerm := store.Permission{Role: "dihr_partner", Domain: "*", Object: "Actor.pseudonym", Action: "read", Scope: "all"}
		// version runs a change and returns the version it made.
		version := func(args ...string) string {
			t.Helper()
			if _, errOut, code := runPolicy(t, append(args, p.flags...)...); code != 0 {
				t.Fatalf("benkan policy %v: status %d\n%s", args, code, errOut)
			}
			return strconv.Itoa(p.lastVersion(t).ID)
		}
		v0 := version("assign", "alice", "admin", "--reason", "alice administers")
		v1 := version("grant", "amdh_monitor", "Incident.narrative", "read", "--reason", "monitors read narratives")
		v2 := version("revoke", "dihr_partner", "Actor.pseudonym", "read", "--reason", "no pseudonyms")

		// The difference, exactly.
		out, errOut, code := runPolicy(t, append([]string{"diff", v0, v2}, p.flags...)...)
		want := "policy version " + v0 + " to " + v2 + ": 1 added, 1 removed\n  + " + narrative + "\n  - " + pseudonym + "\n"
		if code != 0 || out != want {
			t.Fatalf("diff %s %s: status %d\n%s%s\nwant\n%s", v0, v2, code, out, errOut, want)
		}
		out, _, _ = runPolicy(t, append([]string{"diff", v2, v2}, p.flags...)...)
		if want := "policy version " + v2 + " to " + v2 + ": 0 added, 0 removed\n"; out != want {
			t.Fatalf("diff of a version with itself:\n%s", out)
		}

		var rolledBack int
		p.steps(t, []policyStep{
			{name: "versions", args: []string{"versions", "--last", "2"},
				want: []string{
					"policy version " + v2 + " (revision ", "by " + actor + ": 0 added, 1 removed\n  - " + pseudonym + "\n  at ", ": no pseudonyms\n",
					"policy version " + v1 + " (revision ", "  + " + narrative + "\n",
				},
				not: []string{"policy version " + v0 + " "}},
			{name: "diff: unknown version", args: []string{"diff", v0, "999999"}, code: 1, want: []string{"benkan policy diff: no policy version 999999"}},
			{name: "rollback", args: []string{"rollback", v0, "--reason", "undo both"},
				want: []string{"by " + actor + ": 1 added, 1 removed", "  + " + pseudonym, "  - " + narrative},
				check: func(t *testing.T, pol *store.Policy) {
					if !hasPermission(pol, pseudonymPerm) || hasPermission(pol, narrativePerm) {
						t.Errorf("after the rollback: pseudonym %v, narrative %v", hasPermission(pol, pseudonymPerm), hasPermission(pol, narrativePerm))
					}
					v := p.lastVersion(t)
					rolledBack = v.ID
					if v.Actor != actor || v.Reason != "roll back to version "+v0+": undo both" || v.Revision != pol.Revision {
						t.Errorf("the rollback's version: %+v", v)
					}
					n, err := db.Client.AuditEvent.Query().Where(auditevent.ActionEQ(auditevent.ActionPOLICY_CHANGE),
						auditevent.ObjectID("version "+strconv.Itoa(v.ID)), auditevent.Subject(actor)).Count(ctx)
					if err != nil || n != 1 {
						t.Errorf("audit events of the rollback: %d, %v", n, err)
					}
				}},
			{name: "rollback again", args: []string{"rollback", v0, "--reason", "again"}, code: 1,
				want: []string{"benkan policy rollback: the stored policy is version " + v0 + "'s already"}},
			{name: "rollback to no version", args: []string{"rollback", "999999", "--reason", "r"}, code: 1,
				want: []string{"benkan policy rollback: no policy version 999999"}},
			{name: "rollback: not a number", args: []string{"rollback", "v1", "--reason", "r"}, code: 2,
				want: []string{`benkan policy rollback: "v1" is not a version number`}},
			{name: "rollback without --reason", args: []string{"rollback", v0}, code: 2,
				want: []string{"benkan policy rollback: --reason is required"}},
			{name: "diff: one version", args: []string{"diff", v0}, code: 2, want: []string{"benkan policy diff: 1 argument missing"}},
		})
		if out, _, _ := runPolicy(t, append([]string{"diff", v0, strconv.Itoa(rolledBack)}, p.flags...)...); !strings.Contains(out, ": 0 added, 0 removed\n") {
			t.Errorf("the rollback is not version %s's policy:\n%s", v0, out)
		}

		// A version whose admin has been deleted since: rolling back to it
		// is refused, as assigning a role to no user is.
		version("assign", "bob", "admin", "--reason", "bob takes over")
		bobOnly := version("unassign", "alice", "admin", "--reason", "alice leaves")
		version("assign", "alice", "admin", "--reason", "alice is back")
		version("unassign", "bob", "admin", "--reason", "bob leaves")
		if _, err := db.Client.User.Delete().Where(entuser.Subject("bob")).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		p.steps(t, []policyStep{
			{name: "rollback to a deleted user", args: []string{"rollback", bobOnly, "--reason", "bob again"}, code: 1,
				want: []string{"benkan policy rollback: ", `no user has the subject "bob"`}},
		})
	})
}
