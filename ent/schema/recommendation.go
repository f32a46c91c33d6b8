package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"github.com/benkan-project/benkan/gid"
)

// Recommendation is a recommendation made at an activity and addressed to
// one or more organizations, followed until implemented or dropped.
type Recommendation struct {
	ent.Schema
}

// Mixin of Recommendation.
func (Recommendation) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{Prefix: "rec"}, TimeMixin{}, AccessMixin{}}
}

// recommendationStatuses are the values of recommendation's status, with what each means.
var recommendationStatuses = EnumValues{
	{"PROPOSED", "Made at the activity, not yet answered by its addressees (the default)."},
	{"ACCEPTED", "The addressees agreed to act on it."},
	{"IN_PROGRESS", "The addressees have started to act on it."},
	{"IMPLEMENTED", "Done."},
	{"DROPPED", "Abandoned: it will not be implemented."},
}

// Fields of Recommendation.
func (Recommendation) Fields() []ent.Field {
	return []ent.Field{
		field.Text("text").
			NotEmpty().
			MaxLen(4000).
			Comment("The recommendation."),
		field.Enum("status").
			Values(recommendationStatuses.Values()...).
			Default("PROPOSED").
			Comment("Where the recommendation stands.").
			Annotations(recommendationStatuses, entgql.OrderField("STATUS")),
		field.Time("due_on").
			Optional().
			Nillable().
			Comment("When it should be implemented.").
			Annotations(entgql.OrderField("DUE_ON")),
		field.String("activity_id").
			GoType(gid.ID("")).
			Comment("The id of the activity at which the recommendation was made.").
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Edges of Recommendation.
func (Recommendation) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("activity", Activity.Type).
			Field("activity_id").
			Unique().
			Required().
			Comment("The activity at which the recommendation was made."),
		edge.To("addressees", Organization.Type).
			Comment("The organizations it is addressed to."),
	}
}

// Annotations of Recommendation.
func (Recommendation) Annotations() []schema.Annotation {
	return editable("A recommendation made at an activity, addressed to organizations, followed until implemented or dropped.")
}
