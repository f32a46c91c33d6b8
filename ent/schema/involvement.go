package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/benkan-project/benkan/gid"
)

// Involvement links an actor to an incident in a role, as in the HURIDOCS
// events model: the same person can be a victim of one incident and a witness
// of another.
type Involvement struct {
	ent.Schema
}

// Mixin of Involvement.
func (Involvement) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{Prefix: "inv"}, TimeMixin{}, AccessMixin{}}
}

// involvementRoles are the values of involvement's role, with what each means.
var involvementRoles = EnumValues{
	{"VICTIM", "The actor suffered the alleged abuse or violation."},
	{"WITNESS", "The actor saw or heard the alleged events."},
	{"ALLEGED_PERPETRATOR", "The actor is alleged to have committed the abuse or violation (often a security-force unit or agent)."},
	{"SOURCE", "The actor told the data collector about the incident."},
}

// Fields of Involvement.
func (Involvement) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("role").
			Values(involvementRoles.Values()...).
			Comment("The actor's role in the incident.").
			Annotations(involvementRoles, entgql.OrderField("ROLE")),
		field.String("incident_id").
			GoType(gid.ID("")).
			Comment("The id of the incident.").
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("actor_id").
			GoType(gid.ID("")).
			Comment("The id of the actor.").
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Edges of Involvement.
func (Involvement) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("incident", Incident.Type).
			Ref("involvements").
			Field("incident_id").
			Unique().
			Required().
			Comment("The incident."),
		edge.To("actor", Actor.Type).
			Field("actor_id").
			Unique().
			Required().
			Comment("The actor involved."),
	}
}

// Indexes of Involvement.
func (Involvement) Indexes() []ent.Index {
	return []ent.Index{
		// An actor holds a given role in an incident once.
		index.Fields("incident_id", "actor_id", "role").Unique(),
		// From an actor to the incidents it is involved in, and in which
		// role, without reading the table: the row rules "involved" and
		// "perpetrators" of Actor (EXISTS an involvement of the actor in an
		// incident the viewer sees) and "own_unit" of Incident. Without it
		// they hash every involvement (seconds at a million incidents).
		index.Fields("actor_id", "role", "incident_id"),
	}
}

// Annotations of Involvement.
func (Involvement) Annotations() []schema.Annotation {
	return editable("Links an actor to an incident in a role (victim, witness, alleged perpetrator, source), as in the HURIDOCS events model.")
}
