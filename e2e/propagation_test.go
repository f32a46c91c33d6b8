package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// within is how soon a change must hold on every process (the issue's
// requirement), measured from the moment the change was made.
const within = time.Second

// TestPolicyChangesHoldOnEveryProcess starts two `benkan serve` on one
// database, makes each kind of policy change (through the first's GraphQL
// API, in raw SQL, through a store of the test's own), and checks that the
// other answers differently within a second of it. On PostgreSQL the
// second reaches its database through a proxy the test cuts: it must stay
// up, and catch up with a change made meanwhile once the database is back.
func TestPolicyChangesHoldOnEveryProcess(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		url := storagetest.PostgresURL(t)
		proxy, proxied := storagetest.NewProxy(t, url)
		p1 := serve(t, "process 1", "--database-url", url, "--demo")
		p2 := serve(t, "process 2", "--database-url", proxied)
		h := newHarness(t, p1, p2, storage.Config{DatabaseURL: url})
		h.changes(t)
		h.databaseLoss(t, proxy)
		h.report(t)
	})
	t.Run("sqlite", func(t *testing.T) {
		// Two processes on one SQLite file (WAL): no notices, the poll only.
		dir := t.TempDir()
		p1 := serve(t, "process 1", "--data-dir", dir, "--demo")
		p2 := serve(t, "process 2", "--data-dir", dir)
		h := newHarness(t, p1, p2, storage.Config{DataDir: dir})
		h.changes(t)
		h.report(t)
	})
}

// harness drives one database's processes.
type harness struct {
	p1, p2 *process
	db     *storage.DB // the test's own connection, for raw SQL and a store
	admin  string      // admin's token
	viewer string      // dihr.officer's token: whose answers change

	// The answers of dihr.officer's probe under the default policy, with
	// dihr_partner's incident grant revoked, and with amdh_coordinator
	// assigned as well.
	initial, revoked, coordinator string

	latencies []string // "change on process: latency", for the log
}

// probe is what dihr.officer asks: how many incidents it may read.
const probe = `{ incidents { totalCount } }`

// incidentGrant is the default policy's grant to dihr_partner of incident
// rows, which the changes take away and give back.
var incidentGrant = map[string]any{"role": "dihr_partner", "object": "Incident", "action": "read", "scope": "shared_status&consented"}

func newHarness(t *testing.T, p1, p2 *process, cfg storage.Config) *harness {
	t.Helper()
	db, err := storage.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open the database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	h := &harness{p1: p1, p2: p2, db: db, admin: token(t, "admin"), viewer: token(t, "dihr.officer")}
	h.initial = h.answer(t, p1)
	if !strings.Contains(h.initial, "totalCount") || strings.Contains(h.initial, `"totalCount":0`) {
		t.Fatalf("dihr.officer's incidents under the default policy: %s, want some", h.initial)
	}
	if got := h.answer(t, p2); got != h.initial {
		t.Fatalf("process 2 answers %s, process 1 %s: not the same policy at start", got, h.initial)
	}
	return h
}

// answer is dihr.officer's probe as p answers it: the data, or the errors'
// codes.
func (h *harness) answer(t *testing.T, p *process) string {
	t.Helper()
	r := p.query(t, h.viewer, probe, nil)
	if len(r.Errors) > 0 {
		codes := make([]string, len(r.Errors))
		for i, e := range r.Errors {
			codes[i] = e.Extensions.Code
		}
		return "errors " + strings.Join(codes, ",")
	}
	return string(r.Data)
}

// mutate runs a policy mutation on process 1 as admin and fails t on an
// error.
func (h *harness) mutate(t *testing.T, field, arg, typ string, value map[string]any) {
	t.Helper()
	q := fmt.Sprintf(`mutation($v: %s!) { %s(%s: $v, reason: "e2e propagation test") { revision } }`, typ, field, arg)
	r := h.p1.query(t, h.admin, q, map[string]any{"v": value})
	if len(r.Errors) > 0 {
		t.Fatalf("%s on process 1: %+v", field, r.Errors)
	}
}

// expect checks that each of procs answers want now. Asked just before a
// change, it also leaves a cached viewer of the policy before the change on
// each, which must not be used once the change holds.
func (h *harness) expect(t *testing.T, want string, procs ...*process) {
	t.Helper()
	for _, p := range procs {
		if got := h.answer(t, p); got != want {
			t.Fatalf("%s answers %s, want %s", p.name, got, want)
		}
	}
}

// await waits until each of procs answers want, failing t if one does not
// within limit of since; it records how long each took.
func (h *harness) await(t *testing.T, change string, since time.Time, limit time.Duration, want string, procs ...*process) {
	t.Helper()
	pending := slices.Clone(procs)
	last := map[*process]string{}
	for len(pending) > 0 {
		for i := 0; i < len(pending); i++ {
			p := pending[i]
			got := h.answer(t, p)
			last[p] = got
			if got == want {
				h.latencies = append(h.latencies, fmt.Sprintf("%-38s on %s: %v", change, p.name, time.Since(since).Round(time.Millisecond)))
				pending = slices.Delete(pending, i, i+1)
				i--
			}
		}
		if len(pending) == 0 {
			break
		}
		if time.Since(since) > limit {
			for _, p := range pending {
				t.Errorf("%s: %s still answers %s after %v, want %s", change, p.name, last[p], limit, want)
			}
			t.FailNow()
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// changes makes each kind of change and checks where it must hold.
func (h *harness) changes(t *testing.T) {
	t.Helper()
	// Through process 1's API: process 1 holds the change when it answers
	// (the store reloads before the mutation returns), process 2 within a
	// second.
	api := []struct {
		name, field, arg, typ string
		value                 map[string]any
		want                  *string
	}{
		{"revoke dihr_partner's incidents", "revoke", "permission", "PermissionInput", incidentGrant, &h.revoked},
		{"grant them back", "grant", "permission", "PermissionInput", incidentGrant, &h.initial},
		{"assign dihr.officer amdh_coordinator", "assign", "assignment", "AssignmentInput", map[string]any{"subject": "dihr.officer", "role": "amdh_coordinator"}, &h.coordinator},
		{"unassign it", "unassign", "assignment", "AssignmentInput", map[string]any{"subject": "dihr.officer", "role": "amdh_coordinator"}, &h.initial},
	}
	before := h.initial
	for _, c := range api {
		h.expect(t, before, h.p1, h.p2)
		h.mutate(t, c.field, c.arg, c.typ, c.value)
		made := time.Now()
		got := h.answer(t, h.p1)
		if *c.want == "" {
			*c.want = got // learnt from process 1, which holds the change already
		}
		if got != *c.want || got == before {
			t.Fatalf("%s: process 1 answers %s, want %s (before: %s)", c.name, got, *c.want, before)
		}
		h.await(t, c.name+" (API)", made, within, *c.want, h.p2)
		before = *c.want
	}
	if h.coordinator == h.revoked || h.revoked == h.initial {
		t.Fatalf("the states are not told apart: initial %s, revoked %s, coordinator %s", h.initial, h.revoked, h.coordinator)
	}

	// Raw SQL, as an operator might type it: both processes within a second.
	for _, c := range []struct {
		name     string
		from, to string
		want     string
	}{
		{"UPDATE the grant to Incident:sensitive", "Incident", "Incident:sensitive", h.revoked},
		{"UPDATE it back to Incident", "Incident:sensitive", "Incident", h.initial},
	} {
		h.expect(t, h.other(c.want), h.p1, h.p2)
		res, err := h.db.SQL.ExecContext(context.Background(), `UPDATE policy_rules SET v2 = '`+c.to+`' WHERE ptype = 'p' AND v0 = 'dihr_partner' AND v1 = '*' AND v2 = '`+c.from+`' AND v3 = 'read'`)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		made := time.Now()
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			t.Fatalf("%s: %d rows updated (%v), want 1", c.name, n, err)
		}
		h.await(t, c.name+" (SQL)", made, within, c.want, h.p1, h.p2)
	}

	// Through a store of the test's own, as another replica writes.
	s, err := store.Open(context.Background(), h.db, store.Options{})
	if err != nil {
		t.Fatalf("open a store: %v", err)
	}
	grant := store.Permission{Role: "dihr_partner", Domain: "*", Object: "Incident", Action: "read", Scope: "shared_status&consented"}
	for _, c := range []struct {
		name string
		op   store.Op
		want string
	}{
		{"revoke through another store", store.Revoke, h.revoked},
		{"grant through another store", store.Grant, h.initial},
	} {
		h.expect(t, h.other(c.want), h.p1, h.p2)
		ctx := store.AsOperator(context.Background(), "e2e")
		if _, err := s.Apply(ctx, []store.Change{{Op: c.op, Permission: grant}}, "e2e propagation test"); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		h.await(t, c.name+" (store)", time.Now(), within, c.want, h.p1, h.p2)
	}
}

// other is the answer before the change whose outcome is want, of the
// changes that take dihr_partner's incidents away and give them back.
func (h *harness) other(want string) string {
	if want == h.initial {
		return h.revoked
	}
	return h.initial
}

// databaseLoss cuts process 2 from the database, changes the policy
// through process 1, and checks that process 2 stays up meanwhile and holds
// the change soon after the database is back.
func (h *harness) databaseLoss(t *testing.T, proxy *storagetest.Proxy) {
	t.Helper()
	const failedCheck = "check the policy revision: keeping the policy in force"
	h.expect(t, h.initial, h.p1, h.p2)
	const reconnected = "policy notices: reconnected"
	failures, reconnects := strings.Count(h.p2.log(), failedCheck), strings.Count(h.p2.log(), reconnected)
	proxy.Down()
	cut := time.Now()
	h.mutate(t, "revoke", "permission", "PermissionInput", incidentGrant)
	h.expect(t, h.revoked, h.p1)

	// Process 2's watch fails a few checks (after the change, which it
	// cannot see; long enough for pq's listener to back off) without
	// ending the process, which answers meanwhile.
	for strings.Count(h.p2.log(), failedCheck) < failures+3 {
		h.p2.running(t)
		if time.Since(cut) > 5*time.Second {
			t.Fatalf("process 2 logged fewer than 3 failed policy checks in 5s without its database")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := h.answer(t, h.p2); got != "errors UNAVAILABLE" {
		t.Errorf("process 2 without its database answers %s, want errors UNAVAILABLE", got)
	}
	if status := h.p2.get(t, "/healthz"); status != 200 {
		t.Errorf("process 2's /healthz without its database: %d, want 200", status)
	}
	if status := h.p2.get(t, "/readyz"); status != 503 {
		t.Errorf("process 2's /readyz without its database: %d, want 503", status)
	}
	h.p2.running(t)

	proxy.Up(t)
	h.await(t, "revoke while process 2 was cut off", time.Now(), 2*time.Second, h.revoked, h.p2)
	// The notices come back too (pq's listener retries with a backoff of
	// at most 5s), and changes reach it within the second again.
	back := time.Now()
	for strings.Count(h.p2.log(), reconnected) == reconnects {
		h.p2.running(t)
		if time.Since(back) > 6*time.Second {
			t.Fatalf("process 2 logged no %q within 6s of its database's return", reconnected)
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.mutate(t, "grant", "permission", "PermissionInput", incidentGrant)
	h.await(t, "grant once the database is back (API)", time.Now(), within, h.initial, h.p2)
}

// report logs how long each change took to hold.
func (h *harness) report(t *testing.T) {
	t.Logf("dihr.officer's answers: initial %s, revoked %s, with amdh_coordinator %s", h.initial, h.revoked, h.coordinator)
	t.Logf("latencies:\n%s", strings.Join(h.latencies, "\n"))
}
