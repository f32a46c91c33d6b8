package schema

import (
	"context"
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/hook"
	"github.com/benkan-project/benkan/gid"
)

// Activity is something the project ran between security forces and
// populations: an inclusive dialogue, a radio debate, a sports or cleanliness
// day, a training, a monitoring mission, a strategic retreat.
type Activity struct {
	ent.Schema
}

// Mixin of Activity.
func (Activity) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{Prefix: "acv"}, TimeMixin{}, AccessMixin{}}
}

// activityKinds are the values of activity's kind, with what each means.
var activityKinds = EnumValues{
	{"INCLUSIVE_DIALOGUE", "A dialogue that brings security-force members and the population of a locality together to talk about their relations."},
	{"RADIO_DEBATE", "A debate broadcast by a local radio, with security-force members and community voices."},
	{"SPORTS_DAY", "A sports day where security-force members and young people of the locality play together."},
	{"CLEANLINESS_DAY", "A cleanliness day (journée de salubrité): security forces and residents clean a public place together."},
	{"TRAINING", "A training, e.g. of data collectors on documenting allegations."},
	{"MONITORING_MISSION", "A mission of AMDH's team to follow the project and the allegations in a locality."},
	{"STRATEGIC_RETREAT", "A strategic retreat of the partners, such as the one that closed the project in Ségou in December 2023."},
	{"OTHER", "Any other kind of activity; the title and summary say what it was."},
}

// Fields of Activity.
func (Activity) Fields() []ent.Field {
	count := func(name, comment string) ent.Field {
		return field.Int(name).Default(0).NonNegative().Comment(comment).Annotations(rule("a whole number, 0 or more"))
	}
	return []ent.Field{
		field.Enum("kind").
			Values(activityKinds.Values()...).
			Comment("What kind of activity: inclusive dialogue, radio debate, sports day, cleanliness day (journée de salubrité), training of data collectors, monitoring mission, strategic retreat.").
			Annotations(activityKinds, entgql.OrderField("KIND")),
		field.String("title").
			NotEmpty().
			MaxLen(300).
			Comment("Title of the activity.").
			Annotations(entgql.OrderField("TITLE")),
		field.Time("starts_on").
			Comment("First day of the activity.").
			Annotations(entgql.OrderField("STARTS_ON")),
		field.Time("ends_on").
			Comment("Last day of the activity; never before startsOn.").
			Annotations(entgql.OrderField("ENDS_ON")),
		count("women_count", "Number of women who took part."),
		count("men_count", "Number of men who took part."),
		count("youth_count", "Number of young people (18–35) who took part, counted also among women and men."),
		count("security_force_count", "Number of members of the security forces (FSI/FDS) who took part, counted also among women and men."),
		field.String("locality_id").
			GoType(gid.ID("")).
			Comment("The id of the locality where the activity took place.").
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Text("summary").
			Optional().
			MaxLen(8000).
			Comment("What happened."),
		field.Text("outcomes").
			Optional().
			MaxLen(8000).
			Comment("What came out of it."),
	}
}

// Edges of Activity.
func (Activity) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("locality", Locality.Type).
			Field("locality_id").
			Unique().
			Required().
			Comment("Where the activity took place."),
		edge.To("organizers", Organization.Type).
			Comment("The organizations that ran it."),
		edge.From("recommendations", Recommendation.Type).
			Ref("activity").
			Comment("Recommendations made at this activity.").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Indexes of Activity. (locality_id, starts_on) serves the activities of a
// period in the viewer's localities (row rule "own_localities"), chosen from
// EXPLAIN (ANALYZE) (BENCHMARKS.md).
func (Activity) Indexes() []ent.Index {
	return []ent.Index{index.Fields("starts_on"), index.Fields("locality_id", "starts_on")}
}

// Annotations of Activity.
func (Activity) Annotations() []schema.Annotation {
	return editable("Something the project ran between security forces and populations: inclusive dialogue, radio debate, sports day, cleanliness day, training, monitoring mission, strategic retreat.")
}

// Hooks of Activity.
func (Activity) Hooks() []ent.Hook {
	return []ent.Hook{
		hook.On(activityDatesInOrder, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne),
	}
}

func activityDatesInOrder(next ent.Mutator) ent.Mutator {
	return hook.ActivityFunc(func(ctx context.Context, m *gen.ActivityMutation) (ent.Value, error) {
		err := checkOrder(ctx, "startsOn", "endsOn",
			newOrOld(m.Op(), m.StartsOn, m.OldStartsOn),
			newOrOld(m.Op(), m.EndsOn, m.OldEndsOn))
		if err != nil {
			return nil, err
		}
		return next.Mutate(ctx, m)
	})
}
