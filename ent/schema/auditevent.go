package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/benkan-project/benkan/audit"
)

// AuditEvent records who read or changed what sensitive thing, when, and
// what the policy decided: every read of identifying or sensitive fields,
// every policy change, and every preview of what another user would
// receive (see server/preview.go). Events are written by package audit
// only, and never changed or deleted: its hook refuses any other write
// through ent, and database triggers refuse UPDATE and DELETE. Each event
// holds its place in a hash chain (seq, prev_hash, hash), so that an event
// edited, deleted, inserted or moved in the database by someone who got
// around those is found by `benkan audit verify` (see package audit).
type AuditEvent struct {
	ent.Schema
}

// Mixin of AuditEvent.
func (AuditEvent) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{Prefix: "aud"}, AccessMixin{}}
}

// auditActions are the values of auditevent's action, with what each means.
var auditActions = EnumValues{
	{"READ_SENSITIVE", "A response served sensitive or identifying fields (an incident's narrative, exact location or source, an actor's identity, who collected an incident); objectIds lists the rows read."},
	{"POLICY_CHANGE", "The access policy was changed (a grant, revocation, assignment, rollback or an approved proposal applied); the event carries the change and its reason."},
	{"PREVIEW", "An administrator previewed what another user, or a role in a domain, would receive."},
	{"POLICY_PROPOSE", "A policy change was proposed for another administrator's approval (four-eyes mode)."},
	{"POLICY_APPROVE", "A proposed policy change was approved by another administrator, and applied."},
	{"POLICY_REJECT", "A proposed policy change was rejected by another administrator, or withdrawn by its proposer."},
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
			Values(auditActions.Values()...).
			Immutable().
			Comment("What was done: a read of sensitive or identifying fields, a change of the access policy, an administrator's preview of what another user, or a role in a domain, would receive, or a proposal of a policy change (four-eyes mode) made, approved, or rejected or withdrawn.").
			Annotations(auditActions),
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
		// The chain. Not Immutable in ent only so that events written
		// before the chain existed can be given their place once, at
		// migration (audit.Install); package audit's hook refuses every
		// other update, and the database's triggers refuse them all.
		field.Int64("seq").
			Optional().
			Nillable().
			Unique().
			Comment("Position of the event in the audit chain: 1, 2, 3… without gaps.").
			Annotations(entgql.OrderField("SEQ")),
		field.String("prev_hash").
			Optional().
			MaxLen(64).
			Comment("Hash of the event before it in the chain (empty for the first).").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.String("hash").
			Optional().
			MaxLen(64).
			Comment("Hash (HMAC-SHA256 with the server's audit key, or SHA-256 without one), in hex, of the event's content, position and prev_hash.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
	}
}

// Hooks of AuditEvent: only package audit writes events (see audit.Guard).
func (AuditEvent) Hooks() []ent.Hook {
	return []ent.Hook{audit.Guard()}
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
