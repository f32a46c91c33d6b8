package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/mixin"

	"github.com/benkan-project/benkan/policy"
)

// AccessMixin puts a type under benkan's access policy: every query of it
// is filtered in SQL by the viewer's grants, and every change of it must be
// granted (see package policy). Types without it are reachable only from
// policy.SystemContext.
type AccessMixin struct {
	mixin.Schema
}

// Policy of the AccessMixin.
func (AccessMixin) Policy() ent.Policy {
	return policy.EntPolicy()
}

// Interceptors of the AccessMixin: eager loads know what they load for.
func (AccessMixin) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{policy.Loads()}
}

// Hooks of the AccessMixin.
func (AccessMixin) Hooks() []ent.Hook {
	return []ent.Hook{policy.MutationHook()}
}

// CollectorAnnotation marks the edge of a type to the user who recorded a
// row (Incident.collectedBy, Actor.collectedBy). Who recorded a record is a
// fact the server knows, not a claim of the client: the access policy sets
// the edge to the viewer on create when the input leaves it out, and lets a
// client set it to someone else, or change it, only with a grant naming the
// field itself (see package policy).
type CollectorAnnotation struct {
	// Collector is true on such an edge; the annotation carries a value so
	// that code generation can test it.
	Collector bool
}

// Name implements schema.Annotation.
func (CollectorAnnotation) Name() string { return "Collector" }

// DerivedAnnotation names the fields of a type that are computed from its
// row rather than stored (Actor.pseudonym): the access policy grants them
// like any other field, so the list of fields a policy line may name
// (ent.Fields) holds them too.
type DerivedAnnotation struct {
	// Fields are the derived fields, by their GraphQL names.
	Fields []string
}

// Name implements schema.Annotation.
func (DerivedAnnotation) Name() string { return "Derived" }

// collector is the annotation of a collected_by edge.
var collector = CollectorAnnotation{Collector: true}
