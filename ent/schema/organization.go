package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Organization is a partner or an actor of the project: AMDH, DIHR, a
// security-force unit under its corps, an authority, a community group, a radio.
type Organization struct {
	ent.Schema
}

// Mixin of Organization.
func (Organization) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{Prefix: "org"}, TimeMixin{}, AccessMixin{}}
}

// organizationKinds are the values of organization's kind, with what each means.
var organizationKinds = EnumValues{
	{"HUMAN_RIGHTS_NGO", "A human-rights organization, e.g. AMDH."},
	{"FUNDER", "A funder or technical partner of the project, e.g. DIHR."},
	{"SECURITY_FORCE_CORPS", "A corps of the security forces, e.g. the national police or the gendarmerie."},
	{"SECURITY_FORCE_UNIT", "A unit of a corps, e.g. the Commissariat de police de Niono; its parent is its corps."},
	{"AUTHORITY", "An administrative, judicial or elected authority, e.g. a prefecture or a court."},
	{"COMMUNITY_GROUP", "A community group, e.g. a youth or women's association."},
	{"MEDIA", "A media outlet, e.g. a local radio that broadcasts debates."},
	{"OTHER", "Any other kind of organization."},
}

// Fields of Organization.
func (Organization) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			NotEmpty().
			MaxLen(300).
			Unique().
			Comment("Full name, e.g. Association Malienne des Droits de l'Homme.").
			Annotations(entgql.OrderField("NAME")),
		field.String("acronym").
			Optional().
			MaxLen(30).
			Comment("Short name, e.g. AMDH."),
		field.Enum("kind").
			Values(organizationKinds.Values()...).
			Comment("What kind of organization this is.").
			Annotations(organizationKinds, entgql.OrderField("KIND")),
	}
}

// Edges of Organization.
func (Organization) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("units", Organization.Type).
			Comment("Organizations under this one, e.g. the brigades of a gendarmerie corps.").
			Annotations(entgql.RelayConnection()).
			From("parent").
			Unique().
			Comment("The organization this one belongs to, e.g. the corps of a unit."),
		edge.To("locality", Locality.Type).
			Unique().
			Comment("Where the organization is based, when it is local."),
		edge.From("members", User.Type).
			Ref("organization").
			Comment("User accounts of this organization.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		edge.From("follow_ups", FollowUp.Type).
			Ref("organization").
			Comment("Follow-ups carried out by this organization.").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.From("recommendations", Recommendation.Type).
			Ref("addressees").
			Comment("Recommendations addressed to this organization.").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.From("activities", Activity.Type).
			Ref("organizers").
			Comment("Activities this organization organized.").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.From("actors", Actor.Type).
			Ref("organization").
			Comment("Actors that stand for this organization in incidents, e.g. a unit named as alleged perpetrator.").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Annotations of Organization.
func (Organization) Annotations() []schema.Annotation {
	return editable("A partner or an actor of the project: AMDH, DIHR, a security-force unit under its corps, an authority, a community group, a radio.")
}
