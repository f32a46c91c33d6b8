package policy

import (
	"context"
	"sync/atomic"

	"entgo.io/ent/entql"

	"github.com/benkan-project/benkan/ent/privacy"
	"github.com/benkan-project/benkan/gid"
)

// Viewer is who a request acts for, with the grants of every role it holds.
// It is immutable once built and safe to share between goroutines.
type Viewer struct {
	// UserID is the user's id; empty for an anonymous viewer.
	UserID gid.ID
	// Subject is the user's token subject.
	Subject string
	// OrganizationID is the user's organization, if any.
	OrganizationID gid.ID
	// Assignments are the roles the user holds, each with its grants.
	Assignments []*Assignment

	// unitAllegations is how many involvements named an actor of the
	// user's organization as alleged perpetrator when the viewer was built,
	// counted up to joinUpTo+1 if a grant names own_unit; nil when not
	// counted. It decides how own_unit is written (see allegedUnit).
	unitAllegations *int

	// filters are the compiled row filters, by action and type: nil means
	// every row, never means none. Built once by compile.
	filters map[string]map[string]entql.P
	// under are the read filters of rows eager-loaded for rows of another
	// type, by that type and the loaded type; built by compileUnder.
	under map[string]map[string]entql.P
	// groups are the field groups of the policy the viewer was built from.
	groups Groups
	// previewedBy is the subject of the administrator previewing a
	// request as this viewer (see Engine.Preview); "" otherwise.
	previewedBy string
	// fieldFacts caches FullyReadable and Audited answers (see facts).
	fieldFacts atomic.Pointer[map[fieldKey]fieldFacts]
}

// Assignment is one role a user holds in one domain, with the policy lines
// of that role compiled for the domain.
type Assignment struct {
	// Role is the role's name, e.g. amdh_monitor.
	Role string
	// Domain is "*" or a locality id.
	Domain string
	// Localities are the domain's locality and those below it; nil when
	// the domain is "*" (everywhere).
	Localities []gid.ID
	// Grants are the role's policy lines.
	Grants []*Grant

	// filters are this assignment's own row filters, by action and type.
	filters map[string]map[string]entql.P
	// assuming are its read filters for rows known to satisfy an atom, by
	// "Type.atom" (see readAssuming).
	assuming map[string]entql.P
}

// Grant is one policy line of an assignment: an action on an object, for
// the rows its scope covers.
type Grant struct {
	Object string
	Action string
	Scope  Scope
	// assignment is the assignment this grant belongs to.
	assignment *Assignment
}

// Anonymous is the viewer of a request without credentials: it holds no
// grant, so it reads nothing but the schema.
func Anonymous() *Viewer {
	v := &Viewer{}
	v.compile()
	return v
}

// IsAnonymous reports whether v acts for nobody.
func (v *Viewer) IsAnonymous() bool { return v == nil || v.UserID == "" }

// Roles returns the names of the roles v holds, once each.
func (v *Viewer) Roles() []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range v.Assignments {
		if !seen[a.Role] {
			seen[a.Role] = true
			out = append(out, a.Role)
		}
	}
	return out
}

type viewerKey struct{}

// NewContext returns ctx carrying v.
func NewContext(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// FromContext returns the viewer in ctx, or nil.
func FromContext(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey{}).(*Viewer)
	return v
}

// SystemContext returns a context in which benkan itself acts, past every
// rule: migrations, demo data, loading the viewer of a request. Never use it
// for work a client asked for.
func SystemContext(ctx context.Context) context.Context {
	return privacy.DecisionContext(ctx, privacy.Allow)
}
