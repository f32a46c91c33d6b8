package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// The two counts' consistency test: a count of incidents by an actors'
// dimension of the victims (VICTIM_GENDER, VICTIM_AGE_BRACKET) and a count
// of people by the same field of their actors (GENDER, AGE_BRACKET) with
// roles [VICTIM] count the same records wherever each incident of the cell
// has exactly one victim of that value: they are then the same true number
// of the same incidents, and under the cell key method the same answer, or
// a partner intersecting the two noisy answers narrows, or pins, it.
//
// Which cells those are is read from the coordinator's exact answers: an
// incident cell grouped by the victims' value v counts the incidents with
// at least one victim of v, the people cell of the same keys every victim
// of v of those same incidents (no more: an involvement's incident is in
// the slice of its cell), so that the people count is the incident count
// plus the victims of v beyond the first of each incident, and the two
// counts are equal exactly when each of those incidents has one victim of
// v. Margins not grouped by the victims' value count other records (the
// incidents without a victim, the people of other roles) and are left out.

// consistencyPair is an incident grouping and the people grouping that
// counts the same records where each incident has one victim of a value.
type consistencyPair struct {
	incidents, people []string
	level, bucket     string
}

// peopleOf names, for an incident dimension, the people dimension of the
// same field (the victims' value of the actors, the incident's others).
var peopleOf = map[string]string{"VICTIM_GENDER": "GENDER", "VICTIM_AGE_BRACKET": "AGE_BRACKET"}

// incidentCellKey names an incident cell by its keys under the people
// dimensions' names; ok is false for a cell not grouped by a victims'
// value.
func incidentCellKey(c aggCell) (string, bool) {
	var parts []string
	ok := false
	for _, d := range c.GroupedBy {
		v := "-"
		switch d {
		case "VICTIM_GENDER", "VICTIM_AGE_BRACKET":
			ok = true
			v = actorKey(c, d)
		case "LOCALITY":
			if c.Locality != nil {
				v = c.Locality.ID
			}
		case "STATUS":
			if c.Status != nil {
				v = *c.Status
			}
		case "PERIOD":
			if c.Period != nil {
				v = c.Period.Start.Format("2006-01")
			}
		default:
			panic("consistency: an incident dimension without a people twin: " + d)
		}
		if p, twin := peopleOf[d]; twin {
			d = p
		}
		parts = append(parts, d+"="+v)
	}
	return strings.Join(parts, " "), ok
}

// peopleCellKey names a people cell as incidentCellKey does.
func peopleCellKey(c peopleCell) (string, bool) {
	var parts []string
	ok := false
	for _, d := range c.GroupedBy {
		v := c.key(d)
		switch d {
		case "GENDER", "AGE_BRACKET":
			ok = true
		case "LOCALITY":
			v = "-"
			if c.Locality != nil {
				v = c.Locality.ID
			}
		}
		parts = append(parts, d+"="+v)
	}
	return strings.Join(parts, " "), ok
}

// publishedIncidents maps the incident cells grouped by a victims' value
// by key to the published count (-1: protected).
func publishedIncidents(a aggAnswer) map[string]int {
	out := map[string]int{}
	for _, c := range slices.Concat(a.IncidentAggregate.Cells, a.IncidentAggregate.Totals) {
		if k, ok := incidentCellKey(c); ok {
			out[k] = -1
			if !c.Protected {
				out[k] = *c.Count
			}
		}
	}
	return out
}

// publishedPeople is publishedIncidents of a count of people.
func publishedPeople(a peopleAnswer) map[string]int {
	out := map[string]int{}
	for _, c := range slices.Concat(a.InvolvementAggregate.Cells, a.InvolvementAggregate.Totals) {
		if k, ok := peopleCellKey(c); ok {
			out[k] = -1
			if !c.Protected {
				out[k] = *c.Count
			}
		}
	}
	return out
}

// TestAggregateIncidentsPeopleConsistent: on the demo data, wherever the
// coordinator's exact counts show that an incident cell by the victims'
// gender or age bracket (alone, by locality at every level, by status, by
// quarter; over all time and each year) and the people cell of the same
// keys among the victims hold the same incidents, one victim of the value
// each, DIHR gets the same answer from both: the same published value, or
// both protected. The people's cells are then the incidents' cells under
// another name, and the same records give the same answer however asked.
func TestAggregateIncidentsPeopleConsistent(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		loadDemoT(t, srv, db)
		dihr, coord := srv.As(t, "dihr.officer"), srv.As(t, "sory.diakite")
		var pairs []consistencyPair
		for _, d := range []string{"VICTIM_GENDER", "VICTIM_AGE_BRACKET"} {
			p := peopleOf[d]
			pairs = append(pairs,
				consistencyPair{[]string{d}, []string{p}, "CERCLE", "YEAR"},
				consistencyPair{[]string{"STATUS", d}, []string{"STATUS", p}, "CERCLE", "YEAR"},
				consistencyPair{[]string{"PERIOD", d}, []string{"PERIOD", p}, "CERCLE", "QUARTER"},
			)
			for _, level := range []string{"REGION", "CERCLE", "COMMUNE"} {
				pairs = append(pairs, consistencyPair{[]string{"LOCALITY", d}, []string{"LOCALITY", p}, level, "YEAR"})
			}
		}
		ranges := []map[string]any{{}}
		for y := 2021; y <= 2023; y++ {
			ranges = append(ranges, map[string]any{"from": fmt.Sprintf("%d-01-01T00:00:00Z", y), "to": fmt.Sprintf("%d-01-01T00:00:00Z", y+1)})
		}
		matched, published, differ := 0, 0, 0
		for _, p := range pairs {
			for _, r := range ranges {
				if slices.Contains(p.incidents, "PERIOD") && len(r) == 0 {
					continue // a period needs a range
				}
				how := fmt.Sprintf("by %v / %v at %s by %s over %v", p.incidents, p.people, p.level, p.bucket, r)
				opts := map[string]any{"level": p.level, "bucket": p.bucket}
				incVars := aggVars(p.incidents, opts, r)
				pplVars := aggVars(p.people, opts, r, victims)
				exactInc, exactPpl := publishedIncidents(askAgg(t, coord, incVars)), publishedPeople(askPeople(t, coord, pplVars))
				gotInc, gotPpl := publishedIncidents(askAgg(t, dihr, incVars)), publishedPeople(askPeople(t, dihr, pplVars))
				for key, n := range exactInc {
					m, ok := exactPpl[key]
					if !ok {
						t.Fatalf("%s: the coordinator's people have no cell %q", how, key)
					}
					if n < 0 || m < 0 {
						t.Fatalf("%s: the coordinator's cell %q protected", how, key)
					}
					if n != m {
						continue // some incident has two victims of the value: other records
					}
					matched++
					gi, gp := gotInc[key], gotPpl[key]
					if gi != -1 {
						published++
					}
					if gi != gp {
						differ++
						t.Errorf("%s: %q holds %d incidents with one victim each, the same records: DIHR's incidents %d, people %d (-1: protected): want the same answer", how, key, n, gi, gp)
					}
				}
			}
		}
		t.Logf("%d cells matched, of which %d published to DIHR; %d answered differently", matched, published, differ)
		// The test must be able to fail: enough cells matched, and some
		// published, whose values two independent noises would split.
		if matched < 100 || published < 20 {
			t.Fatalf("%d cells matched, %d published: too few to tell consistent answers from chance", matched, published)
		}
	})
}
