package store

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
)

// Expectations are policy tests: what a policy must decide, one request a
// line, written so that an admin can read them as the acceptance matrix
// they come from. A file holds lines of five or six values,
//
//	SUBJECT, DOMAIN, OBJECT, ACTION, DECISION
//	SUBJECT, DOMAIN, OBJECT, ACTION, DECISION, ROW
//
// SUBJECT is "role NAME" (the role's own permissions, and those of the
// roles it holds: a user who holds it in DOMAIN) or "user SUBJECT" (a
// user by token subject, with the roles the policy assigns it). DOMAIN is
// "*" or a locality id: where the access is asked. OBJECT and ACTION are
// as in a permission line (a type, Type.field, Type.*, Type:group, *;
// read, create, update, aggregate). DECISION is allow or deny. Blank lines and lines
// starting with # are comments.
//
// Without ROW, Casbin decides (Enforce over model.conf, which the
// agreement test keeps equal to what requests get): allow means the
// policy grants the access for some rows; scopes are not compared.
//
// ROW names one row, by its type and the value of the type's unique field
// in the ent schema ("Incident NIO-2023-0042", "User monitor.niono",
// "Organization Commissariat de police de Niono", "ViolationType
// torture_ill_treatment") or by its global id ("inc_…"). The expectation is
// then decided on that row, as requests decide it (policy.Engine.Explain:
// the viewer Casbin builds, the row filter run in SQL, the field masked or
// not on the row): reading the row for OBJECT a type, reading the field (or
// every field of Type.* or of a group) on the row, or creating or updating
// the row as it is. For a role, the subject is a user who holds the role in
// DOMAIN and nothing else, and who has collected nothing; a user's row line
// is decided with every role the user holds, wherever, as its requests are,
// so its DOMAIN must be "*". A ROW that names no row, a subject that does
// not exist, and rows checked without a database fail the expectation with
// the reason, whatever it expects: a reference never makes a test that
// always passes. Row lines need the database's rows; keep them apart from
// the lines a policy must meet on any database (demo/expectations.csv holds
// the demo data's).
type Expectations struct {
	// Name is the file's name, for the messages of failing lines.
	Name string
	// List is the file's expectations in order.
	List []Expectation
}

// Expectation is one line of an expectations file.
type Expectation struct {
	// Line is the line's number in the file, from 1; Text the line.
	Line int
	Text string
	// Role or User is the subject (one of them is set).
	Role, User string
	// Domain, Object and Action are the request.
	Domain, Object, Action string
	// Allow is the expected decision.
	Allow bool
	// Row is the row the expectation decides on; zero for none.
	Row RowRef
}

// Failure is an expectation a policy does not meet.
type Failure struct {
	Expectation
	// Name is the expectations file's name.
	Name string
	// Got is the policy's decision; Reason, when set, says why the
	// expectation could not be decided (a role the policy does not have).
	Got    bool
	Reason string
	// Why is, for a row expectation, what decided the row: whether it is
	// visible, and each line's verdict on it.
	Why string
}

// String writes the failure as FILE:LINE: expectation: got allow, want
// deny, followed for a row by what decided it in parentheses.
func (f Failure) String() string {
	if f.Reason != "" {
		return fmt.Sprintf("%s:%d: %s: %s", f.Name, f.Line, f.Text, f.Reason)
	}
	s := fmt.Sprintf("%s:%d: %s: got %s, want %s", f.Name, f.Line, f.Text, decision(f.Got), decision(f.Allow))
	if f.Why != "" {
		s += " (" + f.Why + ")"
	}
	return s
}

func decision(allow bool) string {
	if allow {
		return "allow"
	}
	return "deny"
}

var userSubject = regexp.MustCompile(`^[^\s,#"]{1,255}$`)

// ParseExpectations reads an expectations file named name. A line that
// does not read as an expectation (a misspelt object, action or decision)
// fails the whole file with BAD_USER_INPUT naming each such line, so that
// a typo never makes a test that always passes.
func ParseExpectations(name, text string) (*Expectations, error) {
	e := &Expectations{Name: name}
	var bad []string
	for n, raw := range strings.Split(text, "\n") {
		raw = strings.TrimSpace(raw)
		if raw == "" || strings.HasPrefix(raw, "#") {
			continue
		}
		x, err := parseExpectation(raw)
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s:%d: %s: %v", name, n+1, raw, err))
			continue
		}
		x.Line, x.Text = n+1, raw
		e.List = append(e.List, x)
	}
	if len(bad) > 0 {
		return nil, benkan.Errorf(benkan.EINVALID, "policy tests %s: %d lines are not expectations:\n%s", name, len(bad), strings.Join(bad, "\n"))
	}
	if len(e.List) == 0 {
		return nil, benkan.Errorf(benkan.EINVALID, "policy tests %s: no expectation in the file", name)
	}
	return e, nil
}

func parseExpectation(raw string) (Expectation, error) {
	v := strings.Split(raw, ",")
	for i := range v {
		v[i] = strings.TrimSpace(v[i])
	}
	if len(v) != 5 && len(v) != 6 {
		return Expectation{}, fmt.Errorf("%d values, not 5 or 6: write SUBJECT, DOMAIN, OBJECT, ACTION, allow|deny[, ROW]", len(v))
	}
	var x Expectation
	kind, who, _ := strings.Cut(v[0], " ")
	who = strings.TrimSpace(who)
	switch kind {
	case "role":
		if !roleName.MatchString(who) {
			return x, fmt.Errorf("role name %q: lower case letters, digits and _, starting with a letter", who)
		}
		x.Role = who
	case "user":
		if !userSubject.MatchString(who) {
			return x, fmt.Errorf("user subject %q: one word, no commas, quotes or #", who)
		}
		x.User = who
	default:
		return x, fmt.Errorf("subject %q: write \"role NAME\" or \"user SUBJECT\"", v[0])
	}
	x.Domain, x.Object, x.Action = v[1], v[2], v[3]
	if x.Domain != "*" {
		if id := gid.ID(x.Domain); id.Validate() != nil || id.Prefix() != "loc" {
			return x, fmt.Errorf("domain %q: write * (everywhere) or the id of a locality", x.Domain)
		}
	}
	if err := policy.CheckObject(x.Object); err != nil {
		return x, err
	}
	if err := policy.CheckAction(x.Action); err != nil {
		return x, err
	}
	switch v[4] {
	case "allow":
		x.Allow = true
	case "deny":
	default:
		return x, fmt.Errorf("decision %q: write allow or deny", v[4])
	}
	if len(v) == 6 {
		var err error
		if x.Row, err = parseRowRef(v[5], x.Object); err != nil {
			return x, err
		}
		if x.User != "" && x.Domain != "*" {
			return x, fmt.Errorf("domain %q: a user's row line is decided with every role the user holds, wherever, as its requests are: write *", x.Domain)
		}
	}
	return x, nil
}

// Check returns the expectations the policy does not meet, in file order,
// without a database: an expectation on a row fails, saying it needs one
// (see CheckWith).
func (p *Policy) Check(e *Expectations) ([]Failure, error) {
	return e.check(context.Background(), nil, p.casbin, p.roleSet())
}

// CheckWith is Check deciding the expectations on rows on the rows c
// reads (the caller's transaction's, for the rows a change sees).
func (p *Policy) CheckWith(ctx context.Context, c *ent.Client, e *Expectations) ([]Failure, error) {
	return e.check(ctx, c, p.casbin, p.roleSet())
}

// Check loads the stored policy (as Load) and returns it with the
// expectations it does not meet, those on rows decided on the rows of the
// store's database.
//
// Callers: as Load.
func (s *Store) Check(ctx context.Context, e *Expectations) (*Policy, []Failure, error) {
	p, err := s.Load(ctx)
	if err != nil {
		return nil, nil, err
	}
	failures, err := p.CheckWith(ctx, s.client(ctx), e)
	if err != nil {
		return nil, nil, err
	}
	return p, failures, nil
}

// CheckFileExpectations returns the expectations a policy file does not
// meet, without a database: the file's users are those its assignments
// name, and an expectation on a row fails, saying it needs a database.
// The file must be valid (CheckFile).
func CheckFileExpectations(f *File, e *Expectations) ([]Failure, error) {
	return CheckFileExpectationsWith(context.Background(), nil, f, e)
}

// CheckFileExpectationsWith is CheckFileExpectations deciding the
// expectations on rows on the rows c reads: what a policy file would do
// to the rows of a database, before it is imported. The subjects its
// assignments name are read as the database's users, as an import would
// store them.
func CheckFileExpectationsWith(ctx context.Context, c *ent.Client, f *File, e *Expectations) ([]Failure, error) {
	if problems := CheckFile(f); len(problems) > 0 {
		return nil, fileError(problems)
	}
	roles := map[string]bool{}
	for _, r := range f.Roles {
		roles[r.Name] = true
	}
	known := names{anything: true}
	if c != nil { // a subject that is a user of the database is the user, even if a role has its name
		var err error
		if known, err = lookup(policy.SystemContext(ctx), c, f.lines); err != nil {
			return nil, err
		}
	}
	return e.check(ctx, c, casbinLines(f.lines, known, roles), roles)
}

// HasRows reports whether some expectation names a row: checking them
// needs a database.
func (e *Expectations) HasRows() bool {
	return slices.ContainsFunc(e.List, func(x Expectation) bool { return !x.Row.IsZero() })
}

// check decides each expectation over lines (as casbinLines writes them),
// in a policy whose roles are roles: with Casbin, or on its row, on the
// rows c reads (nil: no database).
func (e *Expectations) check(ctx context.Context, c *ent.Client, lines [][]string, roles map[string]bool) ([]Failure, error) {
	enf, err := policy.NewEnforcer(lines)
	if err != nil {
		return nil, fmt.Errorf("policy tests: %w", err)
	}
	var rows *rowDecider // built at the first row line
	var out []Failure
	for _, x := range e.List {
		sub := policy.UserSubject(x.User)
		if x.Role != "" {
			if !roles[x.Role] {
				out = append(out, Failure{Expectation: x, Name: e.Name, Reason: fmt.Sprintf("the policy has no role %q", x.Role)})
				continue
			}
			sub = x.Role
		}
		if !x.Row.IsZero() {
			if c == nil {
				out = append(out, Failure{Expectation: x, Name: e.Name, Reason: noDatabase})
				continue
			}
			if rows == nil {
				if rows, err = newRowDecider(c, lines); err != nil {
					return nil, err
				}
			}
			got, why, reason, err := rows.decide(ctx, x)
			if err != nil {
				return nil, fmt.Errorf("policy tests: %s:%d: %w", e.Name, x.Line, err)
			}
			if reason != "" || got != x.Allow {
				out = append(out, Failure{Expectation: x, Name: e.Name, Got: got, Reason: reason, Why: why})
			}
			continue
		}
		got, err := enf.Enforce(sub, x.Domain, x.Object, x.Action)
		if err != nil {
			return nil, fmt.Errorf("policy tests: %s:%d: %w", e.Name, x.Line, err)
		}
		if got != x.Allow {
			out = append(out, Failure{Expectation: x, Name: e.Name, Got: got})
		}
	}
	return out, nil
}

// broken returns the failures of after that before does not have: what a
// change set breaks. An expectation the stored policy fails already does
// not block a change (the change may be the fix, or unrelated to it).
func broken(before, after []Failure) []Failure {
	var out []Failure
	for _, f := range after {
		if !slices.ContainsFunc(before, func(b Failure) bool { return b.Line == f.Line }) {
			out = append(out, f)
		}
	}
	return out
}

// brokenError refuses a change set that breaks expectations, listing each.
func brokenError(changes []Change, failures []Failure) error {
	lines := make([]string, len(failures))
	for i, f := range failures {
		lines[i] = f.String()
	}
	tests := "tests"
	if len(failures) == 1 {
		tests = "test"
	}
	return setError(changes, "the changes break %d policy %s:\n%s", len(failures), tests, strings.Join(lines, "\n"))
}

type seedingKey struct{}

// expect runs the configured expectations (Options.Expectations) against
// the policy the draft makes (as d.check validated it), before anything is
// written, and refuses the set if it breaks one that the current policy
// meets. Expectations on rows are decided on the rows c reads: the
// change's transaction's. Storing the default policy in an empty database
// is not checked: it is no admin's change, and a file may name users that
// do not exist yet. Nor is the removal of expired assignments: they hold
// no more whatever a test expects.
func (s *Store) expect(ctx context.Context, c *ent.Client, cur *Policy, d *draft, changes []Change) error {
	if s.expectations == nil || ctx.Value(seedingKey{}) != nil || ctx.Value(lapsingKey{}) != nil {
		return nil
	}
	before, err := cur.CheckWith(ctx, c, s.expectations)
	if err != nil {
		return err
	}
	after, err := s.expectations.check(ctx, c, d.casbin, d.roleSet)
	if err != nil {
		return err
	}
	if b := broken(before, after); len(b) > 0 {
		return brokenError(changes, b)
	}
	return nil
}
