package graph_test

import (
	"testing"
	"time"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/incident"
)

// The actors' part of the attack test (see aggregate_attack_test.go).

// actorDimensions are the dimensions of the actors involved.
var actorDimensions = []string{"PERPETRATOR_CATEGORY", "VICTIM_GENDER", "VICTIM_AGE_BRACKET"}

// actorRole is the role of the involvements each dimension counts by.
var actorRole = map[string]string{"PERPETRATOR_CATEGORY": "ALLEGED_PERPETRATOR", "VICTIM_GENDER": "VICTIM", "VICTIM_AGE_BRACKET": "VICTIM"}

// actorKey is a cell's key of the actors' dimension d.
func actorKey(c aggCell, d string) string {
	v := map[string]*string{"PERPETRATOR_CATEGORY": c.PerpetratorCategory, "VICTIM_GENDER": c.VictimGender, "VICTIM_AGE_BRACKET": c.VictimAgeBracket}[d]
	if v == nil {
		return "-"
	}
	return *v
}

// askFunc asks one query of the attack's family (see playAttack).
type askFunc func(groupBy []string, level, bucket string, from, to *time.Time, filter map[string]string)

// actorFamily asks, for each dimension of the actors: by the dimension,
// status and period for each bucket and whole-year range; by the
// dimension, locality and status for the regions and cercles over every
// open or closed range of years; the same slices through a filter of one
// status and of one region instead of a key; and the first of those
// queries again.
func actorFamily(t *testing.T, srv *apitest.Server, ask askFunc, tm func(int) *time.Time, years []int) {
	t.Helper()
	regions := askAgg(t, srv, aggVars([]string{"LOCALITY"}, map[string]any{"level": "REGION"}))
	var regionIDs []string
	for _, c := range regions.IncidentAggregate.Cells {
		if c.Locality != nil {
			regionIDs = append(regionIDs, c.Locality.ID)
		}
	}
	if len(regionIDs) == 0 {
		t.Fatalf("no region in the grid")
	}
	bounds := []*time.Time{nil}
	for _, y := range years {
		bounds = append(bounds, tm(y))
	}
	bounds = append(bounds, nil)
	for _, d := range actorDimensions {
		for _, bucket := range []string{"MONTH", "QUARTER", "YEAR"} {
			for i := 0; i < len(years)-1; i++ {
				for j := i + 1; j < len(years); j++ {
					ask([]string{d, "STATUS", "PERIOD"}, "REGION", bucket, tm(years[i]), tm(years[j]), nil)
				}
			}
		}
		for _, level := range []string{"REGION", "CERCLE"} {
			for i := 0; i < len(bounds)-1; i++ {
				for j := i + 1; j < len(bounds); j++ {
					ask([]string{d, "LOCALITY", "STATUS"}, level, "YEAR", bounds[i], bounds[j], nil)
				}
			}
		}
		for _, st := range []incident.Status{incident.StatusREPORTED, incident.StatusUNDER_VERIFICATION, incident.StatusVERIFIED,
			incident.StatusUNSUBSTANTIATED, incident.StatusREFERRED, incident.StatusCLOSED} {
			ask([]string{d, "PERIOD"}, "REGION", "YEAR", tm(years[0]), tm(years[len(years)-1]), map[string]string{"status": string(st)})
		}
		for _, r := range regionIDs {
			ask([]string{d, "PERIOD"}, "REGION", "YEAR", tm(years[0]), tm(years[len(years)-1]), map[string]string{"locality": r})
		}
		// Repeated: the same answers, which record checks.
		ask([]string{d, "STATUS", "PERIOD"}, "REGION", "MONTH", tm(years[0]), tm(years[1]), nil)
	}
}
