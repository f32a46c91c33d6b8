package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// PolicyProposal is a change set of the access policy that one admin
// proposed and that waits for a second admin's decision (four-eyes mode,
// serve's --policy-approval): applied when another admin approves it,
// rejected, or withdrawn by its proposer. The policy store is its only
// writer; the change set is kept as the store encodes it, so that the
// approval applies exactly what was proposed and checked.
type PolicyProposal struct {
	ent.Schema
}

// Fields of PolicyProposal.
func (PolicyProposal) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable(),
		field.String("proposer").NotEmpty().MaxLen(255).Immutable().Comment("Token subject of the admin who proposed it, or cli:NAME for the command line."),
		field.String("reason").NotEmpty().MaxLen(1000).Immutable().Comment("Why the proposer wants the change."),
		field.Text("changes").NotEmpty().Immutable().Comment("The change set, as the policy store encodes it (JSON of its changes), replayed as is by the approval."),
		field.Int64("revision").Immutable().Comment("The policy revision the change set was proposed, and validated, against."),
		field.Enum("status").Values("PENDING", "APPLIED", "REJECTED", "WITHDRAWN").Default("PENDING").
			Comment("PENDING until decided: APPLIED by another admin's approval, REJECTED by another admin, WITHDRAWN by its proposer."),
		field.String("decided_by").Optional().MaxLen(255).Comment("Who approved, rejected or withdrew it."),
		field.Time("decided_at").Optional().Nillable(),
		field.String("decision_reason").Optional().MaxLen(1000).Comment("Why it was approved, rejected or withdrawn."),
		field.Int("version_id").Optional().Nillable().Comment("The policy version its approval produced (PolicyVersion id)."),
	}
}

// Indexes of PolicyProposal: the list by status.
func (PolicyProposal) Indexes() []ent.Index {
	return []ent.Index{index.Fields("status")}
}

// Annotations of PolicyProposal: served through the admin API's own types.
func (PolicyProposal) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A proposed change of the access policy, waiting for a second admin (four-eyes mode)."),
		entgql.Skip(entgql.SkipAll),
	}
}

// Policy of PolicyProposal: only benkan itself reads or writes it.
func (PolicyProposal) Policy() ent.Policy { return systemOnly() }
