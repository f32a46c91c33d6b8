package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// User is an account. Its subject is the `sub` claim of the tokens it signs in with.
type User struct {
	ent.Schema
}

// Mixin of User.
func (User) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{Prefix: "usr"}, TimeMixin{}, AccessMixin{}}
}

// Fields of User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("subject").
			NotEmpty().
			MaxLen(255).
			Unique().
			Comment("The subject (`sub` claim) of this user's tokens.").
			Annotations(entgql.OrderField("SUBJECT")),
		field.String("display_name").
			NotEmpty().
			MaxLen(200).
			Comment("Name shown in the interface.").
			Annotations(entgql.OrderField("DISPLAY_NAME")),
	}
}

// Edges of User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("organization", Organization.Type).
			Unique().
			Comment("The organization this user works for."),
		edge.From("collected_incidents", Incident.Type).
			Ref("collected_by").
			Comment("Incidents this user collected.").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.From("collected_actors", Actor.Type).
			Ref("collected_by").
			Comment("Actors this user recorded.").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Annotations of User.
func (User) Annotations() []schema.Annotation {
	return editable("A user account: a person of a partner organization who signs in with a token.")
}
