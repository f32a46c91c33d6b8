package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// PolicyRole is a role of the access policy. A policy line may name only a
// role stored here, so that a misspelt role ("dihr_parnter") is refused
// instead of silently granting nothing.
type PolicyRole struct {
	ent.Schema
}

// Fields of PolicyRole.
func (PolicyRole) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(64).Unique().Immutable().Comment("The role's name, as policy lines write it."),
		field.String("description").Default("").MaxLen(500).Comment("What the role is for."),
		field.Time("created_at").Default(time.Now).Immutable(),
	}
}

// Annotations of PolicyRole: the admin API exposes roles through its own
// types, never the storage.
func (PolicyRole) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A role of the access policy."),
		entgql.Skip(entgql.SkipAll),
	}
}

// Policy of PolicyRole: only benkan itself (policy.SystemContext) reads or
// writes the policy's storage; the policy store decides who may ask it to.
func (PolicyRole) Policy() ent.Policy { return systemOnly() }
