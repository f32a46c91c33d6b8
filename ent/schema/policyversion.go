package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// PolicyVersion is one applied change of the access policy: who made it,
// when, why, the lines it added and removed, and the policy it produced.
// The policy store writes it in the transaction of the change itself, so
// that no change is without its version.
type PolicyVersion struct {
	ent.Schema
}

// Fields of PolicyVersion.
func (PolicyVersion) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable(),
		field.String("actor").NotEmpty().MaxLen(255).Immutable().Comment("Token subject of the admin, or cli:NAME for the command line."),
		field.String("reason").NotEmpty().MaxLen(1000).Immutable().Comment("Why the change was made, as its author wrote it."),
		field.Strings("added").Optional().Immutable().Comment("Policy lines added, as Casbin CSV."),
		field.Strings("removed").Optional().Immutable().Comment("Policy lines removed, as Casbin CSV."),
		field.Int64("revision").Immutable().Comment("The policy revision the change produced (see PolicyState)."),
		// The whole policy, not only the change: versions can be compared and
		// rolled back to even across lines written in raw SQL, which make no
		// version. Empty for versions recorded before it was kept.
		field.Text("policy").Optional().Immutable().Comment("The valid lines and roles after the change, as the policy's CSV (Policy.CSV)."),
	}
}

// Annotations of PolicyVersion: served through the admin API's own types.
func (PolicyVersion) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An applied change of the access policy."),
		entgql.Skip(entgql.SkipAll),
	}
}

// Policy of PolicyVersion: only benkan itself reads or writes it.
func (PolicyVersion) Policy() ent.Policy { return systemOnly() }
