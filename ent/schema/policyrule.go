package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/benkan-project/benkan/ent/privacy"
)

// PolicyRule is one line of the Casbin access policy (a role's permission
// `p`, a user's role assignment `g`, a field group `g2`), stored in the
// database so that policy changes need no restart or deploy.
type PolicyRule struct {
	ent.Schema
}

// Fields of PolicyRule: Casbin's ptype and positional values.
func (PolicyRule) Fields() []ent.Field {
	v := func(name string) ent.Field {
		return field.String(name).Default("").MaxLen(255).Comment("Positional value " + name + " of the rule.")
	}
	return []ent.Field{
		field.String("ptype").NotEmpty().MaxLen(8).Comment("Casbin policy type: p, g or g2."),
		v("v0"), v("v1"), v("v2"), v("v3"), v("v4"), v("v5"),
	}
}

// Indexes of PolicyRule.
func (PolicyRule) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("ptype", "v0", "v1", "v2", "v3", "v4", "v5").Unique(),
	}
}

// Annotations of PolicyRule: not part of the GraphQL schema.
func (PolicyRule) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A line of the access policy."),
		entgql.Skip(entgql.SkipAll),
	}
}

// Policy of PolicyRule: only benkan itself (policy.SystemContext) reads or
// writes the policy's storage.
func (PolicyRule) Policy() ent.Policy { return systemOnly() }

// systemOnly denies every query and mutation: the storage of the policy is
// read and written by benkan itself only (policy.SystemContext), through
// the policy store, which decides who may ask it to.
func systemOnly() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{privacy.AlwaysDenyRule()},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}
