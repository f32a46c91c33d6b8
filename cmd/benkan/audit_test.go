package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/audit"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// runAudit runs `benkan audit ARGS` and returns what it printed and its
// exit status.
func runAudit(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = exit(run(context.Background(), append([]string{"audit"}, args...), &out, &errOut), &errOut)
	return out.String(), errOut.String(), code
}

// TestAuditVerify: `benkan audit verify` says OK with the number of events
// of a trail written by policy changes, exits 1 naming the first broken
// event once one is edited in SQL, and 2 on a wrong command line.
func TestAuditVerify(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := newPolicyDB(t, db)
		ctx := policy.SystemContext(context.Background())
		if err := db.Client.User.Create().SetSubject("alice").SetDisplayName("alice").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"assign", "alice", "admin", "--reason", "alice administers"},
			{"grant", "amdh_monitor", "Incident.narrative", "read", "--reason", "monitors read narratives"},
		} {
			if _, errOut, code := runPolicy(t, append(args, p.flags...)...); code != 0 {
				t.Fatalf("benkan policy %v: status %d\n%s", args, code, errOut)
			}
		}
		evs, err := db.Client.AuditEvent.Query().Order(ent.Asc(auditevent.FieldSeq)).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) < 2 {
			t.Fatalf("the policy changes wrote %d audit events", len(evs))
		}
		out, errOut, code := runAudit(t, append([]string{"verify"}, p.flags...)...)
		if code != 0 || !strings.HasPrefix(out, "audit trail OK: "+itoa(len(evs))+" events checked (SHA-256, no key); head seq "+itoa(len(evs))+" hash "+evs[len(evs)-1].Hash) {
			t.Fatalf("verify of an intact trail: status %d\n%s%s", code, out, errOut)
		}
		// The anchor it prints holds; one of a seq past the chain's end
		// (a trail cut short since) does not.
		anchor := itoa(len(evs)) + ":" + evs[len(evs)-1].Hash
		if !strings.Contains(out, "  anchor: "+anchor+" ") {
			t.Fatalf("verify prints no anchor %s:\n%s", anchor, out)
		}
		out, errOut, code = runAudit(t, append([]string{"verify", "--anchor", anchor}, p.flags...)...)
		if code != 0 || !strings.Contains(out, "anchor seq "+itoa(len(evs))+": holds") {
			t.Fatalf("verify --anchor of the head: status %d\n%s%s", code, out, errOut)
		}
		past := itoa(len(evs)+5) + ":" + evs[0].Hash
		_, errOut, code = runAudit(t, append([]string{"verify", "--anchor", past}, p.flags...)...)
		if code != 1 || !strings.Contains(errOut, "anchor mismatch") || !strings.Contains(errOut, "cut short") {
			t.Fatalf("verify --anchor past the end: status %d\n%s", code, errOut)
		}

		// An attacker with the rights to drop the triggers edits the
		// second event.
		for _, trg := range audit.Triggers(db.Dialect) {
			if _, err := db.SQL.ExecContext(context.Background(), "DROP TRIGGER IF EXISTS "+trg); err != nil {
				t.Fatal(err)
			}
		}
		stmt := `UPDATE audit_events SET decision = 'nothing happened' WHERE seq = 2`
		if _, err := db.SQL.ExecContext(context.Background(), stmt); err != nil {
			t.Fatal(err)
		}
		out, errOut, code = runAudit(t, append([]string{"verify"}, p.flags...)...)
		want := "benkan audit verify: BROKEN at event seq 2 (id " + string(evs[1].ID) + "): content changed: "
		if code != 1 || out != "" || !strings.HasPrefix(errOut, want) || !strings.Contains(errOut, "1 events checked before it") {
			t.Fatalf("verify of an edited trail: status %d\n%s%s\nwant on stderr %q…", code, out, errOut, want)
		}

		// With a key, the trail written without one is refused as such.
		t.Setenv("BENKAN_AUDIT_KEY", strings.Repeat("k", 32))
		t.Cleanup(func() { _ = audit.SetKey(nil) }) // run sets the process's key
		_, errOut, code = runAudit(t, append([]string{"verify"}, p.flags...)...)
		if code != 1 || !strings.Contains(errOut, "key mismatch") {
			t.Fatalf("verify with another key: status %d\n%s", code, errOut)
		}
		t.Setenv("BENKAN_AUDIT_KEY", "short")
		if err := run(context.Background(), []string{"audit", "verify"}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "BENKAN_AUDIT_KEY") {
			t.Fatalf("a key too short: %v", err)
		}
	})
}

// TestAuditUsage: a command line that does not say what to do exits 2.
func TestAuditUsage(t *testing.T) {
	t.Setenv("BENKAN_DATA_DIR", filepath.Join(t.TempDir(), "never"))
	for _, args := range [][]string{{}, {"check"}, {"verify", "--no-such-flag"}, {"verify", "extra"}, {"verify", "--anchor", "12"}, {"verify", "--anchor", "12:abc"}} {
		if _, _, code := runAudit(t, args...); code != 2 {
			t.Errorf("benkan audit %v: status %d, want 2", args, code)
		}
	}
	if out, _, code := runAudit(t, "help"); code != 0 || !strings.Contains(out, "benkan audit verify") {
		t.Errorf("benkan audit help: status %d\n%s", code, out)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
