package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/policy"
)

// Impact is what a change of the policy would change of who sees what,
// computed without applying it: for every subject the change touches, the
// rows of each type that become visible or hidden (counted in SQL on the
// data as it is) and the fields that become readable or masked.
//
// The subjects are the roles whose permissions change (their own lines,
// the field groups their lines grant, the roles they hold), with every
// role that holds them, each in every domain it is held in ("*" if
// nowhere); and the users whose assignments are added or removed, whose
// impact is their whole access before against after (what the role they
// gain or lose gives a holder in that domain does not change, so it is
// not listed apart). A role is measured on its real holders in the
// domain (the users the lines before or after assign it there directly),
// each with its whole access before against after, its own organization
// and submissions, so that own_submissions, own_unit and own_org count;
// rows are summed over them (SubjectImpact.HeldBy). At most maxHolders
// (20, by subject) are counted; the others are left out and said
// (HoldersLeftOut), so that the counts are then a lower bound. A role
// nobody holds in the domain is measured on a hypothetical holder, as for
// a preview: a user of no organization who collected nothing, for whom
// those scopes show nothing.
//
// The cost is bounded by the subjects, their holders (at most 20 each) and
// the types: one COUNT statement per viewer and type that either policy
// shows rows of, each comparing the
// two viewers' compiled row filters in one scan, and one more per subject
// and type whose audited fields the viewer after reads on some rows only
// (policy.FieldRowsGained: whether it reads them on rows where it did not);
// Statements says how many ran. Besides, the few reads that build the
// viewers (a domain's localities, a user's row).
type Impact struct {
	// Added and Removed are the lines (and roles, as "role NAME") the
	// change adds and removes, as Version writes them.
	Added, Removed []string
	// Subjects are the subjects touched, roles first (by name, then
	// domain), then users (by subject).
	Subjects []SubjectImpact
	// Sensitive reports whether some subject would read a field of an
	// identifying or sensitive group that it could not read before, or
	// some field would no longer be audited (Unaudited).
	Sensitive bool
	// Unaudited are the fields (Type.field) whose reads would no longer be
	// audited: in an identifying or sensitive group before, in none after.
	// Whoever still reads them would read them without a trace.
	Unaudited []string
	// Statements is the number of COUNT statements run.
	Statements int
	// Revision is the revision of the policy the change was measured
	// against (Impact), to approve a proposal at exactly what was reviewed
	// (Approve); 0 for a comparison of files or versions.
	Revision int64
}

// SubjectImpact is the impact on one subject: a role held in a domain, or
// a user.
type SubjectImpact struct {
	// Role and Domain are the role and where it is held (its holders', or
	// a hypothetical holder's, see Impact); empty for a user.
	Role, Domain string
	// User is the user's token subject; empty for a role.
	User string
	// HeldBy is, for a role, how many of its real holders in the domain
	// the counts are summed over (at most maxHolders); 0 when nobody holds
	// it there, and the counts are then a hypothetical holder's.
	// HoldersLeftOut are the holders beyond maxHolders, not counted.
	// (GraphQL's holders and holdersNotCounted, null for a user.)
	HeldBy, HoldersLeftOut int
	// Types are the types whose visible rows or readable fields change,
	// in policy.Types order; none if the change changes nothing for the
	// subject.
	Types []TypeImpact
	// Sensitive reports whether the subject would read a field of an
	// identifying or sensitive group it could not read before.
	Sensitive bool
}

// String names the subject as the CLI prints it.
func (s SubjectImpact) String() string {
	if s.User != "" {
		return "user " + s.User
	}
	return fmt.Sprintf("role %s in %s", s.Role, s.Domain)
}

// TypeImpact is how the rows and fields of one type change for a subject.
type TypeImpact struct {
	// Type is the type's name.
	Type string
	// Before and After are the rows the subject sees before and after the
	// change; Gained the rows it sees after and not before, Lost the
	// reverse (a change can do both).
	Before, After, Gained, Lost int
	// Fields are the fields whose readability changes.
	Fields []FieldChange
	// Sensitive reports whether one of Fields is sensitive, or the
	// subject gains rows on all of which it reads a field of an
	// identifying or sensitive group.
	Sensitive bool
}

// FieldChange is a field whose readability changes for a subject.
type FieldChange struct {
	// Field is the field's GraphQL name.
	Field string
	// Before and After are how the subject reads it (none, some rows, all
	// the rows it sees).
	Before, After policy.FieldAccess
	// Sensitive reports that the field belongs to an identifying or
	// sensitive group (Type:identifying, Type:sensitive) and becomes
	// readable on rows where the subject could not read it: none to some
	// or all rows, some to all, or, counted in SQL, some or all to some
	// rows among which some it could not read before (the field is then
	// listed even if its access, some and some, does not change).
	Sensitive bool
}

// Readable reports whether the subject reads the field on more rows after.
func (f FieldChange) Readable() bool { return accessRank(f.After) > accessRank(f.Before) }

func accessRank(a policy.FieldAccess) int {
	return slices.Index([]policy.FieldAccess{policy.FieldNone, policy.FieldSome, policy.FieldAll}, a)
}

// Impact returns the impact of changes (see Impact) on the stored policy
// and data, without writing anything: the draft is built and validated as
// Apply builds it, so that a change set Apply would refuse gets the same
// error here (BAD_USER_INPUT naming the change), and the policy after is
// exactly the one Apply would write. The expectations of Options are not
// run. The policy, the draft and the counts are read in one snapshot.
//
// MayImpact refuses, as Impact does, a caller who may not compute an
// impact (update on Policy, or an operator): for a caller to check it
// before anything else it would answer, such as a limit on how many
// impacts one request computes, whose refusal would tell a caller without
// the right how many proposals are pending.
func (s *Store) MayImpact(ctx context.Context) error {
	_, err := actor(ctx, policy.ActionUpdate)
	return err
}

// Callers: as Apply (update on Policy, or an operator).
func (s *Store) Impact(ctx context.Context, changes []Change) (*Impact, error) {
	if _, err := actor(ctx, policy.ActionUpdate); err != nil {
		return nil, err
	}
	if err := checkChanges(changes); err != nil {
		return nil, err
	}
	var out *Impact
	err := s.readOnly(ctx, func(ctx context.Context, c *ent.Client) error {
		cur, d, err := plan(ctx, c, changes)
		if err != nil {
			return err
		}
		out, err = impact(ctx, c, cur.casbin, d.casbin)
		if err != nil {
			return err
		}
		out.Added, out.Removed, out.Revision = d.added, d.removed, cur.Revision
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ImpactOfFiles returns the impact of going from the policy of file from
// to that of file to (see Impact), on the stored data: the lines of each
// that hold today (valid, with the users and localities that exist, not
// expired) are compared, as the policy in force would hold them.
//
// Callers: as Apply.
func (s *Store) ImpactOfFiles(ctx context.Context, from, to *File) (*Impact, error) {
	if _, err := actor(ctx, policy.ActionUpdate); err != nil {
		return nil, err
	}
	var out *Impact
	err := s.readOnly(ctx, func(ctx context.Context, c *ent.Client) error {
		before, err := fileLines(ctx, c, from)
		if err != nil {
			return err
		}
		after, err := fileLines(ctx, c, to)
		if err != nil {
			return err
		}
		out, err = impact(ctx, c, before, after)
		if err != nil {
			return err
		}
		out.Added, out.Removed = fileMinus(to, from), fileMinus(from, to)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DiffImpact is the impact of going from the policy version from produced
// to the one to produced (ImpactOfFiles), with Diff's errors.
//
// Callers: as Apply.
func (s *Store) DiffImpact(ctx context.Context, from, to int) (*Impact, error) {
	if _, err := actor(ctx, policy.ActionUpdate); err != nil {
		return nil, err
	}
	a, b, err := s.versionFiles(ctx, from, to)
	if err != nil {
		return nil, err
	}
	return s.ImpactOfFiles(ctx, a, b)
}

// RollbackImpact is the impact of Rollback(toVersion): of the change set
// the rollback would apply, with Rollback's errors.
//
// Callers: as Apply.
func (s *Store) RollbackImpact(ctx context.Context, toVersion int) (*Impact, error) {
	if _, err := actor(ctx, policy.ActionUpdate); err != nil {
		return nil, err
	}
	changes, err := s.rollbackChanges(ctx, toVersion)
	if err != nil {
		return nil, err
	}
	return s.Impact(ctx, changes)
}

// fileLines returns the lines of f that hold on the stored data, as
// Casbin sees them (casbinLines): those that validate against the users
// and localities that exist, and have not expired.
func fileLines(ctx context.Context, c *ent.Client, f *File) ([][]string, error) {
	known, err := lookup(ctx, c, f.lines)
	if err != nil {
		return nil, err
	}
	roles := map[string]bool{}
	for _, r := range f.Roles {
		roles[r.Name] = true
	}
	reasons := check(roles, known, f.lines)
	now := time.Now()
	var valid [][]string
	for i, l := range f.lines {
		if reasons[i] == "" && !expiredAt(lineExpiry(l), now) {
			valid = append(valid, l)
		}
	}
	return casbinLines(valid, known, roles), nil
}

// impact compares the policies of two sets of lines (as casbinLines
// writes them) for every subject the difference touches.
func impact(ctx context.Context, c *ent.Client, before, after [][]string) (*Impact, error) {
	engines := [2]*policy.Engine{policy.NewEngine(c), policy.NewEngine(c)}
	for i, lines := range [][][]string{before, after} {
		if err := engines[i].Use(&policy.Snapshot{Lines: lines}); err != nil {
			return nil, fmt.Errorf("impact: put the policy in force: %w", err)
		}
	}
	out := &Impact{Added: []string{}, Removed: []string{}, Subjects: []SubjectImpact{}, Unaudited: []string{}}
	for _, typ := range policy.Types {
		for _, field := range ent.Fields[typ] {
			if engines[0].Audited(typ, field) && !engines[1].Audited(typ, field) {
				out.Unaudited = append(out.Unaudited, typ+"."+field)
			}
		}
	}
	out.Sensitive = len(out.Unaudited) > 0
	for _, target := range touched(before, after) {
		si := SubjectImpact{Role: target.Role, Domain: target.Domain, User: target.Subject, Types: []TypeImpact{}}
		// A role is measured on its real holders in the domain, each with
		// its own organization and submissions; a role nobody holds there,
		// on a hypothetical holder (see Impact).
		viewers := []policy.PreviewTarget{target}
		if target.Subject == "" {
			held := holders(before, after, target.Role, target.Domain)
			if len(held) > maxHolders {
				si.HoldersLeftOut = len(held) - maxHolders
				held = held[:maxHolders]
			}
			if len(held) > 0 {
				si.HeldBy, viewers = len(held), nil
				for _, u := range held {
					viewers = append(viewers, policy.PreviewTarget{Subject: u})
				}
			}
		}
		for _, v := range viewers {
			types, err := compare(ctx, c, engines, v, out)
			if err != nil {
				return nil, err
			}
			si.Types = mergeTypes(si.Types, types)
		}
		for _, ti := range si.Types {
			si.Sensitive = si.Sensitive || ti.Sensitive
		}
		out.Subjects = append(out.Subjects, si)
		out.Sensitive = out.Sensitive || si.Sensitive
	}
	return out, nil
}

// maxHolders is how many real holders of a role in a domain an impact
// counts rows for: each costs up to two COUNT statements per type.
const maxHolders = 20

// holders returns the users who hold role in domain directly under either
// set of lines (as casbinLines writes them), by subject: the role's holders
// before or after the change. A role held through another role is measured
// as that role's holders (touched lists the holding role too).
func holders(before, after [][]string, role, domain string) []string {
	var out []string
	for _, lines := range [][][]string{before, after} {
		for _, l := range lines {
			if l[0] != "g" || len(l) < 4 || l[2] != role || l[3] != domain {
				continue
			}
			if u, ok := strings.CutPrefix(l[1], policy.UserSubject("")); ok && !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	slices.Sort(out)
	return out
}

// mergeTypes adds the impact on one more holder of a role to what the
// others' gave: rows summed per type (a row counts once per holder who
// gains or loses it); a field listed once, as the first holder for whom it
// changes reads it, sensitive if it is for any holder.
func mergeTypes(into, more []TypeImpact) []TypeImpact {
	for _, ti := range more {
		i := slices.IndexFunc(into, func(x TypeImpact) bool { return x.Type == ti.Type })
		if i < 0 {
			into = append(into, ti)
			continue
		}
		m := &into[i]
		m.Before, m.After, m.Gained, m.Lost = m.Before+ti.Before, m.After+ti.After, m.Gained+ti.Gained, m.Lost+ti.Lost
		m.Sensitive = m.Sensitive || ti.Sensitive
		for _, fc := range ti.Fields {
			j := slices.IndexFunc(m.Fields, func(x FieldChange) bool { return x.Field == fc.Field })
			if j < 0 {
				m.Fields = append(m.Fields, fc)
			} else {
				m.Fields[j].Sensitive = m.Fields[j].Sensitive || fc.Sensitive
			}
		}
		slices.SortStableFunc(m.Fields, func(a, b FieldChange) int {
			return slices.Index(ent.Fields[ti.Type], a.Field) - slices.Index(ent.Fields[ti.Type], b.Field)
		})
	}
	slices.SortStableFunc(into, func(a, b TypeImpact) int {
		return slices.Index(policy.Types, a.Type) - slices.Index(policy.Types, b.Type)
	})
	return into
}

// compare returns the types whose rows or fields change for target's
// viewer from the first engine's policy to the second's, counting the
// statements it runs in out.
func compare(ctx context.Context, c *ent.Client, engines [2]*policy.Engine, target policy.PreviewTarget, out *Impact) ([]TypeImpact, error) {
	var vs [2]*policy.Viewer
	for i, e := range engines {
		v, err := e.ViewerFor(ctx, target)
		if be := (*benkan.Error)(nil); errors.As(err, &be) && be.Code == benkan.EUNAUTHENTICATED {
			v, err = policy.Anonymous(), nil // a user deleted since: no access
		}
		if err != nil {
			return nil, err
		}
		vs[i] = v
	}
	var types []TypeImpact
	for _, typ := range policy.Types {
		rows, ran, err := policy.CompareRows(ctx, c, typ, vs[0], vs[1])
		if err != nil {
			return nil, err
		}
		if ran {
			out.Statements++
		}
		ti := TypeImpact{Type: typ, Before: rows.Before, After: rows.After, Gained: rows.Gained, Lost: rows.Lost, Fields: []FieldChange{}}
		// The audited fields read on some rows after, and on some or
		// all before: whether they are read on rows where they were
		// not, the access alone does not tell; they are counted.
		var unsure []FieldChange
		for _, field := range ent.Fields[typ] {
			if field == "id" {
				continue
			}
			fc := FieldChange{Field: field, Before: vs[0].ReadsField(typ, field), After: vs[1].ReadsField(typ, field)}
			audited := vs[0].Audited(typ, field) || vs[1].Audited(typ, field)
			if audited && fc.After == policy.FieldSome && fc.Before != policy.FieldNone {
				unsure = append(unsure, fc)
				continue
			}
			if fc.Before == fc.After {
				// Rows gained on which it reads such a field: values
				// it could not read before.
				ti.Sensitive = ti.Sensitive || (audited && ti.Gained > 0 && fc.After == policy.FieldAll)
				continue
			}
			fc.Sensitive = audited && fc.Readable()
			ti.Sensitive = ti.Sensitive || fc.Sensitive
			ti.Fields = append(ti.Fields, fc)
		}
		if len(unsure) > 0 {
			names := make([]string, len(unsure))
			for i, fc := range unsure {
				names[i] = fc.Field
			}
			gained, ran, err := policy.FieldRowsGained(ctx, c, typ, names, vs[0], vs[1])
			if err != nil {
				return nil, err
			}
			if ran {
				out.Statements++
			}
			for i, fc := range unsure {
				fc.Sensitive = gained[i] > 0
				if fc.Before != fc.After || fc.Sensitive {
					ti.Sensitive = ti.Sensitive || fc.Sensitive
					ti.Fields = append(ti.Fields, fc)
				}
			}
			// In the order of the type's fields, as without counts.
			slices.SortStableFunc(ti.Fields, func(a, b FieldChange) int {
				return slices.Index(ent.Fields[typ], a.Field) - slices.Index(ent.Fields[typ], b.Field)
			})
		}
		if ti.Gained > 0 || ti.Lost > 0 || len(ti.Fields) > 0 {
			types = append(types, ti)
		}
	}
	return types, nil
}

// touched returns the subjects whose access the difference between two
// sets of lines (as casbinLines writes them) may change: which ones to
// compare, not what they may do, which the viewers built from the lines
// say. See Impact for the list.
func touched(before, after [][]string) []policy.PreviewTarget {
	all := append(slices.Clip(before), after...)
	changed := append(minusLines(before, after), minusLines(after, before)...)
	roles := map[string]bool{}
	domains := map[string][]string{} // of changed roles' permissions, "*" aside
	users := map[string]bool{}
	type pair struct{ role, domain string }
	pairs := map[pair]bool{}
	var groups []string
	for _, l := range changed {
		switch l[0] {
		case "p":
			roles[l[1]] = true
			if l[2] != "*" {
				domains[l[1]] = append(domains[l[1]], l[2])
			}
		case "g2":
			groups = append(groups, l[2])
		case "g":
			if sub, ok := strings.CutPrefix(l[1], policy.UserSubject("")); ok {
				users[sub] = true // the role held there is the same for its holders
			} else {
				roles[l[1]] = true // a role that holds another: its holders change
			}
		}
	}
	for _, l := range all { // the roles granted a field group that changes
		if l[0] == "p" && slices.Contains(groups, l[3]) {
			roles[l[1]] = true
		}
	}
	for grew := true; grew; { // and the roles that hold a changed role
		grew = false
		for _, l := range all {
			if l[0] == "g" && !strings.HasPrefix(l[1], policy.UserSubject("")) && roles[l[2]] && !roles[l[1]] {
				roles[l[1]], grew = true, true
			}
		}
	}
	for r := range roles {
		held := domains[r]
		for _, l := range all {
			if l[0] == "g" && l[2] == r {
				held = append(held, l[3])
			}
		}
		if len(held) == 0 {
			held = []string{"*"}
		}
		for _, d := range held {
			pairs[pair{r, d}] = true
		}
	}
	var out []policy.PreviewTarget
	for p := range pairs {
		out = append(out, policy.PreviewTarget{Role: p.role, Domain: p.domain})
	}
	slices.SortFunc(out, func(a, b policy.PreviewTarget) int {
		return strings.Compare(a.Role+"\x00"+a.Domain, b.Role+"\x00"+b.Domain)
	})
	var subjects []string
	for u := range users {
		subjects = append(subjects, u)
	}
	slices.Sort(subjects)
	for _, u := range subjects {
		out = append(out, policy.PreviewTarget{Subject: u})
	}
	return out
}

// minusLines returns the lines of a that b does not hold (sameLine).
func minusLines(a, b [][]string) [][]string {
	var out [][]string
	for _, l := range a {
		if !slices.ContainsFunc(b, func(x []string) bool { return sameLine(x, l) }) {
			out = append(out, l)
		}
	}
	return out
}
