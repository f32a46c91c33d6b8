package schema

import (
	"context"
	"fmt"
	"strings"

	"entgo.io/ent"

	"github.com/benkan-project/benkan"
	gen "github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/hook"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/gid"
)

// levelAbove is, by level, the level of a locality's parent: a cercle's
// parent is a region, a commune's a cercle; a region has none.
var levelAbove = map[locality.Level]locality.Level{
	locality.LevelCERCLE:  locality.LevelREGION,
	locality.LevelCOMMUNE: locality.LevelCERCLE,
}

// localityParentOneLevelUp refuses a locality whose parent is not exactly
// one level up (a commune directly under a region, a cercle under a
// cercle, a region under anything), and a change of level that would
// leave its children so. Counts grouped by locality (package aggregate)
// name "the cercle holding this commune": in a tree that skips or repeats
// a level, that cercle would be undefined or two. A cercle or commune
// without a parent is allowed (a tree being built); its counts at the
// levels above it fall under a null locality, as for rows located above
// the level.
func localityParentOneLevelUp(next ent.Mutator) ent.Mutator {
	return hook.LocalityFunc(func(ctx context.Context, m *gen.LocalityMutation) (ent.Value, error) {
		level, levelSet := m.Level()
		parent, parentSet := m.ParentID()
		children := m.ChildrenIDs()
		if !levelSet && !parentSet && len(children) == 0 {
			return next.Mutate(ctx, m)
		}
		var ids []gid.ID
		if m.Op().Is(ent.OpCreate) {
			ids = []gid.ID{""}
		} else {
			var err error
			if ids, err = m.IDs(ctx); err != nil {
				return nil, fmt.Errorf("check locality levels: %w", err)
			}
		}
		for _, id := range ids {
			lv, p := level, parent
			if id != "" && (!levelSet || !parentSet && !m.ParentCleared()) {
				current, err := m.Client().Locality.Query().Where(locality.ID(id)).WithParent().Only(ctx)
				if err != nil {
					return nil, fmt.Errorf("check locality levels: %w", err)
				}
				if !levelSet {
					lv = current.Level
				}
				if !parentSet && !m.ParentCleared() && current.Edges.Parent != nil {
					p = current.Edges.Parent.ID
				}
			}
			if err := checkLevels(ctx, m.Client(), id, lv, p, children, levelSet); err != nil {
				return nil, err
			}
		}
		return next.Mutate(ctx, m)
	})
}

// checkLevels checks a locality id ("" when being created) of level lv
// under parent p ("" for none), gaining the children added, and, when its
// level changes, keeping the children it has.
func checkLevels(ctx context.Context, c *gen.Client, id gid.ID, lv locality.Level, p gid.ID, added []gid.ID, levelChanged bool) error {
	name := func(l locality.Level) string { return strings.ToLower(l.String()) }
	if p != "" {
		above, ok := levelAbove[lv]
		if !ok {
			return &benkan.Error{Code: benkan.EINVALID, Field: "parentID",
				Message: fmt.Sprintf("a %s is the top of the tree: it has no parent", name(lv))}
		}
		pl, err := c.Locality.Query().Where(locality.ID(p)).Select(locality.FieldLevel).String(ctx)
		if err != nil {
			if gen.IsNotFound(err) {
				return nil // the edge's own check says the parent does not exist
			}
			return fmt.Errorf("check locality levels: %w", err)
		}
		if locality.Level(pl) != above {
			return &benkan.Error{Code: benkan.EINVALID, Field: "parentID",
				Message: fmt.Sprintf("a %s's parent is a %s, one level up; this one is a %s", name(lv), name(above), name(locality.Level(pl)))}
		}
	}
	if err := childrenOneLevelDown(ctx, c, lv, added, ""); err != nil {
		return err
	}
	if levelChanged && id != "" {
		has, err := c.Locality.Query().Where(locality.HasParentWith(locality.ID(id))).IDs(ctx)
		if err != nil {
			return fmt.Errorf("check locality levels: %w", err)
		}
		return childrenOneLevelDown(ctx, c, lv, has, "level")
	}
	return nil
}

// childrenOneLevelDown refuses, as an error on field, kids that are not
// one level below lv.
func childrenOneLevelDown(ctx context.Context, c *gen.Client, lv locality.Level, kids []gid.ID, field string) error {
	if len(kids) == 0 {
		return nil
	}
	wrong, err := c.Locality.Query().Where(locality.IDIn(kids...), locality.Not(locality.LevelIn(levelsBelow(lv)...))).First(ctx)
	if err != nil && !gen.IsNotFound(err) {
		return fmt.Errorf("check locality levels: %w", err)
	}
	if wrong != nil {
		name := func(l locality.Level) string { return strings.ToLower(l.String()) }
		return &benkan.Error{Code: benkan.EINVALID, Field: field,
			Message: fmt.Sprintf("%s (a %s) cannot be a child of a %s: a locality's parent is exactly one level up", wrong.Name, name(wrong.Level), name(lv))}
	}
	return nil
}

// levelsBelow returns the level whose parent is of level lv (none for a
// commune).
func levelsBelow(lv locality.Level) []locality.Level {
	var out []locality.Level
	for below, above := range levelAbove {
		if above == lv {
			out = append(out, below)
		}
	}
	return out
}
