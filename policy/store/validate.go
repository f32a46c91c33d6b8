package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/ent/user"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
)

// names are the users and localities that exist, of those lines name.
type names struct {
	users, localities map[string]bool
	// anything stands for every user and locality, to check a file
	// without a database.
	anything bool
}

func (n names) user(subject string) bool { return n.anything || n.users[subject] }

func (n names) locality(id string) bool { return n.anything || n.localities[id] }

// lookup reads which of the subjects and localities lines name exist.
func lookup(ctx context.Context, c *ent.Client, lines [][]string) (names, error) {
	var subjects []string
	var ids []gid.ID
	for _, l := range lines {
		switch {
		case len(l) == 0:
		case l[0] == "g" && len(l) >= 4:
			subjects = append(subjects, l[1])
			ids = append(ids, gid.ID(l[3]))
		case l[0] == "p" && len(l) == 6:
			ids = append(ids, gid.ID(l[2]))
		}
	}
	n := names{users: map[string]bool{}, localities: map[string]bool{}}
	var valid []gid.ID
	for _, id := range ids {
		if id.Validate() == nil && id.Prefix() == "loc" {
			valid = append(valid, id)
		}
	}
	if len(subjects) > 0 {
		found, err := c.User.Query().Where(user.SubjectIn(subjects...)).Select(user.FieldSubject).Strings(ctx)
		if err != nil {
			return n, fmt.Errorf("look up the users the policy names: %w", err)
		}
		for _, s := range found {
			n.users[s] = true
		}
	}
	if len(valid) > 0 {
		found, err := c.Locality.Query().Where(locality.IDIn(valid...)).IDs(ctx)
		if err != nil {
			return n, fmt.Errorf("look up the localities the policy names: %w", err)
		}
		for _, id := range found {
			n.localities[string(id)] = true
		}
	}
	return n, nil
}

// check returns, for each line, why it does not hold in the policy that
// roles and lines make together, or "" when it does. A permission may name
// a field group only if some valid line puts a field in it.
func check(roles map[string]bool, known names, lines [][]string) []string {
	reasons := make([]string, len(lines))
	groups := map[string]bool{}
	for i, l := range lines {
		if reasons[i] = checkValues(l); reasons[i] != "" {
			continue
		}
		if l[0] == "g2" {
			if reasons[i] = checkArity(l); reasons[i] == "" {
				reasons[i] = errText(policy.CheckFieldGroup(l[1], l[2]))
			}
			if reasons[i] == "" {
				groups[l[2]] = true
			}
		}
	}
	for i, l := range lines {
		if reasons[i] != "" {
			continue
		}
		if reasons[i] = checkArity(l); reasons[i] != "" {
			continue
		}
		switch l[0] {
		case "p":
			reasons[i] = checkPermission(roles, known, groups, Permission{l[1], l[2], l[3], l[4], l[5]})
		case "g":
			reasons[i] = checkAssignment(roles, known, assignmentOf(l))
		}
	}
	local := localRoles(lines, reasons)
	for i, l := range lines {
		if reasons[i] == "" && l[0] == "g" && l[3] != "*" && !local[l[2]] {
			reasons[i] = fmt.Sprintf("role %s grants nothing limited to the localities it is held in (no scope names %s), so held in %s it would hold everywhere: assign it in *", l[2], ownLocalities, l[3])
		}
	}
	return reasons
}

// localRoles returns the roles whose rows depend on where they are held:
// some valid permission of the role, or of a role it holds through a g
// line, names own_localities. A role without one, held in a locality, acts
// everywhere (its scopes never look at the domain), which an admin who
// assigns it "in Niono" does not mean.
func localRoles(lines [][]string, reasons []string) map[string]bool {
	local := map[string]bool{}
	for i, l := range lines {
		if reasons[i] == "" && l[0] == "p" && slices.Contains(strings.Split(l[5], "&"), ownLocalities) {
			local[l[1]] = true
		}
	}
	for changed := true; changed; { // a role holding a local role is local
		changed = false
		for i, l := range lines {
			if reasons[i] == "" && l[0] == "g" && local[l[2]] && !local[l[1]] {
				local[l[1]], changed = true, true
			}
		}
	}
	return local
}

func checkArity(l []string) string {
	want := map[string]int{"p": 5, "g": 3, "g2": 2}
	n, ok := want[l[0]]
	switch {
	case !ok:
		return fmt.Sprintf("unknown kind of line %q: write p (a permission), g (an assignment) or g2 (a field group)", l[0])
	case l[0] == "g" && len(l) == 5:
		return checkExpiry(l[4])
	case len(l)-1 != n:
		return fmt.Sprintf("a %s line has %d values, not %d", l[0], n, len(l)-1)
	}
	return ""
}

// checkValues refuses values Casbin's CSV cannot write back as they are.
func checkValues(l []string) string {
	if len(l) == 0 {
		return "empty line"
	}
	for _, v := range l {
		if v != strings.TrimSpace(v) || strings.ContainsAny(v, ",\"#") || strings.ContainsFunc(v, unicode.IsControl) {
			return fmt.Sprintf("value %q: no commas, quotes, # or spaces around a value", v)
		}
	}
	return ""
}

func checkPermission(roles map[string]bool, known names, groups map[string]bool, p Permission) string {
	if !roles[p.Role] {
		return unknownRole(p.Role)
	}
	if r := checkDomain(known, p.Domain); r != "" {
		return r
	}
	if err := policy.CheckPermission(p.Object, p.Action, p.Scope); err != nil {
		return err.Error()
	}
	if strings.Contains(p.Object, ":") && !groups[p.Object] {
		return fmt.Sprintf("field group %s has no field: add one (g2) first", p.Object)
	}
	return checkLocalScope(p)
}

// checkLocalScope refuses a permission in a locality whose rows are not
// limited to it. The domain only says where the role must be held: the
// rows come from the scope, so "p, dihr_partner, loc_…, Incident.narrative,
// read, all" for a role held everywhere gave the narratives of every
// locality. The scope's own_localities (the localities of the domain and
// below) is what limits them, so such a line must name it.
func checkLocalScope(p Permission) string {
	if p.Domain == "*" {
		return ""
	}
	typ, _, _ := strings.Cut(strings.Replace(p.Object, ":", ".", 1), ".")
	if typ == "*" || typ == policy.PolicyObject {
		return fmt.Sprintf("domain %q: a permission of %s cannot be limited to a locality: grant it in *", p.Domain, p.Object)
	}
	if _, err := policy.ParseScope(typ, ownLocalities); err != nil {
		return fmt.Sprintf("domain %q: %s has no scope %s, so a permission of it would hold in every locality: grant it in *", p.Domain, typ, ownLocalities)
	}
	scope, err := policy.ParseScope(typ, p.Scope)
	if err != nil || !slices.Contains(scope, ownLocalities) {
		return fmt.Sprintf("domain %q: the scope must include %s, or the permission holds on rows of every locality", p.Domain, ownLocalities)
	}
	return ""
}

const ownLocalities = "own_localities"

func checkAssignment(roles map[string]bool, known names, a Assignment) string {
	if !roles[a.Role] {
		return unknownRole(a.Role)
	}
	if a.Subject == a.Role && !known.user(a.Subject) {
		return fmt.Sprintf("role %s cannot hold itself", a.Role)
	}
	if a.Subject != a.Role && known.users[a.Subject] && roles[a.Subject] {
		// Which one the line means would flip, silently, with a user's
		// subject changing: a user's roles would pass to every holder of
		// the role, or a role's to a new user.
		return fmt.Sprintf("%q is both a user's subject and a role's name: the line could mean either", a.Subject)
	}
	if !known.user(a.Subject) && !roles[a.Subject] {
		return fmt.Sprintf("no user has the subject %q, and no role is named so", a.Subject)
	}
	return checkDomain(known, a.Domain)
}

func checkDomain(known names, domain string) string {
	if domain == "*" {
		return ""
	}
	if id := gid.ID(domain); id.Validate() != nil || id.Prefix() != "loc" {
		return fmt.Sprintf("domain %q: write * (everywhere) or the id of a locality", domain)
	}
	if !known.locality(domain) {
		return fmt.Sprintf("domain %q: no locality has this id", domain)
	}
	return ""
}

func unknownRole(name string) string {
	return fmt.Sprintf("no role %q: declare it first (createRole, or a \"# role %s: what it is for\" line in a policy file)", name, name)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// validate sorts the stored lines into the valid ones and the problems.
func (p *Policy) validate(ctx context.Context, c *ent.Client) error {
	lines := make([][]string, len(p.rules))
	for i, r := range p.rules {
		lines[i] = r.line
	}
	known, err := lookup(ctx, c, lines)
	if err != nil {
		return err
	}
	reasons := check(p.roleSet(), known, lines)
	p.lines, p.Permissions, p.Assignments, p.FieldGroups, p.Problems = nil, nil, nil, nil, nil
	p.expired, p.validUntil = nil, time.Time{}
	defer func() { p.casbin = casbinLines(p.lines, known, p.roleSet()) }()
	for i, r := range p.rules {
		if reasons[i] != "" {
			p.Problems = append(p.Problems, Problem{RuleID: r.id, Line: strings.Join(r.line, ", "), Reason: reasons[i]})
			continue
		}
		l := r.line
		if at := lineExpiry(l); !at.IsZero() {
			if expiredAt(at, p.loaded) { // fail closed: out before it is removed
				p.expired = append(p.expired, r)
				continue
			}
			if p.validUntil.IsZero() || at.Before(p.validUntil) {
				p.validUntil = at
			}
		}
		p.lines = append(p.lines, l)
		switch l[0] {
		case "p":
			p.Permissions = append(p.Permissions, Permission{l[1], l[2], l[3], l[4], l[5]})
		case "g":
			p.Assignments = append(p.Assignments, assignmentOf(l))
		case "g2":
			p.FieldGroups = append(p.FieldGroups, FieldGroup{l[1], l[2]})
		}
	}
	return nil
}

// casbinLines writes valid lines as Casbin sees them: the subject of an
// assignment is a user (policy.UserSubject) when a user has that subject,
// and otherwise a role, which then holds the other role's permissions. An
// assignment's expiry is left out: the model's g has 3 values, and which
// assignments have expired is the store's to decide (see expiry.go).
func casbinLines(lines [][]string, known names, roles map[string]bool) [][]string {
	out := make([][]string, len(lines))
	for i, l := range lines {
		out[i] = l
		switch {
		case l[0] == "g" && (known.users[l[1]] || !roles[l[1]]):
			out[i] = []string{"g", policy.UserSubject(l[1]), l[2], l[3]}
		case l[0] == "g" && len(l) > 4:
			out[i] = l[:4]
		}
	}
	return out
}

func (p *Policy) roleSet() map[string]bool {
	out := make(map[string]bool, len(p.Roles))
	for _, r := range p.Roles {
		out[r.Name] = true
	}
	return out
}
