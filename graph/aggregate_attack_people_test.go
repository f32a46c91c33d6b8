package graph_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/aggregate"
	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// The people's attack test: the attack of aggregate_attack_test.go (the
// same constraint system, attack's record, solve and feasible) played
// with involvementAggregate. A slice is a locality node (or the people of
// incidents located above a level), a status, a role, a gender and an age
// bracket, each a value or "all". Every one of those dimensions is a
// partition of the involvements (an involvement has one role, its actor
// one gender and one bracket, its incident one status and locality), so
// "total minus other cells" is played over each of them. Into the system
// go: the family's cells and totals (by role, gender and period; the
// victims by age bracket, gender and period; by cercle, role and period;
// by locality, role and gender over every open or closed range of years;
// the same slices through filters of one status, one region or one role,
// and asked again), and the involvements DIHR lists in the incidents it
// reads ("aggregate minus own rows"). Violation types are left out: an
// incident alleging two counts its people under both, no partition.
//
// And DIHR's counts of incidents by the victims' gender and age bracket
// (the actors' family of the incidents' attack: by value, status and
// period; by value, locality and status), each asked with its twin, the
// victims by the same keys: where the coordinator's exact counts show an
// incident cell holds the records of its people cell (as many incidents
// as victims of the value: one each), its answer is a constraint on the
// same hidden count, recorded with the people's (record checks the two
// answers are the same). Cells of incidents with two victims of a value
// count other records and are left out.

// peopleDims are the dimensions of a people slice after its locality, in
// order.
var peopleDims = []string{"STATUS", "ROLE", "GENDER", "AGE_BRACKET"}

// TestInvolvementAggregateAttack plays the people's attack against the demo
// data for DIHR, checked against the coordinator's exact counts.
func TestInvolvementAggregateAttack(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		loadDemoT(t, srv, db)
		playPeopleAttack(t, srv.As(t, "dihr.officer"), srv.As(t, "sory.diakite"))
	})
}

// playPeopleAttack plays the people's attack as srv's role; exact counts
// the same involvements exactly, to check the attack is sound.
func playPeopleAttack(t *testing.T, srv, exact *apitest.Server) {
	at := &attack{d: aggregate.NoiseBound, answers: map[[3]string]int{}, t: t, listed: listOwnPeople(t, srv)}
	truth := map[sliceRange]int{}
	tm := func(y int) *time.Time {
		v := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		return &v
	}
	fam := &peopleFamily{t: t, srv: srv, exact: exact, at: at, truth: truth, dims: peopleDims}
	twinQueries, twinned := 0, 0
	// ask asks one query of the family (peopleFamily.ask). With twin,
	// the victims' query (filter ROLE VICTIM) is also asked as the
	// incidents' twin (incidentTwin), whose answers go into the system
	// where they count the same records.
	ask := func(groupBy []string, level, bucket string, from, to *time.Time, filter map[string]string, twin ...bool) {
		how, vars, rangeOf := fam.ask(groupBy, level, bucket, from, to, filter)
		if len(twin) == 0 || !twin[0] {
			return
		}
		// The incidents' twin: the same slices counted as incidents by
		// the victims' value. A cell whose exact incident count is its
		// people's (one victim of the value per incident: the same
		// records) constrains the same hidden count, and record checks
		// it got the same answer; the other cells count other records.
		if filter["ROLE"] != "VICTIM" {
			t.Fatalf("%s: a twin is a count of victims", how)
		}
		twinQueries++
		incBy := incidentTwin(groupBy)
		incVars := maps.Clone(vars)
		incVars["filter"] = maps.Clone(vars["filter"].(map[string]any))
		delete(incVars["filter"].(map[string]any), "roles")
		exactInc := askAgg(t, exact, aggVars(incBy, incVars))
		gotInc := askAgg(t, srv, aggVars(incBy, incVars))
		exactOf := map[sliceRange]int{}
		for _, c := range slices.Concat(exactInc.IncidentAggregate.Cells, exactInc.IncidentAggregate.Totals) {
			if pc, ok := peopleTwin(c); ok {
				exactOf[rangeOf(pc)] = *c.Count
			}
		}
		for _, c := range slices.Concat(gotInc.IncidentAggregate.Cells, gotInc.IncidentAggregate.Totals) {
			pc, ok := peopleTwin(c)
			if !ok {
				continue
			}
			// The coordinator's answers leave empty cells out: none there
			// is 0, of incidents as of people.
			r := rangeOf(pc)
			if exactOf[r] != truth[r] {
				continue // an incident with two victims of the value: other records
			}
			v := -1
			if !c.Protected {
				v = *c.Count
			}
			twinned++
			at.record("incidents' twin of "+how, r, v)
		}
	}
	years := []int{2021, 2022, 2023, 2024}
	for _, bucket := range []string{"MONTH", "QUARTER", "YEAR"} {
		for i := 0; i < 3; i++ {
			for j := i + 1; j < 4; j++ {
				from, to := tm(years[i]), tm(years[j])
				ask([]string{"ROLE", "GENDER", "PERIOD"}, "REGION", bucket, from, to, nil)
				ask([]string{"AGE_BRACKET", "GENDER", "PERIOD"}, "REGION", bucket, from, to, map[string]string{"ROLE": "VICTIM"})
				ask([]string{"LOCALITY", "ROLE", "PERIOD"}, "CERCLE", bucket, from, to, nil)
			}
		}
	}
	bounds := []*time.Time{nil}
	for _, y := range years {
		bounds = append(bounds, tm(y))
	}
	bounds = append(bounds, nil)
	for _, level := range []string{"REGION", "CERCLE"} {
		for i := 0; i < len(bounds)-1; i++ {
			for j := i + 1; j < len(bounds); j++ {
				ask([]string{"LOCALITY", "ROLE", "GENDER"}, level, "YEAR", bounds[i], bounds[j], nil)
			}
		}
	}
	for i := 0; i < len(bounds)-1; i++ {
		for j := i + 1; j < len(bounds); j++ {
			ask([]string{"LOCALITY", "STATUS", "AGE_BRACKET"}, "COMMUNE", "YEAR", bounds[i], bounds[j], map[string]string{"ROLE": "VICTIM"})
		}
	}
	// The same slices through filters: one status, one region, one role.
	for _, st := range []string{"REPORTED", "UNDER_VERIFICATION", "VERIFIED", "UNSUBSTANTIATED", "REFERRED", "CLOSED"} {
		ask([]string{"ROLE", "GENDER", "PERIOD"}, "REGION", "YEAR", tm(2021), tm(2024), map[string]string{"STATUS": st})
	}
	regions := askPeople(t, srv, aggVars([]string{"LOCALITY"}, map[string]any{"level": "REGION"}))
	for _, c := range regions.InvolvementAggregate.Cells {
		if c.Locality != nil {
			ask([]string{"ROLE", "GENDER", "PERIOD"}, "REGION", "YEAR", tm(2021), tm(2024), map[string]string{"LOCALITY": c.Locality.ID})
		}
	}
	for _, role := range []string{"VICTIM", "WITNESS", "ALLEGED_PERPETRATOR", "SOURCE"} {
		ask([]string{"GENDER", "PERIOD"}, "REGION", "QUARTER", tm(2021), tm(2024), map[string]string{"ROLE": role})
	}
	// The victims' slices DIHR can also count as incidents (by
	// VICTIM_GENDER or VICTIM_AGE_BRACKET), with their twins: by value,
	// status and period for each bucket and whole-year range, by value,
	// locality and status at each level over every open or closed range.
	victim := map[string]string{"ROLE": "VICTIM"}
	for _, d := range []string{"GENDER", "AGE_BRACKET"} {
		for _, bucket := range []string{"MONTH", "QUARTER", "YEAR"} {
			for i := 0; i < 3; i++ {
				for j := i + 1; j < 4; j++ {
					ask([]string{d, "STATUS", "PERIOD"}, "REGION", bucket, tm(years[i]), tm(years[j]), victim, true)
				}
			}
		}
		for _, level := range []string{"REGION", "CERCLE"} {
			for i := 0; i < len(bounds)-1; i++ {
				for j := i + 1; j < len(bounds); j++ {
					ask([]string{d, "LOCALITY", "STATUS"}, level, "YEAR", bounds[i], bounds[j], victim, true)
				}
			}
		}
	}
	// Repeated: the same answers, which record checks.
	ask([]string{"ROLE", "GENDER", "PERIOD"}, "REGION", "MONTH", tm(2021), tm(2022), nil)
	protected, pinned, hist := fam.verdict()
	if twinned == 0 {
		t.Fatalf("no incident answer counts the same records as a count of victims: the twins attack nothing")
	}
	t.Logf("people: threshold %d, noise bound %d: %d queries of people and %d of incidents (their twins), %d answers; %d incident cells counted the records of a people cell and were recorded with it; %d protected; feasible set sizes (7 = 7 or more): %v; pinned: %d",
		at.k, at.d, fam.queries, twinQueries, len(at.answers), twinned, protected, hist, pinned)
}

// incidentTwin is the incidents' grouping of a victims' people grouping:
// GENDER and AGE_BRACKET become the victims' VICTIM_GENDER and
// VICTIM_AGE_BRACKET, the incident's dimensions stay.
func incidentTwin(groupBy []string) []string {
	out := make([]string, len(groupBy))
	for i, d := range groupBy {
		switch d {
		case "GENDER", "AGE_BRACKET":
			out[i] = "VICTIM_" + d
		case "LOCALITY", "STATUS", "PERIOD":
			out[i] = d
		default:
			panic("incidentTwin: no incidents' twin of " + d)
		}
	}
	return out
}

// peopleTwin is an incident cell as the people cell of the same keys
// among the victims; ok is false for a cell not grouped by a victims'
// value (it counts other records than any count of victims).
func peopleTwin(c aggCell) (peopleCell, bool) {
	pc := peopleCell{Locality: c.Locality, Status: c.Status, Period: c.Period, Gender: c.VictimGender, AgeBracket: c.VictimAgeBracket, Count: c.Count, Protected: c.Protected}
	ok := false
	for _, d := range c.GroupedBy {
		if p, twin := strings.CutPrefix(d, "VICTIM_"); twin {
			d, ok = p, true
		}
		pc.GroupedBy = append(pc.GroupedBy, d)
	}
	return pc, ok
}

// listOwnPeople lists every incident the role may read with its
// involvements, as an attacker would, and counts the involvements by
// people slice (see playPeopleAttack) and time atom.
func listOwnPeople(t *testing.T, srv *apitest.Server) map[string]map[int]int {
	out := map[string]map[int]int{}
	for _, p := range listPeopleAll(t, srv) {
		countSlices(out, p.atom(), p.localitySlices(), []string{"all", p.status}, []string{"all", p.role}, []string{"all", p.gender}, []string{"all", p.age})
	}
	return out
}

// peopleFamily is a family of people queries played into one attack: srv
// is the role attacked, exact counts the same involvements exactly (the
// truth, to check the attack is sound), and a slice's dimensions after
// its locality are dims.
type peopleFamily struct {
	t          *testing.T
	srv, exact *apitest.Server
	at         *attack
	truth      map[sliceRange]int
	dims       []string
	queries    int
}

// rfc3339 is p as a variable: RFC 3339, or null.
func rfc3339(p *time.Time) any {
	if p == nil {
		return nil
	}
	return p.Format(time.RFC3339)
}

// ask asks one query as srv and as exact, records srv's cells and totals
// and their partitions (total minus other cells, over the locality and
// each of dims) and returns how it was asked, its variables and the range
// of each of its cells. filter keeps one value of "LOCALITY" (an id),
// "STATUS" or "ROLE", which is then a key of every cell's slice.
func (f *peopleFamily) ask(groupBy []string, level, bucket string, from, to *time.Time, filter map[string]string) (string, map[string]any, func(peopleCell) sliceRange) {
	t, at := f.t, f.at
	f.queries++
	vars := map[string]any{"level": level, "bucket": bucket, "from": rfc3339(from), "to": rfc3339(to)}
	fv := map[string]any{}
	for dim, arg := range map[string]string{"LOCALITY": "localities", "STATUS": "statuses", "ROLE": "roles"} {
		if v, ok := filter[dim]; ok {
			fv[arg] = []string{v}
		}
	}
	vars["filter"] = fv
	a := askPeople(t, f.srv, aggVars(groupBy, vars))
	if th := a.InvolvementAggregate.Threshold; th == nil {
		t.Fatalf("no threshold: the role counts exactly")
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
		for _, d := range f.dims {
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
	exact := askPeople(t, f.exact, aggVars(groupBy, vars))
	for _, c := range append(slices.Clone(exact.InvolvementAggregate.Cells), exact.InvolvementAggregate.Totals...) {
		f.truth[rangeOf(c)] = *c.Count
	}
	how := fmt.Sprintf("people by %v at %s by %s over [%v, %v) filter %v", groupBy, level, bucket, rfc3339(from), rfc3339(to), filter)
	all := append(slices.Clone(a.InvolvementAggregate.Cells), a.InvolvementAggregate.Totals...)
	for _, c := range all {
		v := -1
		if !c.Protected {
			v = *c.Count
		}
		at.record(how, rangeOf(c), v)
	}
	for _, dim := range append([]string{"LOCALITY"}, f.dims...) {
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
	return how, vars, rangeOf
}

// verdict solves the system and checks every protected answer: its
// feasible set narrowed by total minus other cells must hold the true
// hidden count (the attack is sound) and more than one value (not
// pinned). It returns the protected answers, the pinned ones and the
// sizes of the feasible sets (7: 7 or more).
func (f *peopleFamily) verdict() (protected, pinned int, hist map[int]int) {
	t, at := f.t, f.at
	at.solve()
	byPart := at.partsOf()
	hist = map[int]int{}
	for _, r := range at.protectedRanges() {
		lo, hi := at.feasible(r)
		lo, hi = at.narrow(r, lo, hi, byPart)
		if n := f.truth[r] - at.seen(r); n < lo || n > hi {
			t.Errorf("attack unsound: %s over atoms [%d,%d) holds %d hidden involvements (%d listed), outside its feasible set %d..%d", r.slice, r.a, r.b, n, at.seen(r), lo, hi)
		}
		protected++
		size := hi - lo + 1
		hist[min(size, 7)]++
		if size < 2 {
			pinned++
			t.Errorf("protected count of people %s over atoms [%d,%d) pinned: hidden involvements %d..%d; the role lists %d of them", r.slice, r.a, r.b, lo, hi, at.seen(r))
		}
	}
	if protected == 0 {
		t.Fatalf("no protected count in %d queries: the attack attacks nothing", f.queries)
	}
	return protected, pinned, hist
}
