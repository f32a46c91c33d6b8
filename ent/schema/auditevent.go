package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// AuditEvent records who read or changed what sensitive thing, when, and
// what the policy decided: every read of identifying or sensitive fields,
// every policy change, and every preview of what another user would
// receive (see server/preview.go). Events are written by benkan itself and never
// changed.
type AuditEvent struct {
	ent.Schema
}

// Mixin of AuditEvent.
func (AuditEvent) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{Prefix: "aud"}, AccessMixin{}}
}

// Fields of AuditEvent.
func (AuditEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Time("at").
			Default(time.Now).
			Immutable().
			Comment("When it happened.").
			Annotations(entgql.OrderField("AT")),
		field.String("subject").
			Immutable().
			MaxLen(255).
			Comment("Token subject of the user who acted."),
		field.Enum("action").
			Values("READ_SENSITIVE", "POLICY_CHANGE", "PREVIEW").
			Immutable().
			Comment("What was done: a read of sensitive or identifying fields, a change of the access policy, or an administrator's preview of what another user, or a role in a domain, would receive."),
		field.String("object_type").
			Immutable().
			MaxLen(64).
			Comment("Type of the object read, e.g. Incident; Policy for policy changes; User or Role for a preview."),
		field.String("object_id").
			Immutable().
			MaxLen(255).
			Comment("Id of the policy line changed, or who a preview acted as; empty for a read of sensitive fields, whose objects are in objectIds (filter with objectIdsContains)."),
		field.Strings("object_ids").
			Optional().
			Immutable().
			Comment("For a read of sensitive fields: the ids of the objects of objectType of which one response read exactly the fields listed, sorted.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Strings("fields").
			Optional().
			Immutable().
			Comment("The sensitive fields read, sorted: the same on every object of objectIds.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Strings("field_groups").
			Optional().
			Immutable().
			Comment("The policy's audited field groups the fields read belong to, e.g. Incident:sensitive, sorted.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.String("request_id").
			Optional().
			Immutable().
			MaxLen(64).
			Comment("Id of the HTTP request that did it (the X-Request-ID of the response and the request_id of the server's log lines), when there was one."),
		field.String("decision").
			Immutable().
			MaxLen(255).
			Comment("What the policy decided and why, e.g. the role whose grant allowed the read."),
	}
}

// Indexes of AuditEvent.
func (AuditEvent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("at"), index.Fields("object_type", "object_id")}
}

// Annotations of AuditEvent: readable, never written, through GraphQL.
func (AuditEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A record of who read or changed what sensitive thing, when, and what the policy decided."),
		entgql.RelayConnection(),
		entgql.QueryField(),
	}
}
