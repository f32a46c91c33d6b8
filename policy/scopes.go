package policy

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"entgo.io/ent/dialect/sql/sqlgraph"
	"entgo.io/ent/entql"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/activity"
	"github.com/benkan-project/benkan/ent/actor"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/gid"
)

// Scope is the condition of a grant: atoms that must all hold. An empty
// scope ("all") holds for every row.
type Scope []string

// ParseScope reads a scope as written in the policy ("verified&own_localities",
// or "all") and checks that each atom exists for the object's type.
func ParseScope(typ, s string) (Scope, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("empty scope: write all")
	}
	if s == "all" {
		return Scope{}, nil
	}
	var out Scope
	for _, name := range strings.Split(s, "&") {
		name = strings.TrimSpace(name)
		if k, ok, err := parseProtection(name); ok {
			if err != nil {
				return nil, fmt.Errorf("scope %q: %w", s, err)
			}
			if typ == "*" {
				return nil, fmt.Errorf("scope %q: a line for every type (*) can only have scope all", s)
			}
			out = append(out, ProtectionAtom(k))
			continue
		}
		if typ != "*" {
			if _, ok := atoms[typ][name]; !ok {
				return nil, fmt.Errorf("scope %q: no atom %q for %s (known: %s)", s, name, typ, strings.Join(atomNames(typ), ", "))
			}
		} else {
			return nil, fmt.Errorf("scope %q: a line for every type (*) can only have scope all", s)
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return slices.Compact(out), nil
}

// Protection returns the threshold K of the scope's protected(K) atom, the
// largest if it names several, or 0 if it names none (exact counts).
func (s Scope) Protection() int {
	k := 0
	for _, a := range s {
		if n, ok, err := parseProtection(a); ok && err == nil {
			k = max(k, n)
		}
	}
	return k
}

// String writes the scope as in the policy.
func (s Scope) String() string {
	if len(s) == 0 {
		return "all"
	}
	return strings.Join(s, "&")
}

// within reports whether every atom of s is in t: then s holds wherever t does.
func (s Scope) within(t Scope) bool {
	for _, a := range s {
		if !slices.Contains(t, a) {
			return false
		}
	}
	return true
}

func atomNames(typ string) []string {
	var names []string
	for n := range atoms[typ] {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// atom is one condition a scope can name, for one type.
type atom struct {
	// doc says what the atom means, for the README.
	doc string
	// sql is the atom as a predicate on the type's rows.
	sql func(c *compiler, a *Assignment) entql.P
	// row decides the atom on a loaded row, for field decisions; nil when
	// the row alone cannot tell. Such an atom then counts as not holding:
	// a field decision never trusts more than it can check on the row.
	row func(v *Viewer, a *Assignment, row any) bool
	// columns are the columns row reads; they are always loaded with the
	// rows of the type, whatever fields the GraphQL query selects.
	columns []string
	// under names a type such that the atom may hold for every row
	// eager-loaded as the edge of a row of that type the viewer sees (see
	// Loads); sql then sees that type in compiler.under, and returns nil
	// where the atom does hold.
	under string
}

// rowOf adapts a decision on rows of one type to any row: a row of another
// type (which a bug would have to hand it) does not satisfy it.
func rowOf[T any](f func(v *Viewer, a *Assignment, r T) bool) func(*Viewer, *Assignment, any) bool {
	return func(v *Viewer, a *Assignment, r any) bool {
		t, ok := r.(T)
		return ok && f(v, a, t)
	}
}

// never is a predicate no row satisfies (every row has an id).
var never = entql.FieldNil("id")

func idsAny(ids []gid.ID) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// inLocalities is the predicate "column is one of the assignment's localities".
func inLocalities(column string, a *Assignment) entql.P {
	if a.Localities == nil {
		return nil
	}
	if len(a.Localities) == 0 {
		return never
	}
	return entql.FieldIn(column, idsAny(a.Localities)...)
}

func localityHeld(a *Assignment, id gid.ID) bool {
	return a.Localities == nil || slices.Contains(a.Localities, id)
}

// atoms is the fixed vocabulary of scopes, by type. A policy names atoms;
// only code adds them.
var atoms = map[string]map[string]atom{
	"Incident": {
		"own_submissions": {
			doc: "incidents the user collected",
			sql: func(c *compiler, _ *Assignment) entql.P {
				return entql.FieldEQ(incident.FieldCollectedByID, c.v.UserID)
			},
			row:     rowOf(func(v *Viewer, _ *Assignment, r *ent.Incident) bool { return r.CollectedByID == v.UserID }),
			columns: []string{incident.FieldCollectedByID},
		},
		"own_localities": {
			doc:     "incidents in the localities where the user holds the role",
			sql:     func(_ *compiler, a *Assignment) entql.P { return inLocalities(incident.FieldLocalityID, a) },
			row:     rowOf(func(_ *Viewer, a *Assignment, r *ent.Incident) bool { return localityHeld(a, r.LocalityID) }),
			columns: []string{incident.FieldLocalityID},
		},
		"verified": {
			doc: "status VERIFIED",
			sql: func(*compiler, *Assignment) entql.P {
				return entql.FieldEQ(incident.FieldStatus, incident.StatusVERIFIED.String())
			},
			row:     rowOf(func(_ *Viewer, _ *Assignment, r *ent.Incident) bool { return r.Status == incident.StatusVERIFIED }),
			columns: []string{incident.FieldStatus},
		},
		"shared_status": {
			doc: "status VERIFIED, REFERRED or CLOSED",
			sql: func(*compiler, *Assignment) entql.P {
				return entql.FieldIn(incident.FieldStatus, incident.StatusVERIFIED.String(), incident.StatusREFERRED.String(), incident.StatusCLOSED.String())
			},
			row: rowOf(func(_ *Viewer, _ *Assignment, r *ent.Incident) bool {
				switch r.Status {
				case incident.StatusVERIFIED, incident.StatusREFERRED, incident.StatusCLOSED:
					return true
				}
				return false
			}),
			columns: []string{incident.FieldStatus},
		},
		"consented": {
			doc:     "the people concerned consented to sharing",
			sql:     func(*compiler, *Assignment) entql.P { return entql.FieldEQ(incident.FieldConsentToShare, true) },
			row:     rowOf(func(_ *Viewer, _ *Assignment, r *ent.Incident) bool { return r.ConsentToShare }),
			columns: []string{incident.FieldConsentToShare},
		},
		"reported": {
			doc: "status REPORTED (not yet verified)",
			sql: func(*compiler, *Assignment) entql.P {
				return entql.FieldEQ(incident.FieldStatus, incident.StatusREPORTED.String())
			},
			row:     rowOf(func(_ *Viewer, _ *Assignment, r *ent.Incident) bool { return r.Status == incident.StatusREPORTED }),
			columns: []string{incident.FieldStatus},
		},
		"own_unit": {
			doc: "incidents alleging the user's own unit (its organization is named as alleged perpetrator)",
			sql: func(c *compiler, _ *Assignment) entql.P {
				if c.v.OrganizationID == "" {
					return never
				}
				n := c.v.unitAllegations
				if n != nil && *n == 0 {
					return never // a unit never alleged
				}
				fence := n == nil || *n > joinUpTo
				return entql.HasEdgeWith(incident.EdgeInvolvements, sqlgraph.WrapFunc(allegedUnit(c.v.OrganizationID, fence)))
			},
		},
	},
	"Involvement": {
		"own_submissions": {
			doc: "involvements in incidents the user collected",
			sql: func(c *compiler, _ *Assignment) entql.P {
				return entql.HasEdgeWith(involvement.EdgeIncident, entql.FieldEQ(incident.FieldCollectedByID, c.v.UserID))
			},
		},
		"perpetrators": {
			doc: "role ALLEGED_PERPETRATOR",
			sql: func(*compiler, *Assignment) entql.P {
				return entql.FieldEQ(involvement.FieldRole, involvement.RoleALLEGED_PERPETRATOR.String())
			},
			row: rowOf(func(_ *Viewer, _ *Assignment, r *ent.Involvement) bool {
				return r.Role == involvement.RoleALLEGED_PERPETRATOR
			}),
			columns: []string{involvement.FieldRole},
		},
	},
	"Actor": {
		"own_submissions": {
			doc:     "actors the user recorded",
			sql:     func(c *compiler, _ *Assignment) entql.P { return entql.FieldEQ(actor.FieldCollectedByID, c.v.UserID) },
			row:     rowOf(func(v *Viewer, _ *Assignment, r *ent.Actor) bool { return r.CollectedByID == v.UserID }),
			columns: []string{actor.FieldCollectedByID},
		},
		"involved": {
			doc: "actors involved in an incident the viewer sees, through an involvement it sees",
			sql: func(c *compiler, a *Assignment) entql.P {
				if c.under == "Involvement" {
					return nil // the actor of an involvement the viewer sees
				}
				return hasEdgeWith(actor.EdgeInvolvements, c.read(a, "Involvement"))
			},
			under: "Involvement",
		},
		"perpetrators": {
			doc: "actors named as alleged perpetrator in an incident the viewer sees",
			sql: func(c *compiler, a *Assignment) entql.P {
				if c.under == "Involvement" && a.readsOnly("Involvement", "perpetrators") {
					return nil // the actor of an involvement it sees, all of which are perpetrators
				}
				return hasEdgeWith(actor.EdgeInvolvements, and(
					entql.FieldEQ(involvement.FieldRole, involvement.RoleALLEGED_PERPETRATOR.String()),
					c.readAssuming(a, "Involvement", "perpetrators")))
			},
			under: "Involvement",
		},
		"units": {
			doc:     "actors of kind UNIT (security-force units, not people)",
			sql:     func(*compiler, *Assignment) entql.P { return entql.FieldEQ(actor.FieldKind, actor.KindUNIT.String()) },
			row:     rowOf(func(_ *Viewer, _ *Assignment, r *ent.Actor) bool { return r.Kind == actor.KindUNIT }),
			columns: []string{actor.FieldKind},
		},
	},
	"AuditEvent": {},
	"FollowUp": {
		"own_org": {
			doc: "follow-ups carried out by the user's own organization",
			sql: func(c *compiler, _ *Assignment) entql.P {
				if c.v.OrganizationID == "" {
					return never
				}
				return entql.FieldEQ("organization_id", c.v.OrganizationID)
			},
			row: rowOf(func(v *Viewer, _ *Assignment, r *ent.FollowUp) bool {
				return v.OrganizationID != "" && r.OrganizationID == v.OrganizationID
			}),
			columns: []string{"organization_id"},
		},
	},
	"Locality":      {},
	"Organization":  {},
	"ViolationType": {},
	"Activity": {
		"own_localities": {
			doc:     "activities in the localities where the user holds the role",
			sql:     func(_ *compiler, a *Assignment) entql.P { return inLocalities("locality_id", a) },
			row:     rowOf(func(_ *Viewer, a *Assignment, r *ent.Activity) bool { return localityHeld(a, r.LocalityID) }),
			columns: []string{activity.FieldLocalityID},
		},
	},
	"Recommendation": {
		"own_localities": {
			doc: "recommendations of activities in the user's localities",
			sql: func(_ *compiler, a *Assignment) entql.P {
				return hasEdgeWith("activity", inLocalities("locality_id", a))
			},
		},
		"addressed_to_own_org": {
			doc: "recommendations addressed to the user's organization",
			sql: func(c *compiler, _ *Assignment) entql.P {
				if c.v.OrganizationID == "" {
					return never
				}
				return entql.HasEdgeWith("addressees", entql.FieldEQ("id", c.v.OrganizationID))
			},
		},
	},
	"User": {
		"self": {
			doc:     "the user's own account",
			sql:     func(c *compiler, _ *Assignment) entql.P { return entql.FieldEQ("id", c.v.UserID) },
			row:     rowOf(func(v *Viewer, _ *Assignment, r *ent.User) bool { return r.ID == v.UserID }),
			columns: []string{"id"},
		},
	},
}

// assumed lists, by type, the atoms some atom of another type requires of
// the rows it reads through an edge: their read filters are also built
// assuming the atom (see readAssuming). Actor's perpetrators requires
// Involvement's.
var assumed = map[string][]string{"Involvement": {"perpetrators"}}

// readsOnly reports whether every read grant of a on typ has the atom in
// its scope: then every row of typ that a reads satisfies the atom.
func (a *Assignment) readsOnly(typ, atom string) bool {
	seen := false
	for _, g := range a.Grants {
		if g.Action == ActionRead && g.coversType(typ, false) {
			if !slices.Contains(g.Scope, atom) {
				return false
			}
			seen = true
		}
	}
	return seen
}

// rowColumns are, by type, the columns the atoms' row decisions read.
var rowColumns = func() map[string][]string {
	out := map[string][]string{}
	for typ, as := range atoms {
		for _, a := range as {
			for _, c := range a.columns {
				if !slices.Contains(out[typ], c) {
					out[typ] = append(out[typ], c)
				}
			}
		}
	}
	return out
}()

// parents are the types whose rows are visible only with a row of another
// type: an involvement or follow-up is seen only with its incident. This
// holds whatever the policy says, for every action.
var parents = map[string]string{
	"Involvement": "incident",
	"FollowUp":    "incident",
}

// parentType is the type an edge of parents leads to.
var parentType = map[string]string{
	"Involvement": "Incident",
	"FollowUp":    "Incident",
}

// Reaches lists, by type, the types of the other rows whose values decide
// whether a row of it is admitted, so that whoever is told that decision
// (explain(id:)) is told of those values too: an involvement or follow-up
// is seen only with its incident (parents), and Involvement's
// own_submissions reads who collected it; an actor's involved and
// perpetrators atoms read its involvements and, through them, their
// incidents. A test keeps it in step with parents and the atoms' under.
var Reaches = map[string][]string{
	"Involvement": {"Incident"},
	"FollowUp":    {"Incident"},
	"Actor":       {"Involvement", "Incident"},
}

// loadedUnder lists, by type, the types under whose rows an eager load of
// it has a simpler filter (see compileUnder): the parent of a child type,
// and the types atoms name in under.
var loadedUnder = func() map[string][]string {
	out := map[string][]string{}
	for typ, parent := range parentType {
		out[typ] = append(out[typ], parent)
	}
	for typ, as := range atoms {
		for _, a := range as {
			if a.under != "" && !slices.Contains(out[typ], a.under) {
				out[typ] = append(out[typ], a.under)
			}
		}
	}
	return out
}()

// Types are the types access is decided for, in the order their row
// filters are built (a type's filter may use those before it).
var Types = []string{"Locality", "Organization", "ViolationType", "User", "Incident", "Involvement", "FollowUp", "Actor", "Activity", "Recommendation", "AuditEvent"}
