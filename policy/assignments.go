package policy

import (
	"fmt"
	"slices"

	"github.com/casbin/casbin/v2"
)

// AssignmentsOf returns the roles subject (a user as UserSubject writes it)
// holds and what each grants, as
// Casbin's role manager and policy say: for each domain the subject holds a
// role in (and each domain a permission line names), the implicit
// permissions of the subject there (roles inherited through g lines
// included), with the domain matching NewEnforcer registers. benkan never
// reads the policy's lines for this itself.
//
// The permissions of one role in one domain make one Assignment: a field a
// role grants is read only on rows the same role shows (see CanReadField).
// An assignment in a locality that grants nothing its role does not grant
// everywhere is left out, since the role held everywhere covers it.
func AssignmentsOf(e *casbin.Enforcer, subject string, permissionDomains []string) ([]*Assignment, error) {
	held, err := e.GetDomainsForUser(subject)
	if err != nil {
		return nil, fmt.Errorf("read the domains of %s: %w", subject, err)
	}
	var domains []string
	if slices.Contains(held, "*") {
		domains = append(domains, "*")
	}
	for _, d := range append(held, permissionDomains...) {
		if !slices.Contains(domains, d) {
			domains = append(domains, d)
		}
	}
	var out []*Assignment
	everywhere := map[string]*Assignment{}
	for _, d := range domains {
		perms, err := e.GetImplicitPermissionsForUser(subject, d)
		if err != nil {
			return nil, fmt.Errorf("read the permissions of %s in %s: %w", subject, d, err)
		}
		var here []*Assignment
		for _, p := range perms {
			l, err := parseLine(p)
			if err != nil {
				continue // the store refuses such lines; never trust one more than it says
			}
			i := slices.IndexFunc(here, func(a *Assignment) bool { return a.Role == l.role })
			if i < 0 {
				here = append(here, &Assignment{Role: l.role, Domain: d})
				i = len(here) - 1
			}
			a := here[i]
			a.Grants = append(a.Grants, &Grant{Object: l.object, Action: l.action, Scope: l.scope, assignment: a})
		}
		for _, a := range here {
			if d == "*" {
				everywhere[a.Role] = a
			} else if all := everywhere[a.Role]; all != nil && a.grantsWithin(all) {
				continue
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// grantsWithin reports whether every grant of a is also a grant of b.
func (a *Assignment) grantsWithin(b *Assignment) bool {
	for _, g := range a.Grants {
		if !slices.ContainsFunc(b.Grants, func(h *Grant) bool {
			return h.Object == g.Object && h.Action == g.Action && slices.Equal(h.Scope, g.Scope)
		}) {
			return false
		}
	}
	return true
}

// Holds reports whether some role v holds in domain (or everywhere) grants
// action on object, whatever the rows: the question Casbin's Enforce
// answers for the same request. It is decided by the code that decides
// every request (coversType, coversField, namesField), so that a test
// comparing it with Enforce checks what requests get: a field is read
// through a grant of it, of "Type.*", of one of its groups or of "*"; it
// is created or updated through those or a grant of its type (fieldGranted),
// but for the collector, which only a grant naming it or "*" covers
// (checkCollector). "Type.*" asked of create or update is every field, the
// collector's included: a grant of a type with a collector does not cover it.
func (v *Viewer) Holds(domain, object, action string) bool {
	for _, a := range v.Assignments {
		if a.Domain != domain && a.Domain != "*" {
			continue
		}
		for _, g := range a.Grants {
			if g.covers(v.groups, object, action) != "" {
				return true
			}
		}
	}
	return false
}

// How a grant covers the object a decision is asked of (see covers): the
// answers of Holds, kept apart so that explain (explain.go) names the
// reason Holds decides by, never one of its own.
const (
	// CoversObject is a grant of the object itself.
	CoversObject = "object"
	// CoversEverything is a grant of "*".
	CoversEverything = "*"
	// CoversEveryField is a grant of "Type.*", covering the field asked.
	CoversEveryField = "Type.*"
	// CoversGroup is a grant of a field group the field asked belongs to.
	CoversGroup = "group"
	// CoversType is a grant of the type, covering a field for create and update.
	CoversType = "type"
)

// covers returns how g grants action on object (one of the Covers
// constants), or "" if it does not: the one decision Holds makes of each
// grant.
func (g *Grant) covers(groups Groups, object, action string) string {
	if g.Action != action {
		return ""
	}
	typ, field, isField := splitObject(object)
	_, _, collected := collectorOf(typ)
	exact := isField && action != ActionRead && (field == "*" && collected || isCollector(typ, field))
	if exact && action == ActionAggregate {
		return "" // never counted by who recorded a row (model.conf)
	}
	switch {
	case g.Object == object:
		return CoversObject
	case g.Object == "*":
		return CoversEverything
	case !isField || exact:
	case g.coversField(groups, typ, field):
		if g.Object == typ+".*" {
			return CoversEveryField
		}
		return CoversGroup
	case action != ActionRead && action != ActionAggregate && g.coversType(typ, false):
		return CoversType
	}
	return ""
}

// MayPolicy reports whether v may read (ActionRead) or change
// (ActionUpdate) the access policy: a grant of Policy, or of every type,
// in a role held everywhere (the policy is not a locality's).
func (v *Viewer) MayPolicy(action string) bool {
	if v.IsAnonymous() {
		return false
	}
	return v.Holds("*", PolicyObject, action)
}

// splitObject splits "Type.field" into its type and field; a type alone, a
// group or "*" is not a field.
func splitObject(object string) (typ, field string, isField bool) {
	for i := 0; i < len(object); i++ {
		switch object[i] {
		case '.':
			return object[:i], object[i+1:], true
		case ':':
			return object[:i], "", false
		}
	}
	return object, "", false
}
