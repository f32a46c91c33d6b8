package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"

	"github.com/benkan-project/benkan/audit"
)

// AuditHead is a single row (id 1) holding the end of the audit chain: the
// seq and hash of the last event appended. Appends serialize on it (they
// lock it first), and `benkan audit verify` compares it with the last event
// it finds, so that deleting the last events of the trail is detected too:
// without it, a trail cut short would be a valid chain.
type AuditHead struct {
	ent.Schema
}

// Fields of AuditHead.
func (AuditHead) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").Comment("Always 1: there is one head."),
		field.Int64("seq").Default(0).Comment("Seq of the last event of the chain; 0 before the first."),
		field.String("hash").Default("").MaxLen(64).Comment("Hash of the last event of the chain; empty before the first."),
		field.String("key_id").Default("").MaxLen(64).Comment("Fingerprint of the audit key the chain is hashed with (empty: plain SHA-256), so that a process with another key refuses to append instead of writing events no verification would accept."),
	}
}

// Annotations of AuditHead: not part of the GraphQL schema.
func (AuditHead) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("The end of the audit chain."),
		entgql.Skip(entgql.SkipAll),
	}
}

// Policy of AuditHead: only benkan itself reads it.
func (AuditHead) Policy() ent.Policy { return systemOnly() }

// Hooks of AuditHead: only package audit writes it (see audit.Guard).
func (AuditHead) Hooks() []ent.Hook {
	return []ent.Hook{audit.Guard()}
}
