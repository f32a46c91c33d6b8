package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/benkan-project/benkan/ent"
)

// Actions a permission line may name.
const (
	ActionRead   = "read"
	ActionCreate = "create"
	ActionUpdate = "update"
	// ActionAggregate is counting rows (package aggregate): a grant of a
	// type says which rows a role may count, its scope may declare the
	// disclosure control of those counts (protected(K), see
	// ProtectionAtom), and a grant of a field lets the role group or
	// filter the counts by it. It is its own action because a funder
	// counts what it may not read.
	ActionAggregate = "aggregate"
)

// Actions lists every action, in the order the policy and the README
// write them.
var Actions = []string{ActionRead, ActionCreate, ActionUpdate, ActionAggregate}

// PolicyObject is the object of the policy itself: a role granted read on
// it (or on "*") may list the policy, and update may change it.
const PolicyObject = "Policy"

// AdminRole is the role the default policy gives every permission,
// the policy's included. The store never lets the last user who may change
// the policy lose that right, whatever the role is called.
const AdminRole = "admin"

// Line reads the values of one line of Casbin's CSV ("p, admin, *, *, read,
// all"), ptype first; it returns nil for a blank line or a # comment.
func Line(text string) []string {
	text = strings.TrimSpace(text)
	if text == "" || strings.HasPrefix(text, "#") {
		return nil
	}
	parts := strings.Split(text, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// Lines reads a policy written as Casbin's CSV, one line per row, skipping
// blank lines and comments.
func Lines(text string) [][]string {
	var out [][]string
	for _, raw := range strings.Split(text, "\n") {
		if l := Line(raw); l != nil {
			out = append(out, l)
		}
	}
	return out
}

// objectTypes reports the types a permission may name: those access is
// decided for, and the policy itself.
func objectType(typ string) bool {
	return typ == PolicyObject || slices.Contains(Types, typ)
}

// groupName is how a field group is named after its type: "Incident:sensitive".
var groupName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// CheckObject checks an object a permission line names against the schema:
// "*", a type ("Incident"), every field of a type ("Incident.*"), a field
// that exists ("Incident.narrative", by its GraphQL name) or a field group
// ("Incident:sensitive"; whether the group has fields is the store's to
// check, since it depends on the other lines).
func CheckObject(object string) error {
	if object == "*" {
		return nil
	}
	typ, rest, sep := object, "", ""
	if i := strings.IndexAny(object, ".:"); i >= 0 {
		typ, sep, rest = object[:i], object[i:i+1], object[i+1:]
	}
	if !objectType(typ) {
		return fmt.Errorf("no type %q (types: %s, %s)", typ, strings.Join(Types, ", "), PolicyObject)
	}
	switch {
	case sep == "":
		return nil
	case typ == PolicyObject:
		return fmt.Errorf("%s has no fields: grant %s itself", PolicyObject, PolicyObject)
	case sep == "." && rest == "*":
		return nil
	case sep == "." && slices.Contains(unnamed[typ], rest):
		return fmt.Errorf("%s.%s is never served, so no permission may name it", typ, rest)
	case sep == ".":
		if !slices.Contains(ent.Fields[typ], rest) {
			return fmt.Errorf("%s has no field %q (fields: %s)", typ, rest, strings.Join(ent.Fields[typ], ", "))
		}
		return nil
	default:
		if !groupName.MatchString(rest) {
			return fmt.Errorf("field group %q: write Type:name, the name in lower case letters, digits and _", object)
		}
		return nil
	}
}

// unnamed are, by type, the fields of the ent schema no client ever reads
// or sets, which a permission therefore may not name: the cell key of the
// disclosure control (schema.CellKeyMixin).
var unnamed = map[string][]string{"Incident": {"cellKey"}}

// Protectable reports whether counts of typ can be published under
// disclosure control (protected(K)): whether its rows carry cell keys
// (schema.CellKeyMixin, listed in unnamed), or typ is counted with the
// keys of another's rows (keyedBy: an involvement with its incident's),
// or typ is one whose aggregate grants only ever serve as dimensions of
// counts of such rows (dimensionOf: Actor's gender, age bracket and
// category group counts of incidents and of involvements, and the
// strictest of the thresholds applies). Counts of Activity and
// Recommendation cannot: the policy refuses the atom on them, and their
// aggregates refuse a viewer who holds it anyway (fail closed).
func Protectable(typ string) bool {
	if counted, ok := dimensionOf[typ]; ok {
		typ = counted
	}
	if keys, ok := keyedBy[typ]; ok {
		typ = keys
	}
	return slices.Contains(unnamed[typ], "cellKey")
}

// keyedBy are the counted types without cell keys of their own, each
// counted with the keys of the type named (package aggregate: an
// involvement sums its incident's key, so that a count of people holding
// one involvement per incident is the incidents' cell and gets its
// answer).
var keyedBy = map[string]string{"Involvement": "Incident"}

var dimensionOf = map[string]string{"Actor": "Incident"}

// CheckAction checks an action a permission line names.
func CheckAction(action string) error {
	if !slices.Contains(Actions, action) {
		return fmt.Errorf("no action %q (actions: %s)", action, strings.Join(Actions, ", "))
	}
	return nil
}

// CheckPermission checks a permission line's object, action and scope
// against the schema and the scope vocabulary (see scopes.go).
func CheckPermission(object, action, scope string) error {
	if err := CheckObject(object); err != nil {
		return err
	}
	if err := CheckAction(action); err != nil {
		return err
	}
	typ := object
	if i := strings.IndexAny(typ, ".:"); i >= 0 {
		typ = typ[:i]
	}
	parsed, err := ParseScope(typ, scope)
	if err != nil {
		return err
	}
	if k := parsed.Protection(); k > 0 && (action != ActionAggregate || typ != object) {
		return fmt.Errorf("scope %q: %s is the disclosure control of counts, for a permission to aggregate a type (p, ROLE, DOMAIN, %s, aggregate, ...)", scope, ProtectionAtom(k), typ)
	}
	if k := parsed.Protection(); k > 0 && !Protectable(typ) {
		return fmt.Errorf("scope %q: benkan has no disclosure control for counts of %s (its rows carry no cell keys): %s is refused rather than ignored; grant exact counts (drop the atom) or no aggregate at all", scope, typ, ProtectionAtom(k))
	}
	return nil
}

// CheckFieldGroup checks a field group line: an existing field of a type
// ("Incident.narrative") in a group of the same type ("Incident:sensitive").
func CheckFieldGroup(field, group string) error {
	typ, name, ok := strings.Cut(field, ".")
	if !ok || name == "*" || strings.Contains(field, ":") {
		return fmt.Errorf("field group line: %q is not a field: write Type.field", field)
	}
	if err := CheckObject(field); err != nil {
		return err
	}
	if gt, _, ok := strings.Cut(group, ":"); !ok || gt != typ {
		return fmt.Errorf("field group line: %q is not a group of %s: write %s:name", group, typ, typ)
	}
	return CheckObject(group)
}
