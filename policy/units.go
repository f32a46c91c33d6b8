package policy

import (
	"context"
	"fmt"
	"slices"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/actor"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/gid"
)

// joinUpTo is the number of allegations of a unit up to which own_unit is
// joined from the unit's allegations (at most that many incidents fetched
// by primary key, a few milliseconds); above it, own_unit is checked per
// incident while the viewer's incidents are walked newest first (see
// allegedUnit). A variable for the tests.
var joinUpTo = 2000

// countUnitAllegations counts, up to joinUpTo+1, the involvements that name
// an actor of the organization as alleged perpetrator. Viewers are rebuilt
// every two seconds, so a unit's first allegation reaches its liaisons
// within two seconds, like any change of their roles.
func countUnitAllegations(ctx context.Context, c *ent.Client, org gid.ID) (int, error) {
	ids, err := c.Involvement.Query().
		Where(involvement.RoleEQ(involvement.RoleALLEGED_PERPETRATOR), involvement.HasActorWith(actor.OrganizationID(org))).
		Limit(joinUpTo + 1).
		IDs(SystemContext(ctx))
	if err != nil {
		return 0, fmt.Errorf("count allegations of organization %s: %w", org, err)
	}
	return len(ids), nil
}

// allegedUnit narrows an incident's involvements to those naming an actor
// of the organization as alleged perpetrator (the own_unit atom).
//
// fence (PostgreSQL only) adds OFFSET 0, so that the check is evaluated per
// incident rather than flattened into a join. Flattened, the planner starts
// from the unit whatever its number of allegations, as it cannot know that a
// unit is alleged mostly where it operates: for a unit alleged 30,820 times
// at a million incidents it fetched them all by primary key and sorted
// them, ~350 ms per statement. Fenced, it walks the newest verified,
// consented incidents of the viewer's localities and checks each with one
// index probe, ~4 ms (BENCHMARKS.md), but walks them all when the unit is
// alleged elsewhere only: hence the fence only above joinUpTo allegations.
func allegedUnit(org gid.ID, fence bool) func(*sql.Selector) {
	return func(s *sql.Selector) {
		s.Where(sql.EQ(s.C(involvement.FieldRole), involvement.RoleALLEGED_PERPETRATOR.String()))
		units := sql.Table(actor.Table)
		s.Where(sql.In(s.C(involvement.FieldActorID),
			sql.Dialect(s.Dialect()).Select(units.C(actor.FieldID)).From(units).Where(sql.EQ(units.C(actor.FieldOrganizationID), org))))
		if fence && s.Dialect() == dialect.Postgres {
			s.Offset(0)
		}
	}
}

// usesAtom reports whether a grant of v names the atom for typ.
func (v *Viewer) usesAtom(typ, atom string) bool {
	for _, a := range v.Assignments {
		for _, g := range a.Grants {
			if g.coversType(typ, true) && slices.Contains(g.Scope, atom) {
				return true
			}
		}
	}
	return false
}
