package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestFourEyesModeIsTheDatabases: four-eyes mode, turned on by one server's
// --policy-approval, holds on a second server started without the flag and
// on the command line run without it: both refuse a direct change with
// FORBIDDEN. Turning it off directly is refused too; it goes off only by a
// proposal of one admin (the API's admin) approved by another (the command
// line's operator), after which the second server applies direct changes
// again.
func TestFourEyesModeIsTheDatabases(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		url := storagetest.PostgresURL(t)
		fourEyes(t, []string{"--database-url", url})
	})
	t.Run("sqlite", func(t *testing.T) {
		fourEyes(t, []string{"--data-dir", t.TempDir()})
	})
}

// grantMonitorNarratives is a direct change, refused in four-eyes mode.
const grantMonitorNarratives = `mutation { grant(permission: {role: "amdh_monitor", object: "Incident.narrative", action: "read"}, reason: "e2e four-eyes") { id } }`

func fourEyes(t *testing.T, db []string) {
	p1 := serve(t, "process 1", append([]string{"--demo", "--policy-approval"}, db...)...)
	p2 := serve(t, "process 2", db...)
	admin := token(t, "admin")

	mode := func(p *process) string {
		t.Helper()
		r := p.query(t, admin, `{ policy { approvalRequired } }`, nil)
		if len(r.Errors) > 0 {
			t.Fatalf("%s: approvalRequired: %+v", p.name, r.Errors)
		}
		return string(r.Data)
	}
	const on, off = `{"policy":{"approvalRequired":true}}`, `{"policy":{"approvalRequired":false}}`
	for _, p := range []*process{p1, p2} {
		if got := mode(p); got != on {
			t.Fatalf("%s: %s, want %s", p.name, got, on)
		}
	}
	codes := func(r result) string {
		var c []string
		for _, e := range r.Errors {
			c = append(c, e.Extensions.Code)
		}
		return strings.Join(c, ",")
	}
	// Process 2 was started without the flag: it refuses all the same.
	if r := p2.query(t, admin, grantMonitorNarratives, nil); codes(r) != "FORBIDDEN" {
		t.Fatalf("a direct grant on process 2 (no flag): %s %+v, want FORBIDDEN", r.Data, r.Errors)
	}
	off1 := `mutation { applyPolicyChanges(changes: [{fourEyes: false}], reason: "e2e") { id } }`
	if r := p2.query(t, admin, off1, nil); codes(r) != "FORBIDDEN" {
		t.Fatalf("turning four-eyes mode off directly: %s %+v, want FORBIDDEN", r.Data, r.Errors)
	}
	// So does the command line run without the flag.
	cli := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(benkanBinary(t), append(append([]string{"policy"}, args...), db...)...)
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "BENKAN_") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		code := 0
		if err != nil {
			ee, ok := err.(*exec.ExitError)
			if !ok {
				t.Fatalf("benkan policy %v: %v", args, err)
			}
			code = ee.ExitCode()
		}
		return out.String(), code
	}
	if out, code := cli("grant", "amdh_monitor", "Incident.narrative", "read", "--reason", "e2e"); code != 1 || !strings.Contains(out, "four-eyes") {
		t.Fatalf("a direct grant on the command line without the flag: exit %d\n%s", code, out)
	}
	// Off by a proposal of the API's admin approved on the command line.
	r := p2.query(t, admin, `mutation { proposePolicyChanges(changes: [{fourEyes: false}], reason: "e2e: off") { id changes } }`, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("propose four-eyes off: %+v", r.Errors)
	}
	var proposed struct {
		ProposePolicyChanges struct {
			ID      int
			Changes []string
		}
	}
	if err := json.Unmarshal(r.Data, &proposed); err != nil {
		t.Fatal(err)
	}
	if got := proposed.ProposePolicyChanges.Changes; len(got) != 1 || got[0] != "four-eyes off" {
		t.Fatalf("the proposal's changes: %q", got)
	}
	if r := p1.query(t, admin, fmt.Sprintf(`mutation { approvePolicyProposal(id: %d, reason: "mine") { status } }`, proposed.ProposePolicyChanges.ID), nil); codes(r) != "FORBIDDEN" {
		t.Fatalf("self-approval of four-eyes off: %s %+v, want FORBIDDEN", r.Data, r.Errors)
	}
	if out, code := cli("approve", fmt.Sprint(proposed.ProposePolicyChanges.ID), "--reason", "agreed"); code != 0 {
		t.Fatalf("approve on the command line: exit %d\n%s", code, out)
	}
	for _, p := range []*process{p1, p2} {
		if got := mode(p); got != off {
			t.Fatalf("%s after the approval: %s, want %s", p.name, got, off)
		}
	}
	// Process 1's flag turned it on when it started; it does not hold it
	// on now: direct changes apply again, on both.
	if r := p2.query(t, admin, grantMonitorNarratives, nil); len(r.Errors) > 0 {
		t.Fatalf("a direct grant once four-eyes mode is off: %+v", r.Errors)
	}
	// And the command line turns it on directly.
	if out, code := cli("four-eyes", "on", "--reason", "e2e: on again"); code != 0 {
		t.Fatalf("benkan policy four-eyes on: exit %d\n%s", code, out)
	}
	revoke := strings.Replace(grantMonitorNarratives, "grant(", "revoke(", 1)
	if r := p1.query(t, admin, revoke, nil); codes(r) != "FORBIDDEN" {
		t.Fatalf("a direct change on process 1 once on again: %s %+v, want FORBIDDEN", r.Data, r.Errors)
	}
}
