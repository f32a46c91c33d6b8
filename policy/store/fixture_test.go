package store_test

// The store tests' world: a database with the default policy, a real
// policy.Engine the store puts it in force in, users holding each role
// that matters, two communes and an incident every reading role sees, and
// the store's log captured.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
)

// Subjects of the fixture's users.
const (
	subjAdmin  = "boss"   // admin in *
	subjAdmin2 = "boss2"  // no role (tests make it a second admin)
	subjCoord  = "coord"  // amdh_coordinator in *
	subjMon    = "mon"    // amdh_monitor in Niono
	subjDIHR   = "dihr"   // dihr_partner in *
	subjNobody = "nobody" // no role
)

// world is one test's database, store, engine and data.
type world struct {
	t      *testing.T
	ctx    context.Context
	db     *storage.DB
	engine *policy.Engine
	store  *store.Store
	log    *logBuffer
	niono  string // locality ids
	kayes  string
}

// logBuffer is a slog handler's output that goroutines may write at once.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// count returns how many logged lines hold every one of parts.
func (l *logBuffer) count(parts ...string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range strings.Split(l.b.String(), "\n") {
		ok := line != ""
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			n++
		}
	}
	return n
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newWorld opens the store of db for a fresh engine (OpenFor) after
// writing the fixture's users, localities and incident, and gives the
// users their roles.
func newWorld(t *testing.T, db *storage.DB) *world {
	t.Helper()
	w := &world{t: t, ctx: context.Background(), db: db, log: &logBuffer{}}
	sys := policy.SystemContext(w.ctx)
	c := db.Client
	segou := must(c.Locality.Create().SetName("Ségou").SetLevel(locality.LevelREGION).Save(sys))
	niono := must(c.Locality.Create().SetName("Niono").SetLevel(locality.LevelCERCLE).SetParent(segou).Save(sys))
	kayes := must(c.Locality.Create().SetName("Kayes").SetLevel(locality.LevelREGION).Save(sys))
	w.niono, w.kayes = string(niono.ID), string(kayes.ID)
	users := map[string]*ent.User{}
	for _, s := range []string{subjAdmin, subjAdmin2, subjCoord, subjMon, subjDIHR, subjNobody} {
		users[s] = must(c.User.Create().SetSubject(s).SetDisplayName("User " + s).Save(sys))
	}
	vt := must(c.ViolationType.Create().SetCode("arbitrary_arrest").SetLabelFr("Arrestation").SetLabelEn("Arrest").Save(sys))
	at := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	must(c.Incident.Create().SetReference("NIO-2024-0001").SetOccurredAt(at).SetReportedAt(at.Add(time.Hour)).
		SetStatus(incident.StatusVERIFIED).SetConsentToShare(true).SetSummary("summary").SetNarrative("narrative").
		SetLocality(niono).AddViolationTypes(vt).SetCollectedBy(users[subjMon]).Save(sys))

	w.engine = policy.NewEngine(db.Client)
	w.store = w.open()
	w.apply(t, "the fixture's users",
		assign(subjAdmin, policy.AdminRole, "*"),
		assign(subjCoord, "amdh_coordinator", "*"),
		assign(subjMon, "amdh_monitor", w.niono),
		assign(subjDIHR, "dihr_partner", "*"))
	return w
}

// open opens a store of the world's database for its engine: what a
// replica (or a new server) starting does.
func (w *world) open() *store.Store {
	w.t.Helper()
	s, err := store.OpenFor(w.ctx, w.db, w.engine, slog.New(slog.NewTextHandler(w.log, nil)))
	if err != nil {
		w.t.Fatalf("open the policy store: %v", err)
	}
	return s
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// operator is the context the tests change the policy in.
func (w *world) operator() context.Context { return store.AsOperator(w.ctx, "store-test") }

// apply applies changes as an operator, failing the test if they fail.
func (w *world) apply(t *testing.T, reason string, changes ...store.Change) *store.Version {
	t.Helper()
	v, err := w.store.Apply(w.operator(), changes, reason)
	if err != nil {
		t.Fatalf("apply %v: %v", changes, err)
	}
	return v
}

// policy loads the stored policy as an operator.
func (w *world) policy() *store.Policy {
	w.t.Helper()
	p, err := w.store.Load(w.operator())
	if err != nil {
		w.t.Fatalf("load the policy: %v", err)
	}
	return p
}

// viewer builds the viewer of subject from the policy in force.
func (w *world) viewer(subject string) *policy.Viewer {
	w.t.Helper()
	return viewerIn(w.t, w.engine, subject)
}

func viewerIn(t *testing.T, e *policy.Engine, subject string) *policy.Viewer {
	t.Helper()
	v, err := e.Viewer(context.Background(), subject)
	if err != nil {
		t.Fatalf("viewer %s: %v", subject, err)
	}
	return v
}

// incidents returns the references of the incidents subject's viewer
// reads through ent, as the policy in force decides.
func (w *world) incidents(subject string) []string {
	w.t.Helper()
	return w.incidentsIn(w.engine, subject)
}

func (w *world) incidentsIn(e *policy.Engine, subject string) []string {
	w.t.Helper()
	refs, err := w.db.Client.Incident.Query().Select(incident.FieldReference).
		Strings(policy.NewContext(w.ctx, viewerIn(w.t, e, subject)))
	if err != nil {
		w.t.Fatalf("incidents of %s: %v", subject, err)
	}
	return refs
}

// replica opens another store of the world's database for an engine of
// its own, checking for changes every poll, and watches until the test
// ends: another replica of the server.
func (w *world) replica(poll time.Duration) (*policy.Engine, *logBuffer) {
	w.t.Helper()
	e := policy.NewEngine(w.db.Client)
	log := &logBuffer{}
	s, err := store.Open(w.ctx, w.db, store.Options{
		Logger: slog.New(slog.NewTextHandler(log, nil)),
		Poll:   poll,
		OnChange: func(p *store.Policy) {
			if err := e.Use(p.Snapshot()); err != nil {
				w.t.Errorf("put revision %d in force: %v", p.Revision, err)
			}
		},
	})
	if err != nil {
		w.t.Fatalf("open a replica's store: %v", err)
	}
	ctx, cancel := context.WithCancel(w.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Watch(ctx)
	}()
	w.t.Cleanup(func() { cancel(); <-done })
	return e, log
}

// caughtUp waits until e holds the stored revision.
func (w *world) caughtUp(e *policy.Engine) {
	w.t.Helper()
	want := w.revision()
	waitFor(w.t, 5*time.Second, fmt.Sprintf("the replica puts revision %d in force", want), func() bool {
		rev, ok := e.Revision()
		return ok && rev == want
	})
}

// exec runs raw SQL, as an operator typing it by hand would.
func (w *world) exec(query string) {
	w.t.Helper()
	if _, err := w.db.SQL.ExecContext(w.ctx, query); err != nil {
		w.t.Fatalf("%s: %v", query, err)
	}
}

// insertRule stores a line with raw SQL, past every check of the store.
func (w *world) insertRule(ptype string, v ...string) {
	w.t.Helper()
	vals := make([]string, 6)
	copy(vals, v)
	q := fmt.Sprintf("INSERT INTO policy_rules (ptype, v0, v1, v2, v3, v4, v5) VALUES ('%s', '%s')", ptype, strings.Join(vals, "', '"))
	w.exec(q)
}

// revision reads the stored revision with raw SQL.
func (w *world) revision() int64 {
	w.t.Helper()
	var rev int64
	if err := w.db.SQL.QueryRowContext(w.ctx, "SELECT revision FROM policy_states WHERE id = 1").Scan(&rev); err != nil {
		w.t.Fatalf("read the revision: %v", err)
	}
	return rev
}

// counts are what a refused change must leave as it was.
type counts struct {
	revision               int64
	rules, versions, audit int
}

func (w *world) counts() counts {
	w.t.Helper()
	sys := policy.SystemContext(w.ctx)
	return counts{
		revision: w.revision(),
		rules:    must(w.db.Client.PolicyRule.Query().Count(sys)),
		versions: must(w.db.Client.PolicyVersion.Query().Count(sys)),
		audit:    must(w.db.Client.AuditEvent.Query().Count(sys)),
	}
}

// waitFor polls cond until it holds or d has passed.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// wantCode fails unless err is a benkan error with code.
func wantCode(t *testing.T, err error, code string) *benkan.Error {
	t.Helper()
	var e *benkan.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("want a %s error, got %v", code, err)
	}
	return e
}

func assign(subject, role, domain string) store.Change {
	return store.Change{Op: store.Assign, Assignment: store.Assignment{Subject: subject, Role: role, Domain: domain}}
}

func unassign(subject, role, domain string) store.Change {
	return store.Change{Op: store.Unassign, Assignment: store.Assignment{Subject: subject, Role: role, Domain: domain}}
}

func grant(role, domain, object, action, scope string) store.Change {
	return store.Change{Op: store.Grant, Permission: store.Permission{Role: role, Domain: domain, Object: object, Action: action, Scope: scope}}
}

func revoke(role, domain, object, action, scope string) store.Change {
	return store.Change{Op: store.Revoke, Permission: store.Permission{Role: role, Domain: domain, Object: object, Action: action, Scope: scope}}
}

// problem returns the listed problem whose line holds text, if any.
func problem(p *store.Policy, text string) (store.Problem, bool) {
	for _, pr := range p.Problems {
		if strings.Contains(pr.Line, text) {
			return pr, true
		}
	}
	return store.Problem{}, false
}
