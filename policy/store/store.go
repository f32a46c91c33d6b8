package store

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/policystate"
	"github.com/benkan-project/benkan/ent/policyversion"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
)

// Store is the stored access policy of one database.
type Store struct {
	db  *storage.DB
	log *slog.Logger

	// poll is how often Watch checks the revision when no notice came.
	poll time.Duration

	// expectations are the policy tests every change set must keep
	// passing (Options.Expectations); nil for none.
	expectations *Expectations

	mu       sync.Mutex // held while a policy is loaded and handed on
	onChange func(*Policy)
	current  int64
	handed   bool
	// validUntil is the handed policy's earliest expiry: past it, the
	// policy must be loaded again even if the revision has not changed.
	validUntil time.Time
}

// Options configure a Store.
type Options struct {
	// Logger receives the store's messages: problems of stored lines, on
	// every load, and reloads.
	Logger *slog.Logger
	// OnChange is called with the policy when it is first loaded and after
	// every change of its revision, one call at a time.
	OnChange func(*Policy)
	// Poll is how often the revision is checked when no notice arrives (on
	// SQLite, always); 500 ms by default.
	Poll time.Duration
	// Expectations, when set, are policy tests (the file of serve's
	// --policy-tests) that Apply runs against the policy a change set
	// makes, before writing it: a set that breaks one is refused.
	Expectations *Expectations
	// Approval turns four-eyes mode on in the database when the store
	// opens, if it is not on yet (serve's and the command line's
	// --policy-approval): a change of the policy is then applied only when
	// an admin other than its proposer approves it (Propose, Approve);
	// Apply, Import, Rollback and the changes of users that change the
	// policy in force are refused. The mode is the database's: false does
	// not turn it off, and every store of the database obeys it once on.
	// See approval.go.
	Approval bool
}

// Open installs what the store needs in a migrated database (the revision
// row and its triggers), stores the default policy if the database holds no
// policy yet, and loads the policy, calling opts.OnChange with it.
func Open(ctx context.Context, db *storage.DB, opts Options) (*Store, error) {
	s := &Store{db: db, log: opts.Logger, poll: opts.Poll, onChange: opts.OnChange, expectations: opts.Expectations}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.poll <= 0 {
		s.poll = 500 * time.Millisecond
	}
	if err := installTriggers(ctx, db); err != nil {
		return nil, err
	}
	if err := s.seed(ctx); err != nil {
		return nil, err
	}
	if opts.Approval {
		if err := s.fourEyesOn(ctx); err != nil {
			return nil, err
		}
	}
	if _, err := s.Reload(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Policy is the stored policy at one revision.
type Policy struct {
	// Revision is the revision of the stored policy read.
	Revision int64
	// Roles are the policy's roles, by name.
	Roles []Role
	// Permissions, Assignments and FieldGroups are the valid lines.
	Permissions []Permission
	Assignments []Assignment
	FieldGroups []FieldGroup
	// Problems are the stored lines that do not validate, left out.
	Problems []Problem
	// Approval is four-eyes mode as the database holds it (see
	// approval.go): on, the policy changes only by approved proposals.
	Approval bool

	lines  [][]string // the valid lines, ptype first, as stored
	casbin [][]string // the same, users written as policy.UserSubject, no expiries
	rules  []rule     // every stored line, problems included

	// loaded is when the policy was read: assignments that expired by then
	// are in expired, left out of the lines above; validUntil is the
	// earliest expiry of those kept (zero: none expires).
	loaded     time.Time
	expired    []rule
	validUntil time.Time
}

// Snapshot returns the valid lines for the decision side.
func (p *Policy) Snapshot() *policy.Snapshot {
	return &policy.Snapshot{Revision: p.Revision, Lines: p.casbin}
}

// CSV writes the valid lines as Casbin's CSV, field groups first, then
// permissions and assignments, each as stored.
func (p *Policy) CSV() string {
	var b strings.Builder
	b.WriteString("# benkan access policy, revision " + fmt.Sprint(p.Revision) + ". See model.conf for the columns.\n")
	for _, r := range p.Roles {
		fmt.Fprintf(&b, "# role %s: %s\n", r.Name, oneLine(r.Description))
	}
	for _, kind := range []string{"g2", "p", "g"} {
		for _, l := range p.lines {
			if l[0] == kind {
				b.WriteString(strings.Join(l, ", ") + "\n")
			}
		}
	}
	return b.String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Role is a role of the policy.
type Role struct {
	Name        string
	Description string
}

// Permission is a p line: a role may do action on object, in domain ("*"
// or a locality id), for the rows scope covers.
type Permission struct {
	Role, Domain, Object, Action, Scope string
}

func (p Permission) line() []string {
	return []string{"p", p.Role, p.Domain, p.Object, p.Action, p.Scope}
}

// Assignment is a g line: a user (by token subject), or a role, holds a
// role in domain ("*" or a locality id), until Expires if it is set.
type Assignment struct {
	Subject, Role, Domain string
	// Expires, when not zero, is when the assignment lapses (a data-sharing
	// agreement that ends): stored as the line's 4th value (see expiry.go).
	Expires time.Time
}

func (a Assignment) line() []string {
	l := []string{"g", a.Subject, a.Role, a.Domain}
	if !a.Expires.IsZero() {
		l = append(l, formatExpiry(a.Expires))
	}
	return l
}

// ExpiresAt is Expires for GraphQL: nil for an assignment that does not
// expire.
func (a Assignment) ExpiresAt() *time.Time {
	if a.Expires.IsZero() {
		return nil
	}
	return &a.Expires
}

// FieldGroup is a g2 line: a field ("Incident.narrative") belongs to a
// group ("Incident:sensitive").
type FieldGroup struct {
	Field, Group string
}

func (g FieldGroup) line() []string { return []string{"g2", g.Field, g.Group} }

// Problem is a stored line that does not validate: it is left out of the
// policy in force until an admin discards it (Change Discard).
type Problem struct {
	// RuleID is the stored line's id, for Discard.
	RuleID int
	// Line is the line as stored, in Casbin's CSV.
	Line string
	// Reason says what is wrong with it.
	Reason string
}

// rule is a stored line.
type rule struct {
	id   int
	line []string
}

func (s *Store) client(ctx context.Context) *ent.Client {
	if tx := ent.TxFromContext(ctx); tx != nil {
		return tx.Client()
	}
	return s.db.Client
}

// Load reads the stored policy and validates it, in one read-only
// transaction (or the caller's), so that it is one revision's.
func (s *Store) Load(ctx context.Context) (*Policy, error) {
	if err := mayRead(ctx); err != nil {
		return nil, err
	}
	return s.load(ctx)
}

func (s *Store) load(ctx context.Context) (*Policy, error) {
	var p *Policy
	err := s.readOnly(ctx, func(ctx context.Context, c *ent.Client) error {
		var err error
		p, err = read(ctx, c)
		return err
	})
	return p, err
}

// readOnly runs f, in a system context, with a client reading one
// snapshot of the database: the transaction of ctx if it carries one,
// otherwise a read-only transaction of its own, so that what f reads (the
// revision, the roles, the lines, and for an impact the rows it counts) is
// one moment's.
func (s *Store) readOnly(ctx context.Context, f func(context.Context, *ent.Client) error) error {
	sys := policy.SystemContext(ctx)
	if ent.TxFromContext(ctx) != nil {
		return f(sys, ent.TxFromContext(ctx).Client())
	}
	if s.db.Dialect == dialect.Postgres {
		// One snapshot for the revision, the roles and the lines. The pool's
		// own transaction, since a driver that wraps ent's (statement
		// counters in tests) need not pass transaction options on.
		tx, err := s.db.SQL.BeginTx(sys, &stdsql.TxOptions{Isolation: stdsql.LevelRepeatableRead, ReadOnly: true})
		if err != nil {
			return fmt.Errorf("load policy: %w", err)
		}
		defer tx.Rollback() //nolint:errcheck // read-only
		return f(sys, ent.NewClient(ent.Driver(entsql.NewDriver(dialect.Postgres, entsql.Conn{ExecQuerier: tx}))))
	}
	tx, err := s.db.Client.Tx(sys) // SQLite's transactions are serializable
	if err != nil {
		return fmt.Errorf("load policy: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	return f(sys, tx.Client())
}

func read(ctx context.Context, c *ent.Client) (*Policy, error) {
	st, err := c.PolicyState.Query().Where(policystate.ID(1)).Only(ctx)
	if err != nil {
		return nil, fmt.Errorf("read policy revision: %w", err)
	}
	rev := st.Revision
	roles, err := c.PolicyRole.Query().Order(ent.Asc("name")).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("load policy roles: %w", err)
	}
	rows, err := c.PolicyRule.Query().Order(ent.Asc("id")).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("load policy rules: %w", err)
	}
	p := &Policy{Revision: rev, Approval: st.Approval, loaded: time.Now()}
	for _, r := range roles {
		p.Roles = append(p.Roles, Role{Name: r.Name, Description: r.Description})
	}
	for _, r := range rows {
		p.rules = append(p.rules, rule{id: r.ID, line: trimEmpty([]string{r.Ptype, r.V0, r.V1, r.V2, r.V3, r.V4, r.V5})})
	}
	if err := p.validate(ctx, c); err != nil {
		return nil, err
	}
	return p, nil
}

func revision(ctx context.Context, c *ent.Client) (int64, error) {
	st, err := c.PolicyState.Query().Where(policystate.ID(1)).Only(ctx)
	if err != nil {
		return 0, fmt.Errorf("read policy revision: %w", err)
	}
	return st.Revision, nil
}

// trimEmpty drops the empty trailing values of a stored rule.
func trimEmpty(line []string) []string {
	for len(line) > 0 && line[len(line)-1] == "" {
		line = line[:len(line)-1]
	}
	return line
}

// Reload loads the policy and hands it to OnChange if its revision is not
// the one handed last, or an assignment of the one handed has expired
// since. If assignments have expired, it then removes them (see expire).
// It returns the policy loaded.
func (s *Store) Reload(ctx context.Context) (*Policy, error) {
	p, err := s.reload(ctx)
	if err != nil {
		return nil, err
	}
	if len(p.expired) > 0 && ctx.Value(lapsingKey{}) == nil {
		if _, err := s.expire(ctx); err != nil {
			// The policy in force leaves them out already; the next load
			// tries again.
			s.log.ErrorContext(ctx, "remove expired assignments", "err", err)
		}
	}
	return p, nil
}

func (s *Store) reload(ctx context.Context) (*Policy, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	if s.handed && p.Revision == s.current && !s.stale(p.loaded) {
		return p, nil
	}
	for _, pr := range p.Problems {
		s.log.ErrorContext(ctx, "policy line left out: it does not validate", "rule", pr.RuleID, "line", pr.Line, "reason", pr.Reason)
	}
	if s.onChange != nil {
		s.onChange(p)
	}
	if s.handed {
		s.log.InfoContext(ctx, "policy reloaded", "revision", p.Revision, "lines", len(p.lines), "left_out", len(p.Problems))
	}
	s.current, s.handed, s.validUntil = p.Revision, true, p.validUntil
	return p, nil
}

// Versions returns the last applied change sets, newest first.
//
// Callers: as Load.
func (s *Store) Versions(ctx context.Context, last int) ([]Version, error) {
	if err := mayRead(ctx); err != nil {
		return nil, err
	}
	if last < 0 || last > 1000 {
		return nil, benkan.FieldErrorf("last", "ask for 0 to 1000 versions")
	}
	vs, err := s.client(ctx).PolicyVersion.Query().Order(ent.Desc(policyversion.FieldID)).Limit(last).All(policy.SystemContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("load policy versions: %w", err)
	}
	out := make([]Version, len(vs))
	for i, v := range vs {
		out[i] = Version{ID: v.ID, Revision: v.Revision, Actor: v.Actor, Reason: v.Reason, At: v.CreatedAt, Added: v.Added, Removed: v.Removed}
	}
	return out, nil
}
