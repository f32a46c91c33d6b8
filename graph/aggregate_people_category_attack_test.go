package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/aggregate"
	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// The people's attack of aggregate_attack_people_test.go (the same
// constraint system: attack's record, solve and feasible) played over the
// one partition of the people it leaves out, the actors' social category,
// crossed with role and status: the category of the alleged perpetrators
// (FSI or FDS agents) is what a partner would most want to pin in a small
// commune. A slice is a locality node (or the incidents above a level), a
// status, a role and a category, each a value or "all"; every one is a
// partition of the involvements, so "total minus other cells" is played
// over each.

// categoryDims are the dimensions of a category slice after its locality.
var categoryDims = []string{"STATUS", "ROLE", "CATEGORY"}

// TestPeopleReviewCategoryAttack plays the category attack for DIHR,
// checked against the coordinator's exact counts: no protected count of
// people by category is pinned to one value.
func TestPeopleReviewCategoryAttack(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		loadDemoT(t, srv, db)
		dihr, coord := srv.As(t, "dihr.officer"), srv.As(t, "sory.diakite")
		at := &attack{d: aggregate.NoiseBound, answers: map[[3]string]int{}, t: t, listed: listCategoryPeople(t, dihr)}
		truth := map[sliceRange]int{}
		tm := func(y int) *time.Time {
			v := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
			return &v
		}
		str := func(p *time.Time) any {
			if p == nil {
				return nil
			}
			return p.Format(time.RFC3339)
		}
		queries := 0
		ask := func(groupBy []string, level, bucket string, from, to *time.Time, filter map[string]string) {
			queries++
			vars := map[string]any{"level": level, "bucket": bucket, "from": str(from), "to": str(to)}
			f := map[string]any{}
			for dim, arg := range map[string]string{"LOCALITY": "localities", "STATUS": "statuses", "ROLE": "roles"} {
				if v, ok := filter[dim]; ok {
					f[arg] = []string{v}
				}
			}
			vars["filter"] = f
			a := askPeople(t, dihr, aggVars(groupBy, vars))
			if th := a.InvolvementAggregate.Threshold; th == nil {
				t.Fatalf("no threshold: DIHR counts exactly")
			} else {
				at.k = *th
			}
			ra, rb := atomOf(from, 0), atomOf(to, atomCount)
			grouped := func(c peopleCell, d string) bool { return slices.Contains(c.GroupedBy, d) }
			rangeOf := func(c peopleCell) sliceRange {
				loc := "all"
				if l, ok := filter["LOCALITY"]; ok {
					loc = l
				}
				if grouped(c, "LOCALITY") {
					loc = "none@" + level
					if c.Locality != nil {
						loc = c.Locality.ID
					}
				}
				keys := []string{loc}
				for _, d := range categoryDims {
					v := "all"
					if fv, ok := filter[d]; ok {
						v = fv
					}
					if grouped(c, d) {
						v = c.key(d)
					}
					keys = append(keys, v)
				}
				r := sliceRange{strings.Join(keys, " "), ra, rb}
				if grouped(c, "PERIOD") {
					r.a, r.b = atomOf(&c.Period.Start, 0), atomOf(&c.Period.End, atomCount)
				}
				return r
			}
			exact := askPeople(t, coord, aggVars(groupBy, vars))
			for _, c := range append(slices.Clone(exact.InvolvementAggregate.Cells), exact.InvolvementAggregate.Totals...) {
				truth[rangeOf(c)] = *c.Count
			}
			how := fmt.Sprintf("people by %v at %s by %s over [%v, %v) filter %v", groupBy, level, bucket, str(from), str(to), filter)
			all := append(slices.Clone(a.InvolvementAggregate.Cells), a.InvolvementAggregate.Totals...)
			for _, c := range all {
				v := -1
				if !c.Protected {
					v = *c.Count
				}
				at.record(how, rangeOf(c), v)
			}
			for _, dim := range append([]string{"LOCALITY"}, categoryDims...) {
				groups := map[sliceRange][]sliceRange{}
				for _, c := range all {
					if !grouped(c, dim) {
						continue
					}
					tot := c
					tot.GroupedBy = slices.DeleteFunc(slices.Clone(c.GroupedBy), func(d string) bool { return d == dim })
					if tr, cr := rangeOf(tot), rangeOf(c); !slices.Contains(groups[tr], cr) {
						groups[tr] = append(groups[tr], cr)
					}
				}
				for total, parts := range groups {
					at.partitions = append(at.partitions, partition{total, parts})
				}
			}
		}
		years := []int{2021, 2022, 2023, 2024}
		for _, bucket := range []string{"MONTH", "QUARTER", "YEAR"} {
			for i := 0; i < 3; i++ {
				for j := i + 1; j < 4; j++ {
					ask([]string{"ROLE", "CATEGORY", "PERIOD"}, "REGION", bucket, tm(years[i]), tm(years[j]), nil)
					ask([]string{"LOCALITY", "CATEGORY", "PERIOD"}, "CERCLE", bucket, tm(years[i]), tm(years[j]), map[string]string{"ROLE": "ALLEGED_PERPETRATOR"})
				}
			}
		}
		bounds := []*time.Time{nil}
		for _, y := range years {
			bounds = append(bounds, tm(y))
		}
		bounds = append(bounds, nil)
		for i := 0; i < len(bounds)-1; i++ {
			for j := i + 1; j < len(bounds); j++ {
				ask([]string{"LOCALITY", "ROLE", "CATEGORY"}, "CERCLE", "YEAR", bounds[i], bounds[j], nil)
				ask([]string{"LOCALITY", "STATUS", "CATEGORY"}, "COMMUNE", "YEAR", bounds[i], bounds[j], map[string]string{"ROLE": "ALLEGED_PERPETRATOR"})
			}
		}
		for _, st := range []string{"REPORTED", "UNDER_VERIFICATION", "VERIFIED", "UNSUBSTANTIATED", "REFERRED", "CLOSED"} {
			ask([]string{"ROLE", "CATEGORY", "PERIOD"}, "REGION", "YEAR", tm(2021), tm(2024), map[string]string{"STATUS": st})
		}
		for _, role := range []string{"VICTIM", "WITNESS", "ALLEGED_PERPETRATOR", "SOURCE"} {
			ask([]string{"CATEGORY", "PERIOD"}, "REGION", "QUARTER", tm(2021), tm(2024), map[string]string{"ROLE": role})
		}
		at.solve()

		byPart := map[sliceRange][]int{}
		for i, p := range at.partitions {
			for _, o := range p.parts {
				byPart[o] = append(byPart[o], i)
			}
		}
		protected, pinned := 0, 0
		hist := map[int]int{}
		for key, v := range at.answers {
			if v != -1 {
				continue
			}
			var a, b int
			fmt.Sscan(key[1], &a)
			fmt.Sscan(key[2], &b)
			r := sliceRange{key[0], a, b}
			lo, hi := at.feasible(r)
			for _, i := range byPart[r] {
				p := at.partitions[i]
				tlo, thi := at.feasible(p.total)
				for _, o := range p.parts {
					if o != r {
						olo, ohi := at.feasible(o)
						tlo, thi = tlo-ohi, thi-olo
					}
				}
				lo, hi = max(lo, tlo), min(hi, thi)
			}
			if n := truth[r] - at.seen(r); n < lo || n > hi {
				t.Errorf("attack unsound: %s over atoms [%d,%d) holds %d hidden involvements (%d listed), outside its feasible set %d..%d", r.slice, r.a, r.b, n, at.seen(r), lo, hi)
			}
			protected++
			hist[min(hi-lo+1, 7)]++
			if hi-lo+1 < 2 {
				pinned++
				t.Errorf("protected count of people %s over atoms [%d,%d) pinned: hidden involvements %d..%d; DIHR lists %d of them", r.slice, r.a, r.b, lo, hi, at.seen(r))
			}
		}
		if protected == 0 {
			t.Fatalf("no protected count in %d queries: the attack attacks nothing", queries)
		}
		t.Logf("people by category: %d queries, %d answers, %d protected; feasible set sizes (7 = 7 or more): %v; pinned: %d", queries, len(at.answers), protected, hist, pinned)
	})
}

// listCategoryPeople lists every incident srv reads with its
// involvements, and counts them by category slice and time atom.
func listCategoryPeople(t *testing.T, srv *apitest.Server) map[string]map[int]int {
	t.Helper()
	out := map[string]map[int]int{}
	for _, p := range listPeopleAll(t, srv) {
		atom := atomOf(&p.occurred, 0)
		if p.occurred.Year() < 2021 {
			atom = 0
		} else if p.occurred.Year() > 2023 {
			atom = atomCount - 1
		}
		locs := []string{"all"}
		for _, lv := range []string{"REGION", "CERCLE", "COMMUNE"} {
			if id, ok := p.localities[lv]; ok {
				locs = append(locs, id)
			} else {
				locs = append(locs, "none@"+lv)
			}
		}
		for _, l := range locs {
			for _, st := range []string{"all", p.status} {
				for _, r := range []string{"all", p.role} {
					for _, c := range []string{"all", p.category} {
						s := strings.Join([]string{l, st, r, c}, " ")
						if out[s] == nil {
							out[s] = map[int]int{}
						}
						out[s][atom]++
					}
				}
			}
		}
	}
	return out
}
