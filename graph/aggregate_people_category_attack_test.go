package graph_test

import (
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
		fam := &peopleFamily{t: t, srv: dihr, exact: coord, at: at, truth: truth, dims: categoryDims}
		ask := func(groupBy []string, level, bucket string, from, to *time.Time, filter map[string]string) {
			fam.ask(groupBy, level, bucket, from, to, filter)
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
		protected, pinned, hist := fam.verdict()
		t.Logf("people by category: %d queries, %d answers, %d protected; feasible set sizes (7 = 7 or more): %v; pinned: %d", fam.queries, len(at.answers), protected, hist, pinned)
	})
}

// listCategoryPeople lists every incident srv reads with its
// involvements, and counts them by category slice and time atom.
func listCategoryPeople(t *testing.T, srv *apitest.Server) map[string]map[int]int {
	t.Helper()
	out := map[string]map[int]int{}
	for _, p := range listPeopleAll(t, srv) {
		countSlices(out, p.atom(), p.localitySlices(), []string{"all", p.status}, []string{"all", p.role}, []string{"all", p.category})
	}
	return out
}
