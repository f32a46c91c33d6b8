package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/policy"
)

// File is a policy written as Casbin's CSV, as Export writes it and Import
// reads it: g2, p and g lines, and "# role NAME: description" comments
// that declare roles. A line may name only a role the file declares, so
// that a misspelt role ("dihr_parnter") is refused, not created.
type File struct {
	Roles []Role
	lines [][]string
	at    []int // the file's line number of each line
}

// ParseFile reads a policy file. It fails only on what cannot be read as
// lines at all; CheckFile says which lines are valid.
func ParseFile(text string) (*File, error) {
	f := &File{}
	for n, raw := range strings.Split(text, "\n") {
		raw = strings.TrimSpace(raw)
		if name, desc, ok := roleComment(raw); ok {
			if !slices.ContainsFunc(f.Roles, func(r Role) bool { return r.Name == name }) {
				f.Roles = append(f.Roles, Role{Name: name, Description: desc})
			}
			continue
		}
		l := policy.Line(raw)
		if l == nil {
			continue
		}
		f.lines = append(f.lines, l)
		f.at = append(f.at, n+1)
	}
	if len(f.lines) == 0 {
		return nil, benkan.Errorf(benkan.EINVALID, "the file holds no policy line")
	}
	return f, nil
}

// roleComment reads "# role NAME: description".
func roleComment(raw string) (name, desc string, ok bool) {
	rest, ok := strings.CutPrefix(raw, "# role ")
	if !ok {
		return "", "", false
	}
	name, desc, _ = strings.Cut(rest, ":")
	name = strings.TrimSpace(name)
	return name, strings.TrimSpace(desc), roleName.MatchString(name)
}

// FileProblem is a line of a file that does not validate.
type FileProblem struct {
	// Line is the line's number in the file, from 1.
	Line int
	// Text is the line; Reason what is wrong with it.
	Text, Reason string
}

// CheckFile validates every line of f against the schema, the scope
// vocabulary and the file's own roles and field groups, without a
// database: whether the users and localities it names exist is checked
// by Import.
func CheckFile(f *File) []FileProblem {
	return f.problems(names{anything: true})
}

// problems checks f's lines with the users and localities known to exist.
func (f *File) problems(known names) []FileProblem {
	roles := map[string]bool{}
	for _, r := range f.Roles {
		roles[r.Name] = true
	}
	var out []FileProblem
	for i, reason := range check(roles, known, f.lines) {
		if reason != "" {
			out = append(out, FileProblem{Line: f.at[i], Text: strings.Join(f.lines[i], ", "), Reason: reason})
		}
	}
	return out
}

// fileError refuses a file, naming each invalid line.
func fileError(problems []FileProblem) error {
	var b strings.Builder
	for _, p := range problems {
		fmt.Fprintf(&b, "\nline %d: %s: %s", p.Line, p.Text, p.Reason)
	}
	return benkan.Errorf(benkan.EINVALID, "the file has %d invalid lines:%s", len(problems), b.String())
}

// Import makes the stored policy the file's: one change set, with reason,
// that creates the file's roles that do not exist, adds its lines that are
// not stored and removes the stored lines it does not hold (lines that do
// not validate included). It is validated and applied like any change set
// (see Apply); a file with invalid lines is refused whole, naming each by
// its line number, the users and localities that do not exist included.
//
// Callers: as Apply.
func (s *Store) Import(ctx context.Context, f *File, reason string) (*Version, error) {
	changes, err := s.importSet(ctx, f, true)
	if err != nil {
		return nil, err
	}
	return s.Apply(ctx, changes, reason)
}

// ImportImpact is the impact (see Impact) of Import(f), with its errors;
// it changes nothing, so four-eyes mode does not refuse it.
//
// Callers: as Apply.
func (s *Store) ImportImpact(ctx context.Context, f *File) (*Impact, error) {
	changes, err := s.importSet(ctx, f, false)
	if err != nil {
		return nil, err
	}
	return s.Impact(ctx, changes)
}

// importSet checks f and the actor and returns the change set that
// imports f. With direct (Import), four-eyes mode refuses it before
// anything is read (Apply would refuse it too).
func (s *Store) importSet(ctx context.Context, f *File, direct bool) ([]Change, error) {
	if problems := CheckFile(f); len(problems) > 0 {
		return nil, fileError(problems)
	}
	if _, err := actor(ctx, policy.ActionUpdate); err != nil {
		return nil, err
	}
	if direct {
		if err := s.direct(ctx, s.client(ctx)); err != nil {
			return nil, err
		}
	}
	return s.fileChanges(ctx, f)
}

// fileChanges returns the change set that makes the stored policy now the
// file's, refusing a file with invalid lines. Callers checked the actor.
func (s *Store) fileChanges(ctx context.Context, f *File) ([]Change, error) {
	if problems := CheckFile(f); len(problems) > 0 {
		return nil, fileError(problems)
	}
	known, err := lookup(policy.SystemContext(ctx), s.client(ctx), f.lines)
	if err != nil {
		return nil, err
	}
	if problems := f.problems(known); len(problems) > 0 {
		return nil, fileError(problems)
	}
	cur, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	changes := importChanges(cur, f)
	if len(changes) == 0 {
		return nil, benkan.Errorf(benkan.EINVALID, "the stored policy is the file's already: nothing to import")
	}
	return changes, nil
}

// importChanges are the changes that turn cur into f: roles first, then
// additions (field groups before the permissions that name them, roles'
// permissions before assignments), then removals in the reverse order.
func importChanges(cur *Policy, f *File) []Change {
	var out []Change
	for _, r := range f.Roles {
		if !slices.ContainsFunc(cur.Roles, func(x Role) bool { return x.Name == r.Name }) {
			out = append(out, Change{Op: CreateRole, Role: r})
		}
	}
	stored := func(l []string) bool {
		return slices.ContainsFunc(cur.rules, func(r rule) bool { return sameLine(r.line, l) })
	}
	now := time.Now()
	for _, kind := range []string{"g2", "p", "g"} {
		for _, l := range f.lines {
			if l[0] != kind || stored(l) {
				continue
			}
			if expiredAt(lineExpiry(l), now) {
				continue // it would lapse at once: it is not given again
			}
			// The same assignment with another expiry: take it back first.
			if i := slices.IndexFunc(cur.lines, func(x []string) bool { return sameAssignment(x, l) }); i >= 0 {
				out = append(out, lineChange(cur.lines[i], false))
			}
			out = append(out, lineChange(l, true))
		}
	}
	inFile := func(l []string) bool {
		return slices.ContainsFunc(f.lines, func(x []string) bool { return sameLine(x, l) || sameAssignment(x, l) && !expiredAt(lineExpiry(x), now) })
	}
	for _, pr := range cur.Problems {
		out = append(out, Change{Op: Discard, RuleID: pr.RuleID})
	}
	for _, kind := range []string{"g", "p", "g2"} {
		for _, l := range cur.lines {
			if l[0] == kind && !inFile(l) {
				out = append(out, lineChange(l, false))
			}
		}
	}
	return out
}

// lineChange is the change that adds (or removes) a valid line.
func lineChange(l []string, add bool) Change {
	switch l[0] {
	case "p":
		op := Grant
		if !add {
			op = Revoke
		}
		return Change{Op: op, Permission: Permission{l[1], l[2], l[3], l[4], l[5]}}
	case "g":
		op := Assign
		if !add {
			op = Unassign
		}
		return Change{Op: op, Assignment: assignmentOf(l)}
	default:
		op := Group
		if !add {
			op = Ungroup
		}
		return Change{Op: op, FieldGroup: FieldGroup{l[1], l[2]}}
	}
}

// seed stores the default policy in a database that holds no policy yet;
// replicas starting together store it once.
func (s *Store) seed(ctx context.Context) error {
	f, err := ParseFile(policy.DefaultPolicy)
	if err != nil {
		return fmt.Errorf("read the default policy: %w", err)
	}
	ctx = context.WithValue(AsOperator(ctx, "benkan"), seedingKey{}, true)
	return s.inTx(ctx, func(ctx context.Context, c *ent.Client) error {
		if err := c.PolicyState.UpdateOneID(1).AddRevision(0).Exec(ctx); err != nil {
			return fmt.Errorf("store default policy: %w", err)
		}
		n, err := c.PolicyRule.Query().Count(ctx)
		if err != nil {
			return fmt.Errorf("store default policy: %w", err)
		}
		m, err := c.PolicyRole.Query().Count(ctx)
		switch {
		case err != nil || m > 0:
			return err
		case n == 0:
			_, err = s.apply(ctx, c, "benkan", importChanges(&Policy{}, f), "the default policy, DESIGN.md's matrix")
			return err
		}
		// A policy stored before benkan kept roles: its lines name roles
		// that exist in nothing but those lines. Declare them, so that the
		// lines keep holding.
		cur, err := read(ctx, c)
		if err != nil {
			return err
		}
		var changes []Change
		for _, r := range cur.rules {
			if len(r.line) > 1 && (r.line[0] == "p" || r.line[0] == "g" && len(r.line) > 2) {
				name := r.line[1]
				if r.line[0] == "g" {
					name = r.line[2]
				}
				if roleName.MatchString(name) && !slices.ContainsFunc(changes, func(ch Change) bool { return ch.Role.Name == name }) {
					desc := ""
					if i := slices.IndexFunc(f.Roles, func(x Role) bool { return x.Name == name }); i >= 0 {
						desc = f.Roles[i].Description
					}
					changes = append(changes, Change{Op: CreateRole, Role: Role{Name: name, Description: desc}})
				}
			}
		}
		if len(changes) == 0 {
			return nil
		}
		_, err = s.apply(ctx, c, "benkan", changes, "declare the roles of a policy stored before roles were kept")
		return err
	})
}
