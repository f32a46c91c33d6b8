package graph_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// The attack "aggregate minus own rows" on every dimension of a count of
// people, CATEGORY and VIOLATION_TYPE included (the constraint attack of
// aggregate_attack_people_test.go leaves them out): DIHR lists the
// involvements of every incident it reads, with every key a cell may
// have, and subtracts them from each published cell. Under protected(5),
// a cell is published only when it holds at least 5 involvements DIHR may
// not read, so the coordinator's exact count of that cell minus DIHR's own
// listed involvements is never under 5, and a published value is never
// under the involvements DIHR lists in it plus 5 minus the noise bound.

// listedPerson is one involvement DIHR lists, with every key of its cells.
type listedPerson struct {
	occurred                    time.Time
	status                      string
	localities                  map[string]string // level → id
	types                       []string          // violation type codes
	role, gender, age, category string
}

// listPeopleAll lists every incident srv reads with its involvements.
func listPeopleAll(t *testing.T, srv *apitest.Server) []listedPerson {
	t.Helper()
	q := `query($after: Cursor) { incidents(first: 100, after: $after) {
	  pageInfo { hasNextPage endCursor }
	  edges { node { occurredAt status violationTypes { code }
	    locality { id level parent { id level parent { id level } } }
	    involvements { role actor { gender ageBracket category } } } } } }`
	type loc struct {
		ID, Level string
		Parent    *loc
	}
	var page struct {
		Incidents struct {
			PageInfo struct {
				HasNextPage bool
				EndCursor   *string
			}
			Edges []struct {
				Node struct {
					OccurredAt     time.Time
					Status         string
					ViolationTypes []struct{ Code string }
					Locality       *loc
					Involvements   []struct {
						Role  *string
						Actor *struct{ Gender, AgeBracket, Category *string }
					}
				}
			}
		}
	}
	var out []listedPerson
	var after any
	for {
		srv.Query(t, q, map[string]any{"after": after}).OK(t, &page)
		for _, e := range page.Incidents.Edges {
			n := e.Node
			locs := map[string]string{}
			for l := n.Locality; l != nil; l = l.Parent {
				locs[l.Level] = l.ID
			}
			var types []string
			for _, vt := range n.ViolationTypes {
				types = append(types, vt.Code)
			}
			for _, inv := range n.Involvements {
				a := inv.Actor
				if inv.Role == nil || a == nil || a.Gender == nil || a.AgeBracket == nil || a.Category == nil {
					t.Fatalf("DIHR lists an involvement without its role or its actor's demographics: the review would undercount its own rows")
				}
				out = append(out, listedPerson{n.OccurredAt, n.Status, locs, types, *inv.Role, *a.Gender, *a.AgeBracket, *a.Category})
			}
		}
		if !page.Incidents.PageInfo.HasNextPage {
			return out
		}
		after = *page.Incidents.PageInfo.EndCursor
	}
}

// atom is p's time atom in the attacks' systems (clampedAtom).
func (p listedPerson) atom() int { return clampedAtom(p.occurred) }

// localitySlices are the locality keys of the attacks' slices p counts
// in: "all", its region, cercle and commune, and "none@LEVEL" for each of
// these levels its incident has no locality of.
func (p listedPerson) localitySlices() []string {
	locs := []string{"all"}
	for _, lv := range []string{"REGION", "CERCLE", "COMMUNE"} {
		if id, ok := p.localities[lv]; ok {
			locs = append(locs, id)
		} else {
			locs = append(locs, "none@"+lv)
		}
	}
	return locs
}

// countSlices adds one at atom to every slice of the product of values
// (a slice's keys joined by spaces, in values' order).
func countSlices(out map[string]map[int]int, atom int, values ...[]string) {
	keys := make([]string, len(values))
	var walk func(i int)
	walk = func(i int) {
		if i == len(values) {
			s := strings.Join(keys, " ")
			if out[s] == nil {
				out[s] = map[int]int{}
			}
			out[s][atom]++
			return
		}
		for _, v := range values[i] {
			keys[i] = v
			walk(i + 1)
		}
	}
	walk(0)
}

// in reports whether p is one of the people of cell c (a reviewCell of a
// count grouped at level) within [from, to).
func (p listedPerson) in(c reviewCell, level string, from, to *time.Time) bool {
	if (from != nil && p.occurred.Before(*from)) || (to != nil && !p.occurred.Before(*to)) {
		return false
	}
	for _, d := range c.GroupedBy {
		var ok bool
		switch d {
		case "LOCALITY":
			id, has := p.localities[level]
			ok = (c.Locality == nil && !has) || (c.Locality != nil && c.Locality.ID == id)
		case "VIOLATION_TYPE":
			ok = c.ViolationType != nil && slices.Contains(p.types, c.ViolationType.Code)
		default:
			ok = c.key(d) == map[string]string{"STATUS": p.status, "ROLE": p.role, "GENDER": p.gender, "AGE_BRACKET": p.age, "CATEGORY": p.category}[d]
		}
		if !ok {
			return false
		}
	}
	return true
}

// cellID names a cell by its dimensions and keys (ids for localities).
func cellID(c reviewCell) string {
	parts := []string{}
	for _, d := range c.GroupedBy {
		k := c.key(d)
		if d == "LOCALITY" && c.Locality != nil {
			k = c.Locality.ID
		}
		parts = append(parts, d+"="+k)
	}
	return strings.Join(parts, " ")
}

// TestPeopleReviewAggregateMinusOwnRows plays "aggregate minus own rows"
// for DIHR over every grouping of one to three of the people's dimensions
// (LOCALITY by cercle, STATUS, VIOLATION_TYPE, ROLE, GENDER, AGE_BRACKET,
// CATEGORY), and of the people of one violation type by type (their
// intersections) and role, category or gender, over 2023 and over all
// time, against the coordinator's exact
// counts: no published cell holds fewer than 5 involvements DIHR does not
// list, and no published value is under its listed involvements plus the
// threshold minus the noise bound.
func TestPeopleReviewAggregateMinusOwnRows(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		loadDemoT(t, srv, db)
		dihr, coord := srv.As(t, "dihr.officer"), srv.As(t, "sory.diakite")
		listed := listPeopleAll(t, dihr)
		if len(listed) == 0 {
			t.Fatalf("DIHR lists no involvement: the attack subtracts nothing")
		}
		dims := []string{"LOCALITY", "STATUS", "VIOLATION_TYPE", "ROLE", "GENDER", "AGE_BRACKET", "CATEGORY"}
		var sets [][]string
		for i := range dims {
			sets = append(sets, []string{dims[i]})
			for j := i + 1; j < len(dims); j++ {
				sets = append(sets, []string{dims[i], dims[j]})
				for k := j + 1; k < len(dims); k++ {
					sets = append(sets, []string{dims[i], dims[j], dims[k]})
				}
			}
		}
		// And the intersections of violation types: the people of the
		// incidents alleging one type, grouped by type.
		var vts struct {
			ViolationTypes struct {
				Edges []struct{ Node struct{ ID, Code string } }
			}
		}
		coord.Query(t, `{ violationTypes(first: 100) { edges { node { id code } } } }`, nil).OK(t, &vts)
		y23, y24 := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		published, withOwn := 0, 0
		for _, rg := range []struct {
			vars     map[string]any
			from, to *time.Time
		}{{year2023, &y23, &y24}, {map[string]any{}, nil, nil}} {
			type ask struct {
				by   []string
				code string // the violation type filtered by, if any
				id   string
			}
			var asks []ask
			for _, by := range sets {
				asks = append(asks, ask{by: by})
			}
			for _, e := range vts.ViolationTypes.Edges {
				for _, by := range [][]string{{"VIOLATION_TYPE", "ROLE"}, {"VIOLATION_TYPE", "CATEGORY"}, {"VIOLATION_TYPE", "GENDER"}} {
					asks = append(asks, ask{by, e.Node.Code, e.Node.ID})
				}
			}
			for _, q := range asks {
				by := q.by
				vars := aggVars(by, rg.vars, map[string]any{"level": "CERCLE"})
				if q.id != "" {
					vars["filter"] = map[string]any{"violationTypes": []string{q.id}}
				}
				a, exact := askReview(t, dihr, vars), askReview(t, coord, vars)
				truth := map[string]int{}
				for _, c := range append(slices.Clone(exact.InvolvementAggregate.Cells), exact.InvolvementAggregate.Totals...) {
					truth[cellID(c)] = *c.Count
				}
				for _, c := range append(slices.Clone(a.InvolvementAggregate.Cells), a.InvolvementAggregate.Totals...) {
					if c.Protected {
						continue
					}
					own := 0
					for _, p := range listed {
						if p.in(c, "CERCLE", rg.from, rg.to) && (q.code == "" || slices.Contains(p.types, q.code)) {
							own++
						}
					}
					published++
					if own > 0 {
						withOwn++
					}
					if hidden := truth[cellID(c)] - own; hidden < 5 {
						t.Errorf("by %v (type %q) over %v: cell %s is published (%d) with %d involvements DIHR does not list (%d in all, %d listed): under the threshold",
							by, q.code, rg.vars, cellID(c), *c.Count, hidden, truth[cellID(c)], own)
					}
					if *c.Count < own+5-2 {
						t.Errorf("by %v over %v: cell %s is published as %d, under the %d involvements DIHR lists plus 3", by, rg.vars, cellID(c), *c.Count, own)
					}
				}
			}
		}
		if published == 0 || withOwn == 0 {
			t.Fatalf("%d published cells, %d holding listed involvements: the attack attacks nothing", published, withOwn)
		}
		t.Logf("%d groupings, %d published cells, %d of them holding involvements DIHR lists", 2*(len(sets)+3*len(vts.ViolationTypes.Edges)), published, withOwn)
	})
}
