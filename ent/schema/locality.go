package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Locality is a node of Mali's administrative tree: region › cercle › commune.
type Locality struct {
	ent.Schema
}

// Mixin of Locality.
func (Locality) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{Prefix: "loc"}, TimeMixin{}, AccessMixin{}}
}

// Fields of Locality.
func (Locality) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			NotEmpty().
			MaxLen(200).
			Comment("Official name, e.g. Niono.").
			Annotations(entgql.OrderField("NAME")),
		field.Enum("level").
			Values("REGION", "CERCLE", "COMMUNE").
			Comment("Administrative level: a region contains cercles, a cercle contains communes.").
			Annotations(entgql.OrderField("LEVEL")),
		field.Float("latitude").
			Optional().
			Nillable().
			Min(-90).Max(90).
			Comment("Latitude of the locality's centre, in decimal degrees (WGS 84)."),
		field.Float("longitude").
			Optional().
			Nillable().
			Min(-180).Max(180).
			Comment("Longitude of the locality's centre, in decimal degrees (WGS 84)."),
	}
}

// Edges of Locality.
func (Locality) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("children", Locality.Type).
			Comment("Localities one level below: the cercles of a region, the communes of a cercle.").
			Annotations(entgql.RelayConnection()).
			From("parent").
			Unique().
			Comment("The locality one level above; null for a region."),
		edge.From("incidents", Incident.Type).
			Ref("locality").
			Comment("Incidents alleged in this locality.").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.From("activities", Activity.Type).
			Ref("locality").
			Comment("Activities held in this locality.").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Indexes of Locality.
func (Locality) Indexes() []ent.Index {
	return []ent.Index{
		// Two localities of the same name may exist, but not under the same parent.
		index.Fields("name", "level").Edges("parent").Unique(),
	}
}

// Annotations of Locality.
func (Locality) Annotations() []schema.Annotation {
	return editable("A node of Mali's administrative tree: region › cercle › commune (for example Ségou › Niono).")
}
