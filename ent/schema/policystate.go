package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// PolicyState is a single row holding the policy's revision: a counter
// that database triggers on policy_rules and policy_roles increase in the
// transaction of any change, however it was made (the admin API, the
// command line, or SQL typed by hand). Every replica compares it with the
// revision it has in force, so that no change goes unseen. It also holds
// four-eyes mode, so that the mode is the database's, not a process's: a
// replica or a command line started without --policy-approval obeys it.
type PolicyState struct {
	ent.Schema
}

// Fields of PolicyState.
func (PolicyState) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("revision").Default(0).Comment("Increased by the database on every change of the policy's rows."),
		field.Bool("approval").Default(false).Comment("Four-eyes mode: once on, every server and command line refuses direct changes of the policy; turned off only by an approved proposal."),
	}
}

// Annotations of PolicyState: not part of the GraphQL schema.
func (PolicyState) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("The policy's revision counter."),
		entgql.Skip(entgql.SkipAll),
	}
}

// Policy of PolicyState: only benkan itself reads it; only triggers write it.
func (PolicyState) Policy() ent.Policy { return systemOnly() }
