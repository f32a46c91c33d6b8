package schema

import (
	"regexp"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// ViolationType is a term of the controlled vocabulary of violations (a
// micro-thesaurus in HURIDOCS' sense). Terms are data, not code: partners add
// terms without a release, and the code of a term never changes.
type ViolationType struct {
	ent.Schema
}

// Mixin of ViolationType.
func (ViolationType) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{Prefix: "vty"}, TimeMixin{}, AccessMixin{}}
}

// Fields of ViolationType.
func (ViolationType) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").
			Unique().
			Immutable().
			Match(regexp.MustCompile(`^[a-z][a-z0-9_]{1,62}$`)).
			Comment("Stable code of the term, e.g. arbitrary_arrest. Never changes once created.").
			Annotations(entgql.OrderField("CODE"), rule("2 to 63 characters: a lower-case letter, then lower-case letters, digits or '_', e.g. arbitrary_arrest")),
		field.String("label_fr").
			NotEmpty().
			MaxLen(200).
			Comment("French label, e.g. Arrestation ou détention arbitraire."),
		field.String("label_en").
			NotEmpty().
			MaxLen(200).
			Comment("English label, e.g. Arbitrary arrest or detention."),
		field.Text("description").
			Optional().
			MaxLen(4000).
			Comment("Scope note: what the term covers and what it does not."),
	}
}

// Edges of ViolationType.
func (ViolationType) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("incidents", Incident.Type).
			Ref("violation_types").
			Comment("Incidents alleging this kind of violation.").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Annotations of ViolationType.
func (ViolationType) Annotations() []schema.Annotation {
	return editable("A term of the controlled vocabulary of violations (a HURIDOCS-style micro-thesaurus), with a stable code and French and English labels.")
}
