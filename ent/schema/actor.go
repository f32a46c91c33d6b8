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

// actorKinds are the values of actor's kind, with what each means.
var actorKinds = EnumValues{
	{"INDIVIDUAL", "One person."},
	{"GROUP", "A group of people, e.g. the residents of a neighbourhood or a crowd."},
	{"UNIT", "A security-force unit, e.g. a police station or a gendarmerie brigade, named as a whole."},
}

// actorCategories are the values of actor's category, with what each means.
var actorCategories = EnumValues{
	{"CIVILIAN", "A member of the population who holds no office."},
	{"FSI_AGENT", "An agent of the internal security forces (FSI: police, gendarmerie, garde nationale, protection civile)."},
	{"FDS_AGENT", "An agent of the defence and security forces (FDS), e.g. the army."},
	{"COMMUNITY_LEADER", "A traditional, religious or community leader, e.g. a village chief."},
	{"AUTHORITY", "An administrative or elected authority, e.g. a prefect or a mayor."},
	{"JOURNALIST", "A journalist or a media worker."},
	{"HUMAN_RIGHTS_DEFENDER", "A human-rights defender, e.g. a member of AMDH or a data collector."},
	{"OTHER", "A category not in this list."},
	{"UNKNOWN", "Not known or not recorded (the default)."},
}

// actorGenders are the values of actor's gender, with what each means.
var actorGenders = EnumValues{
	{"FEMALE", "Female."},
	{"MALE", "Male."},
	{"OTHER", "Another gender, as declared."},
	{"UNKNOWN", "Not known or not recorded (the default), e.g. for a group or a unit."},
}

// actorAgeBrackets are the values of actor's age_bracket, with what each means.
var actorAgeBrackets = EnumValues{
	{"UNDER_18", "A child: under 18 years old."},
	{"AGE_18_35", "Youth: 18 to 35 years old."},
	{"AGE_36_59", "An adult: 36 to 59 years old."},
	{"AGE_60_PLUS", "An elder: 60 years old or more."},
	{"UNKNOWN", "Not known or not recorded (the default), e.g. for a group or a unit."},
}

// Fields of Actor.
func (Actor) Fields() []ent.Field {
	identifying := entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)
	return []ent.Field{
		field.Enum("kind").
			Values(actorKinds.Values()...).
			Comment("Whether the actor is one person, a group of people or a security-force unit.").
			Annotations(actorKinds, entgql.OrderField("KIND")),
		field.Enum("category").
			Values(actorCategories.Values()...).
			Default("UNKNOWN").
			Comment("Social category: civilian, agent of the internal security forces (FSI), of the defence and security forces (FDS), community leader…").
			Annotations(actorCategories, entgql.OrderField("CATEGORY")),
		field.Enum("gender").
			Values(actorGenders.Values()...).
			Default("UNKNOWN").
			Comment("Gender, as declared or observed.").
			Annotations(actorGenders, entgql.OrderField("GENDER")),
		field.Enum("age_bracket").
			Values(actorAgeBrackets.Values()...).
			Default("UNKNOWN").
			Comment("Age bracket: children under 18, youth 18–35, adults 36–59, elders 60 and over.").
			Annotations(actorAgeBrackets, entgql.OrderField("AGE_BRACKET")),
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
