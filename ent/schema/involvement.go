package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Involvement links an actor to an incident in a role, as in the HURIDOCS
// events model: the same person can be a victim of one incident and a witness
// of another.
type Involvement struct {
	ent.Schema
}

// Mixin of Involvement.
func (Involvement) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{Prefix: "inv"}, TimeMixin{}}
}

// Fields of Involvement.
func (Involvement) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("role").
			Values("VICTIM", "WITNESS", "ALLEGED_PERPETRATOR", "SOURCE").
			Comment("The actor's role in the incident.").
			Annotations(entgql.OrderField("ROLE")),
	}
}

// Edges of Involvement.
func (Involvement) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("incident", Incident.Type).
			Ref("involvements").
			Unique().
			Required().
			Comment("The incident."),
		edge.To("actor", Actor.Type).
			Unique().
			Required().
			Comment("The actor involved."),
	}
}

// Indexes of Involvement.
func (Involvement) Indexes() []ent.Index {
	return []ent.Index{
		// An actor holds a given role in an incident once.
		index.Fields("role").Edges("incident", "actor").Unique(),
	}
}

// Annotations of Involvement.
func (Involvement) Annotations() []schema.Annotation {
	return editable("Links an actor to an incident in a role (victim, witness, alleged perpetrator, source), as in the HURIDOCS events model.")
}
