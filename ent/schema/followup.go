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

// FollowUp is something an organization did about an incident: the response
// of the unit concerned, a referral to justice, assistance, a mediation.
type FollowUp struct {
	ent.Schema
}

// Mixin of FollowUp.
func (FollowUp) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{Prefix: "fup"}, TimeMixin{}, AccessMixin{}}
}

// followUpKinds are the values of followup's kind, with what each means.
var followUpKinds = EnumValues{
	{"UNIT_RESPONSE", "The response of the security-force unit concerned, e.g. an internal inquiry or a sanction."},
	{"JUDICIAL_REFERRAL", "The case was referred to a prosecutor or a court."},
	{"MEDICAL_ASSISTANCE", "Medical care was given or arranged for a victim."},
	{"LEGAL_ASSISTANCE", "A victim was given legal advice or a lawyer."},
	{"PSYCHOSOCIAL_SUPPORT", "A victim was given psychological or social support."},
	{"MEDIATION", "A mediation between the parties, e.g. by community leaders or AMDH."},
	{"OTHER", "Any other follow-up; its description says what was done."},
}

// Fields of FollowUp.
func (FollowUp) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").
			Values(followUpKinds.Values()...).
			Comment("What kind of follow-up this is.").
			Annotations(followUpKinds, entgql.OrderField("KIND")),
		field.Time("done_on").
			Comment("When the follow-up took place.").
			Annotations(entgql.OrderField("DONE_ON")),
		field.Text("description").
			NotEmpty().
			MaxLen(4000).
			Comment("What was done, and with what result."),
		field.String("organization_id").
			GoType(gid.ID("")).
			Comment("The id of the organization that carried out the follow-up.").
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("incident_id").
			GoType(gid.ID("")).
			Comment("The id of the incident followed up.").
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Edges of FollowUp.
func (FollowUp) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("incident", Incident.Type).
			Field("incident_id").
			Unique().
			Required().
			Comment("The incident followed up."),
		edge.To("organization", Organization.Type).
			Field("organization_id").
			Unique().
			Required().
			Comment("The organization that carried out the follow-up."),
	}
}

// Indexes of FollowUp, chosen from EXPLAIN (ANALYZE) at a million incidents
// (BENCHMARKS.md): an incident's follow-ups, newest first, and their count,
// which otherwise scan the table.
func (FollowUp) Indexes() []ent.Index {
	return []ent.Index{index.Fields("incident_id", "done_on")}
}

// Annotations of FollowUp.
func (FollowUp) Annotations() []schema.Annotation {
	return editable("Something an organization did about an incident: the response of the unit concerned, a referral to justice, medical or legal assistance, a mediation.")
}
