package schema

import (
	"context"
	"fmt"
	"strings"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/benkan-project/benkan"
	gen "github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/hook"
	"github.com/benkan-project/benkan/ent/locality"
)

// Locality is a node of Mali's administrative tree: region › cercle › commune.
type Locality struct {
	ent.Schema
}

// Mixin of Locality.
func (Locality) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{Prefix: "loc"}, TimeMixin{}, AccessMixin{}}
}

// localityLevels are the values of locality's level, with what each means.
var localityLevels = EnumValues{
	{"REGION", "A region, e.g. Ségou, Kayes or Sikasso: the top of the tree."},
	{"CERCLE", "A cercle, within a region, e.g. Niono within Ségou."},
	{"COMMUNE", "A commune, within a cercle, e.g. Fourou within Kadiolo."},
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
			Values(localityLevels.Values()...).
			Comment("Administrative level: a region contains cercles, a cercle contains communes.").
			Annotations(localityLevels, entgql.OrderField("LEVEL")),
		field.Float("latitude").
			Optional().
			Nillable().
			Min(-90).Max(90).
			Comment("Latitude of the locality's centre, in decimal degrees (WGS 84).").
			Annotations(rule("a latitude in decimal degrees, from -90 to 90")),
		field.Float("longitude").
			Optional().
			Nillable().
			Min(-180).Max(180).
			Comment("Longitude of the locality's centre, in decimal degrees (WGS 84).").
			Annotations(rule("a longitude in decimal degrees, from -180 to 180")),
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

// Hooks of Locality.
func (Locality) Hooks() []ent.Hook {
	return []ent.Hook{
		hook.On(localityUniqueUnderParent, ent.OpCreate|ent.OpUpdateOne),
		hook.On(localityParentOneLevelUp, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne),
	}
}

// localityUniqueUnderParent refuses a second locality of the same name and
// level under the same parent. The unique index does the same, except for
// regions: SQL's NULL parent never equals another NULL.
func localityUniqueUnderParent(next ent.Mutator) ent.Mutator {
	return hook.LocalityFunc(func(ctx context.Context, m *gen.LocalityMutation) (ent.Value, error) {
		name, nameSet := m.Name()
		level, levelSet := m.Level()
		parent, parentSet := m.ParentID()
		id, _ := m.ID() // set on create too: ids are generated before hooks run
		isUpdate := m.Op().Is(ent.OpUpdateOne)
		if isUpdate {
			if !nameSet && !levelSet && !parentSet && !m.ParentCleared() {
				return next.Mutate(ctx, m)
			}
			current, err := m.Client().Locality.Query().Where(locality.ID(id)).WithParent().Only(ctx)
			if err != nil {
				return nil, err
			}
			if !nameSet {
				name = current.Name
			}
			if !levelSet {
				level = current.Level
			}
			if !parentSet && !m.ParentCleared() && current.Edges.Parent != nil {
				parent = current.Edges.Parent.ID
			}
		}
		q := m.Client().Locality.Query().Where(locality.Name(name), locality.LevelEQ(level))
		if parent == "" {
			q = q.Where(locality.Not(locality.HasParent()))
		} else {
			q = q.Where(locality.HasParentWith(locality.ID(parent)))
		}
		if isUpdate {
			q = q.Where(locality.IDNEQ(id))
		}
		taken, err := q.Exist(ctx)
		if err != nil {
			return nil, fmt.Errorf("check locality name: %w", err)
		}
		if taken {
			return nil, &benkan.Error{Code: benkan.ECONFLICT, Field: "name", Message: fmt.Sprintf("there is already a %s named %s here", strings.ToLower(level.String()), name)}
		}
		return next.Mutate(ctx, m)
	})
}
