package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"

	"github.com/benkan-project/benkan/gid"
)

// IDMixin gives a type an opaque global id (see package gid) with the given
// prefix. The prefix is recorded as an annotation so that code generation can
// map ids back to tables.
type IDMixin struct {
	mixin.Schema
	Prefix string
}

// Fields of the IDMixin.
func (m IDMixin) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").
			GoType(gid.ID("")).
			DefaultFunc(func() gid.ID { return gid.New(m.Prefix) }).
			Immutable().
			MaxLen(40).
			Comment("Opaque global identifier. It reveals neither how many objects exist nor in which order they were created."),
	}
}

// Annotations of the IDMixin.
func (m IDMixin) Annotations() []schema.Annotation {
	return []schema.Annotation{GIDAnnotation{Prefix: m.Prefix}}
}

// GIDAnnotation records a type's global-id prefix for code generation.
type GIDAnnotation struct {
	Prefix string
}

// Name implements schema.Annotation.
func (GIDAnnotation) Name() string { return "GID" }

// TimeMixin records when a row was created and last updated.
type TimeMixin struct {
	mixin.Schema
}

// Fields of the TimeMixin.
func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").
			Default(time.Now).
			Immutable().
			Comment("When this record was created in benkan.").
			Annotations(
				entgql.OrderField("CREATED_AT"),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
		field.Time("updated_at").
			Default(time.Now).
			UpdateDefault(time.Now).
			Comment("When this record was last changed.").
			Annotations(
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
	}
}

// editable is the set of annotations shared by types that clients may list,
// look up and change through GraphQL.
func editable(comment string) []schema.Annotation {
	return []schema.Annotation{
		schema.Comment(comment),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
