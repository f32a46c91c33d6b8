package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestPolicyExpiring: assign --expires stores the expiry, list and
// expiring show it, a past or unreadable one is refused, and export and
// import carry it (Casbin CSV's 4th value of the g line).
func TestPolicyExpiring(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := newPolicyDB(t, db)
		if err := db.Client.User.Create().SetSubject("alice").SetDisplayName("alice").Exec(policy.SystemContext(context.Background())); err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
		line := "g, alice, dihr_partner, *, " + at
		exported := filepath.Join(t.TempDir(), "policy.csv")
		expires := func(want string) func(t *testing.T, pol *store.Policy) {
			return func(t *testing.T, pol *store.Policy) {
				var got []string
				for _, a := range pol.Assignments {
					got = append(got, a.Subject+" "+expiryText(a))
				}
				if len(got) != 1 || got[0] != want {
					t.Errorf("assignments %v, want [%s]", got, want)
				}
			}
		}
		p.steps(t, []policyStep{
			{name: "assign in the past", args: []string{"assign", "alice", "dihr_partner", "--expires", "2020-01-01T00:00:00Z", "--reason", "r"}, code: 1,
				want: []string{"benkan policy assign: ", "the expiry 2020-01-01T00:00:00Z is past"}},
			{name: "assign with a bad time", args: []string{"assign", "alice", "dihr_partner", "--expires", "30/06/2027", "--reason", "r"}, code: 2,
				want: []string{`--expires "30/06/2027"`}},
			{name: "assign", args: []string{"assign", "alice", "dihr_partner", "--expires", at, "--reason", "agreement for two days"},
				want: []string{"1 added, 0 removed", "+ " + line}, check: expires("alice " + at)},
			{name: "list", args: []string{"list", "--kind", "g"}, want: []string{"EXPIRES", "alice", at}},
			{name: "expiring", args: []string{"expiring", "--within", "72h"}, want: []string{"1 assignments expire within 72h0m0s", at + "  alice    dihr_partner  *"}},
			{name: "expiring sooner", args: []string{"expiring", "--within", "1h"}, want: []string{"0 assignments expire within 1h0m0s"}, not: []string{"alice"}},
			{name: "export", args: []string{"export", exported}},
			{name: "unassign without the expiry", args: []string{"unassign", "alice", "dihr_partner", "--reason", "ends early"},
				want: []string{"- " + line}, check: func(t *testing.T, pol *store.Policy) {
					if len(pol.Assignments) != 0 {
						t.Errorf("assignments %v", pol.Assignments)
					}
				}},
			{name: "import", args: []string{"import", exported, "--reason", "back"}, want: []string{"+ " + line}, check: expires("alice " + at)},
		})
		b, err := os.ReadFile(exported)
		if err != nil || !strings.Contains(string(b), "\n"+line+"\n") {
			t.Fatalf("the export lacks %q (err %v)", line, err)
		}
	})
}
