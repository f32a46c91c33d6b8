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

// Actor is a person or a group named in incidents: a victim, a witness, a
// source or an alleged perpetrator. Its full name, contact and address
// identify a person and are the most sensitive data benkan holds.
type Actor struct {
	ent.Schema
}

// Mixin of Actor.
func (Actor) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{Prefix: "act"}, TimeMixin{}, AccessMixin{}}
}

// Fields of Actor.
func (Actor) Fields() []ent.Field {
	identifying := entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)
	return []ent.Field{
		field.Enum("kind").
			Values("INDIVIDUAL", "GROUP", "UNIT").
			Comment("Whether the actor is one person, a group of people or a security-force unit.").
			Annotations(entgql.OrderField("KIND")),
		field.Enum("category").
			Values("CIVILIAN", "FSI_AGENT", "FDS_AGENT", "COMMUNITY_LEADER", "AUTHORITY", "JOURNALIST", "HUMAN_RIGHTS_DEFENDER", "OTHER", "UNKNOWN").
			Default("UNKNOWN").
			Comment("Social category: civilian, agent of the internal security forces (FSI), of the defence and security forces (FDS), community leader…").
			Annotations(entgql.OrderField("CATEGORY")),
		field.Enum("gender").
			Values("FEMALE", "MALE", "OTHER", "UNKNOWN").
			Default("UNKNOWN").
			Comment("Gender, as declared or observed.").
			Annotations(entgql.OrderField("GENDER")),
		field.Enum("age_bracket").
			Values("UNDER_18", "AGE_18_35", "AGE_36_59", "AGE_60_PLUS", "UNKNOWN").
			Default("UNKNOWN").
			Comment("Age bracket: children under 18, youth 18–35, adults 36–59, elders 60 and over.").
			Annotations(entgql.OrderField("AGE_BRACKET")),
		field.String("collected_by_id").
			GoType(gid.ID("")).
			Optional().
			Comment("The id of the user who recorded this actor.").
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("organization_id").
			GoType(gid.ID("")).
			Optional().
			Comment("For a unit: the id of the organization it stands for.").
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("full_name").
			Optional().
			Nillable().
			MaxLen(300).
			Comment("Identifying: the person's or group's full name. Never filterable or orderable.").
			Annotations(identifying),
		field.String("contact").
			Optional().
			Nillable().
			MaxLen(300).
			Comment("Identifying: telephone number or other way to reach the person. Never filterable or orderable.").
			Annotations(identifying),
		field.String("address").
			Optional().
			Nillable().
			MaxLen(500).
			Comment("Identifying: precise address. Never filterable or orderable.").
			Annotations(identifying),
	}
}

// Edges of Actor.
func (Actor) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("involvements", Involvement.Type).
			Ref("actor").
			Comment("The incidents this actor is involved in, and in which role.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.To("collected_by", User.Type).
			Field("collected_by_id").
			Unique().
			Comment("The user who recorded this actor; the viewer who creates it unless a grant names Actor.collectedBy.").
			Annotations(collector),
		edge.To("organization", Organization.Type).
			Field("organization_id").
			Unique().
			Comment("For a unit: the organization it stands for."),
	}
}

// Indexes of Actor, chosen from EXPLAIN (ANALYZE) at a million incidents
// (BENCHMARKS.md): the row rule "own_unit" of Incident looks up the actors
// of the viewer's organization (its unit), which otherwise scans every actor.
func (Actor) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id")}
}

// Annotations of Actor.
func (Actor) Annotations() []schema.Annotation {
	return append(editable("A person or group named in incidents: victim, witness, source or alleged perpetrator. Full name, contact and address identify a person."),
		DerivedAnnotation{Fields: []string{"pseudonym"}})
}
