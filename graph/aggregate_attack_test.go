package graph_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/aggregate"
	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/demo"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// The attack test: a determined partner under disclosure control asks
// every aggregate its grid allows over the demo data, lists every incident
// it may read, and tries to pin down a protected count. What it knows is
// written as constraints on the true counts, and the set of true values of
// each protected count consistent with all of them is computed; the test
// asserts that set always holds at least two values.
//
// The demo's incidents occurred from 2021 to 2023. Time is cut into atoms:
// "before 2021", each month of 2021–2023, "from 2024". Every answer about
// one slice of incidents (a locality node or the incidents located above a
// level, times a status or all statuses) counts a run of consecutive atoms,
// so it is a constraint on the difference of two prefix sums P: a system
// of difference constraints, whose exact feasible set for P_b − P_a is the
// interval [−d(b→a), d(a→b)] of its shortest paths (Floyd–Warshall), every
// integer of which is feasible. Into it go:
//   - the cells and totals of every query of the family (below), with the
//     public noise bound: a published v means the count is in
//     [max(K, v−D), v+D]; a protected marker, in [0, K−1+D] (zeros are
//     protected too, and the grid lists every cell, so that neither a 0
//     nor an absent cell tells which cells hold someone);
//   - the incidents the role may list (its own rows, with their dates,
//     localities and statuses): each atom holds at least as many as it
//     lists there ("aggregate minus own row counts");
//   - the same slice and range asked several ways (other groupings,
//     levels, buckets, filters, repeated): the answers must be equal, which
//     the test checks, so repeating adds nothing.
//
// "Total minus other cells" across slices (a total over localities, or
// over statuses, minus every other cell of it) is not a difference
// constraint; it is played apart, with each other cell at its own
// feasible interval, and intersected with the target's.
//
// The family: for each level of the tree, each bucket (month, quarter,
// year) and each whole-year range within 2021–2023, the counts grouped by
// locality, status and period with all their margins; and for each level
// and each open or closed range on year boundaries, by locality and status.
//
// For DIHR, which may also count by the actors involved, the same attack
// over each of PERPETRATOR_CATEGORY, VICTIM_GENDER and VICTIM_AGE_BRACKET
// (actorFamily): a slice is then also one value of the dimension (the
// incidents with a victim of that gender, say), which is additive in time
// and across localities and statuses, but not across the dimension's own
// values (an incident with a woman and a man among its victims counts
// under both, one without a victim under none), so that the cells of one
// value partition its total by locality or status, while over the values
// the attacker only knows that each cell is a subset of the total ("total
// minus cells": a cell is at most its total). Into it go the same slices
// asked through other groupings and through filters (one status, one
// region), the family asked twice, and the victims' and perpetrators'
// values of the incidents DIHR may list.

// atomCount is the number of time atoms: before 2021, 36 months, from 2024.
const atomCount = 38

// atomOf returns the prefix index of an instant on the grid: 0 for −∞,
// 1 for 2021-01-01, …, 37 for 2024-01-01, 38 for +∞.
func atomOf(t *time.Time, open int) int {
	if t == nil {
		return open
	}
	m := (t.Year()-2021)*12 + int(t.Month())
	return min(max(m, 1), 37)
}

// clampedAtom is the atom of a listed row that occurred at t: atomOf's,
// with the years before 2021 in the first atom and those after 2023 in
// the last, as the open ranges of the attacks count them.
func clampedAtom(t time.Time) int {
	switch {
	case t.Year() < 2021:
		return 0
	case t.Year() > 2023:
		return atomCount - 1
	}
	return atomOf(&t, 0)
}

// constraint says lo ≤ P_b − P_a ≤ hi of one slice.
type constraint struct {
	slice  string
	a, b   int
	lo, hi int
}

type attack struct {
	k, d    int
	answers map[[3]string]int // slice, a, b → published value (−1 protected)
	// listed are the incidents the role lists itself, by slice and atom:
	// the seen rows of every answer (aggregate.PublishSeen), subtracted.
	listed map[string]map[int]int
	cons   []constraint
	dist   map[string]*[atomCount + 1][atomCount + 1]int
	// partitions are the "total minus other cells" groups: a total and
	// the cells that partition it, each as slice and range.
	partitions []partition
	t          *testing.T
}

type sliceRange struct {
	slice string
	a, b  int
}

type partition struct {
	total sliceRange
	parts []sliceRange
}

// bounds are the hidden rows of a range r (those the role may not list)
// an answer v about r allows: the published value is the rows it lists
// plus the hidden rows' count perturbed, published at K or more, and a
// protected marker says there are 0 to K−1+D hidden rows.
func (at *attack) bounds(r sliceRange, v int) (int, int) {
	switch {
	case v < 0:
		return 0, at.k - 1 + at.d
	case v == 0:
		return 0, 0
	}
	h := v - at.seen(r)
	return max(at.k, h-at.d), h + at.d
}

// seen is the number of incidents of r the role lists itself.
func (at *attack) seen(r sliceRange) int {
	n := 0
	for i := r.a; i < r.b; i++ {
		n += at.listed[r.slice][i]
	}
	return n
}

// record notes an answer, checking it agrees with any earlier answer about
// the same incidents.
func (at *attack) record(how string, r sliceRange, v int) {
	key := [3]string{r.slice, fmt.Sprint(r.a), fmt.Sprint(r.b)}
	if old, ok := at.answers[key]; ok {
		if old != v {
			at.t.Errorf("%s: %s [%d,%d) answered %d, earlier %d: the same incidents must get the same count", how, r.slice, r.a, r.b, v, old)
		}
		return
	}
	at.answers[key] = v
	lo, hi := at.bounds(r, v)
	at.cons = append(at.cons, constraint{r.slice, r.a, r.b, lo, hi})
}

// solve computes the shortest paths of every slice's constraint graph.
func (at *attack) solve() {
	const inf = math.MaxInt32
	at.dist = map[string]*[atomCount + 1][atomCount + 1]int{}
	get := func(s string) *[atomCount + 1][atomCount + 1]int {
		d, ok := at.dist[s]
		if !ok {
			d = &[atomCount + 1][atomCount + 1]int{}
			for i := range d {
				for j := range d[i] {
					d[i][j] = inf
				}
				d[i][i] = 0
			}
			for i := 0; i < atomCount; i++ {
				d[i+1][i] = 0 // every atom holds at least 0
			}
			at.dist[s] = d
		}
		return d
	}
	for _, c := range at.cons {
		d := get(c.slice)
		d[c.a][c.b] = min(d[c.a][c.b], c.hi)
		d[c.b][c.a] = min(d[c.b][c.a], -c.lo)
	}
	for s, d := range at.dist {
		n := atomCount + 1
		for k := range n {
			for i := range n {
				if d[i][k] == inf {
					continue
				}
				for j := range n {
					if d[k][j] != inf && d[i][k]+d[k][j] < d[i][j] {
						d[i][j] = d[i][k] + d[k][j]
					}
				}
			}
		}
		for i := range n {
			if d[i][i] < 0 {
				at.t.Fatalf("slice %s: the answers contradict each other (a bug of the attack or of the method)", s)
			}
		}
	}
}

// feasible is the interval of hidden counts (true count minus the rows
// the role lists) of a slice range consistent with every difference
// constraint.
func (at *attack) feasible(r sliceRange) (int, int) {
	d := at.dist[r.slice]
	hi := d[r.a][r.b]
	if hi == math.MaxInt32 {
		hi = 1 << 20
	}
	return -d[r.b][r.a], hi
}

// partsOf indexes the partitions each range is a part of (a scan of every
// partition per protected answer took minutes under load).
func (at *attack) partsOf() map[sliceRange][]int {
	byPart := map[sliceRange][]int{}
	for i, p := range at.partitions {
		for _, o := range p.parts {
			byPart[o] = append(byPart[o], i)
		}
	}
	return byPart
}

// protectedRanges are the ranges of the protected answers recorded.
func (at *attack) protectedRanges() []sliceRange {
	var out []sliceRange
	for key, v := range at.answers {
		if v != -1 {
			continue
		}
		var a, b int
		fmt.Sscan(key[1], &a)
		fmt.Sscan(key[2], &b)
		out = append(out, sliceRange{key[0], a, b})
	}
	return out
}

// narrow narrows r's feasible set lo..hi by every partition r is a part
// of (byPart, from partsOf): its total's feasible set minus the other
// parts'.
func (at *attack) narrow(r sliceRange, lo, hi int, byPart map[sliceRange][]int) (int, int) {
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
	return lo, hi
}

// TestAggregateAttack plays the attack against the demo data for DIHR and
// both liaisons, on SQLite and PostgreSQL.
func TestAggregateAttack(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		loadDemoT(t, srv, db)
		for _, subject := range []string{"dihr.officer", "fsi.niono", "fsi.kayes"} {
			t.Run(subject, func(t *testing.T) {
				var exact *apitest.Server
				if subject == "dihr.officer" {
					exact = srv.As(t, "sory.diakite") // counts the same incidents, exactly
				}
				// Only DIHR may count by the actors involved.
				playAttack(t, srv.As(t, subject), exact, subject == "dihr.officer")
			})
		}
	})
}

// playAttack plays the attack as srv's role; exact, a coordinator who
// counts the same incidents exactly, checks the attack itself: the true
// count must be in every feasible set, or the constraints are wrong. With
// actors, the family of the actors' dimensions too.
func playAttack(t *testing.T, srv, exact *apitest.Server, actors bool) {
	// The rows the role lists, first: every answer is read as the rows
	// it lists plus the hidden ones ("aggregate minus own rows").
	at := &attack{d: aggregate.NoiseBound, answers: map[[3]string]int{}, t: t, listed: listOwnRows(t, srv, actors)}
	truth := map[sliceRange]int{}
	years := []int{2021, 2022, 2023, 2024}
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
	// ask asks one query of the family; filter, when set, keeps one status
	// ("status") or one locality ("locality": an id) and is then a key of
	// every cell's slice.
	askFiltered := func(groupBy []string, level, bucket string, from, to *time.Time, filter map[string]string) {
		queries++
		vars := map[string]any{"level": level, "bucket": bucket, "from": str(from), "to": str(to)}
		if st, ok := filter["status"]; ok {
			vars["filter"] = map[string]any{"statuses": []string{st}}
		}
		if l, ok := filter["locality"]; ok {
			vars["filter"] = map[string]any{"localities": []string{l}}
		}
		a := askAgg(t, srv, aggVars(groupBy, vars))
		if th := a.IncidentAggregate.Threshold; th == nil {
			t.Fatalf("no threshold: the role counts exactly")
		} else {
			at.k = *th
		}
		ra, rb := atomOf(from, 0), atomOf(to, atomCount)
		var truthOf aggAnswer
		if exact != nil {
			truthOf = askAgg(t, exact, aggVars(groupBy, vars))
		}
		grouped := func(c aggCell, d string) bool { return slices.Contains(c.GroupedBy, d) }
		sliceOf := func(c aggCell) string {
			loc, st, act := "all", "all", "all"
			if l, ok := filter["locality"]; ok {
				loc = l
			}
			if grouped(c, "LOCALITY") {
				loc = "none@" + level
				if c.Locality != nil {
					loc = c.Locality.ID
				}
			}
			if f, ok := filter["status"]; ok {
				st = f
			}
			if grouped(c, "STATUS") {
				st = *c.Status
			}
			for _, d := range actorDimensions {
				if grouped(c, d) {
					act = d + "=" + actorKey(c, d)
				}
			}
			return loc + " " + st + " " + act
		}
		rangeOf := func(c aggCell) sliceRange {
			r := sliceRange{sliceOf(c), ra, rb}
			if grouped(c, "PERIOD") {
				r.a, r.b = atomOf(&c.Period.Start, 0), atomOf(&c.Period.End, atomCount)
			}
			return r
		}
		for _, c := range append(slices.Clone(truthOf.IncidentAggregate.Cells), truthOf.IncidentAggregate.Totals...) {
			truth[rangeOf(c)] = *c.Count
		}
		how := fmt.Sprintf("group by %v at %s by %s over [%v, %v)", groupBy, level, bucket, str(from), str(to))
		all := append(slices.Clone(a.IncidentAggregate.Cells), a.IncidentAggregate.Totals...)
		present := map[sliceRange]bool{}
		for _, c := range all {
			v := -1
			if !c.Protected {
				v = *c.Count
			}
			r := rangeOf(c)
			present[r] = true
			at.record(how, r, v)
		}
		// Cells absent from a period grid are 0, for each slice that has
		// some cell in the grid.
		if slices.Contains(groupBy, "PERIOD") {
			var bounds []int
			for s := ra; s < rb; {
				e := s + map[string]int{"MONTH": 1, "QUARTER": 3, "YEAR": 12}[bucket]
				bounds = append(bounds, s)
				s = e
			}
			bounds = append(bounds, rb)
			seen := map[string]bool{}
			for _, c := range all {
				if grouped(c, "PERIOD") {
					seen[sliceOf(c)] = true
				}
			}
			for s := range seen {
				for i := 0; i+1 < len(bounds); i++ {
					r := sliceRange{s, bounds[i], bounds[i+1]}
					if !present[r] {
						t.Errorf("%s: no cell for %s [%d,%d): under disclosure control the grid is whole, or an absent cell would tell a zero", how, s, r.a, r.b)
						at.record(how+" (absent)", r, 0)
					}
				}
			}
		}
		// Partitions: each total over localities (or statuses) and the
		// cells that split it, for "total minus other cells". Never over
		// an actor's dimension, whose cells overlap (see above).
		for _, dim := range []string{"LOCALITY", "STATUS"} {
			groups := map[sliceRange][]sliceRange{}
			for _, c := range all {
				if !grouped(c, dim) {
					continue
				}
				tot := c
				tot.GroupedBy = slices.DeleteFunc(slices.Clone(c.GroupedBy), func(d string) bool { return d == dim })
				// A cell of one period that is the whole range is the
				// same count as the range's total: once each.
				if tr, cr := rangeOf(tot), rangeOf(c); !slices.Contains(groups[tr], cr) {
					groups[tr] = append(groups[tr], cr)
				}
			}
			for total, parts := range groups {
				at.partitions = append(at.partitions, partition{total, parts})
			}
		}
	}
	ask := func(groupBy []string, level, bucket string, from, to *time.Time) {
		askFiltered(groupBy, level, bucket, from, to, nil)
	}
	for _, level := range []string{"REGION", "CERCLE", "COMMUNE"} {
		for _, bucket := range []string{"MONTH", "QUARTER", "YEAR"} {
			for i := 0; i < 3; i++ {
				for j := i + 1; j < 4; j++ {
					ask([]string{"LOCALITY", "STATUS", "PERIOD"}, level, bucket, tm(years[i]), tm(years[j]))
				}
			}
		}
		var bounds []*time.Time
		bounds = append(bounds, nil)
		for _, y := range years {
			bounds = append(bounds, tm(y))
		}
		bounds = append(bounds, nil)
		for i := 0; i < len(bounds)-1; i++ {
			for j := i + 1; j < len(bounds); j++ {
				ask([]string{"LOCALITY", "STATUS"}, level, "YEAR", bounds[i], bounds[j])
			}
		}
	}
	if actors {
		actorFamily(t, srv, askFiltered, tm, years)
	}
	at.solve()

	// Every protected answer: its feasible set, then total minus other
	// cells.
	var sizes, actorSizes []int
	pinned, ownOnly := 0, 0
	byPart := at.partsOf()
	for _, r := range at.protectedRanges() {
		lo, hi := at.feasible(r)
		if f := strings.Fields(r.slice); f[2] != "all" {
			// An actor's value: its incidents are some of the slice's, so
			// its hidden ones at most the slice's hidden and listed ones
			// minus its own listed ones.
			if total := (sliceRange{f[0] + " " + f[1] + " all", r.a, r.b}); at.dist[total.slice] != nil {
				_, thi := at.feasible(total)
				hi = min(hi, thi+at.seen(total)-at.seen(r))
			}
		}
		lo, hi = at.narrow(r, lo, hi, byPart)
		// Absent from the exact answers means 0.
		if n := truth[r] - at.seen(r); exact != nil && (n < lo || n > hi) {
			t.Errorf("attack unsound: %s over atoms [%d,%d) holds %d hidden incidents (%d listed), outside its feasible set %d..%d", r.slice, r.a, r.b, n, at.seen(r), lo, hi)
		}
		size := hi - lo + 1
		sizes = append(sizes, size)
		if !strings.HasSuffix(r.slice, " all") {
			actorSizes = append(actorSizes, size)
		}
		if truth[r] > 0 && truth[r] == at.seen(r) {
			ownOnly++ // every incident of the cell one the role lists
		}
		if size < 2 {
			// Pinned, at the rows it lists or not: a cell whose every
			// incident the role lists is pinned as surely as any other.
			pinned++
			t.Errorf("protected count of %s over atoms [%d,%d) pinned: hidden incidents %d..%d; the role lists %d of its incidents", r.slice, r.a, r.b, lo, hi, at.seen(r))
		}
	}
	sort.Ints(sizes)
	if len(sizes) == 0 {
		t.Fatalf("no protected count in %d queries: the attack attacks nothing", queries)
	}
	hist := map[int]int{}
	for _, s := range sizes {
		hist[min(s, 7)]++
	}
	t.Logf("threshold %d, noise bound %d: %d queries, %d answers, %d protected; feasible set sizes (7 = 7 or more): %v; pinned: %d; protected though the role lists every incident of it: %d",
		at.k, at.d, queries, len(at.answers), len(sizes), hist, pinned, ownOnly)
	if actors {
		hist := map[int]int{}
		n := 0
		for _, s := range actorSizes {
			hist[min(s, 7)]++
			n++
		}
		if n == 0 {
			t.Fatalf("no protected count of an actor's dimension: the actors' attack attacks nothing")
		}
		t.Logf("of which by the actors' dimensions: %d protected; feasible set sizes: %v", n, hist)
	}
}

// loadDemoT loads the demo data and assigns the demo users their roles.
func loadDemoT(t *testing.T, srv *apitest.Server, db *storage.DB) {
	t.Helper()
	ctx := policy.SystemContext(context.Background())
	if _, err := demo.Load(ctx, db.Client); err != nil {
		t.Fatalf("load demo data: %v", err)
	}
	as, err := demo.Assignments(ctx, db.Client)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if err := srv.Assign(context.Background(), a.Subject, a.Role, a.Domain); err != nil {
			t.Fatalf("assign %s: %v", a.Subject, err)
		}
	}
}

// listOwnRows lists every incident the role may read, as an attacker
// would, and counts them by slice and time atom; with actors, also by the
// values of the actors involved it may read (each a lower bound of the
// incidents of that value: the role counts over every actor).
func listOwnRows(t *testing.T, srv *apitest.Server, actors bool) map[string]map[int]int {
	q := `query($after: Cursor) { incidents(first: 100, after: $after) {
	  pageInfo { hasNextPage endCursor }
	  edges { node { occurredAt status locality { id level parent { id level parent { id level } } } } } } }`
	if actors {
		q = strings.Replace(q, "occurredAt status", "occurredAt status involvements { role actor { category gender ageBracket } }", 1)
	}
	type loc struct {
		ID     string
		Level  string
		Parent *loc
	}
	var page struct {
		Incidents struct {
			PageInfo struct {
				HasNextPage bool
				EndCursor   *string
			}
			Edges []struct {
				Node struct {
					OccurredAt   time.Time
					Status       string
					Locality     *loc
					Involvements []struct {
						Role  string
						Actor *struct{ Category, Gender, AgeBracket *string }
					}
				}
			}
		}
	}
	out := map[string]map[int]int{}
	add := func(slice string, atom int) {
		if out[slice] == nil {
			out[slice] = map[int]int{}
		}
		out[slice][atom]++
	}
	var after any
	for {
		srv.Query(t, q, map[string]any{"after": after}).OK(t, &page)
		for _, e := range page.Incidents.Edges {
			n := e.Node
			atom := clampedAtom(n.OccurredAt)
			locs := []string{"all"}
			levels := map[string]bool{}
			for l := n.Locality; l != nil; l = l.Parent {
				locs = append(locs, l.ID)
				levels[l.Level] = true
			}
			for _, lv := range []string{"REGION", "CERCLE", "COMMUNE"} {
				if !levels[lv] {
					locs = append(locs, "none@"+lv)
				}
			}
			acts := []string{"all"}
			for _, d := range actorDimensions {
				seen := map[string]bool{}
				for _, inv := range n.Involvements {
					if inv.Actor == nil || inv.Role != actorRole[d] {
						continue
					}
					v := map[string]*string{"PERPETRATOR_CATEGORY": inv.Actor.Category, "VICTIM_GENDER": inv.Actor.Gender, "VICTIM_AGE_BRACKET": inv.Actor.AgeBracket}[d]
					if v != nil && !seen[*v] {
						seen[*v] = true
						acts = append(acts, d+"="+*v)
					}
				}
			}
			for _, l := range locs {
				for _, a := range acts {
					add(l+" all "+a, atom)
					add(l+" "+n.Status+" "+a, atom)
				}
			}
		}
		if !page.Incidents.PageInfo.HasNextPage {
			break
		}
		after = *page.Incidents.PageInfo.EndCursor
	}
	return out
}
