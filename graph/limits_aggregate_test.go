package graph_test

import (
	"testing"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestAggregateCost: an aggregate costs its grouping sets (graph's
// aggregateScanCost), so that many aliased aggregates, which each scan
// the counted rows once per set, are refused up front with
// COMPLEXITY_LIMIT_EXCEEDED instead of running into the request timeout,
// while a dashboard's few aggregates are served.
func TestAggregateCost(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		inc := func(dims string) string {
			return "incidentAggregate(groupBy: [" + dims + "]) { totals { count } }"
		}
		cases := []struct {
			name  string
			query string
			vars  map[string]any
			code  string
		}{
			{"one aggregate of four dimensions", `{ incidentAggregate(groupBy: [LOCALITY, STATUS, VIOLATION_TYPE, PERIOD], from: "2023-01-01T00:00:00Z", to: "2024-01-01T00:00:00Z") { totals { count } } }`, nil, ""},
			{"four aggregates of two dimensions", "{ " + repeat(4, "a%d: "+inc("LOCALITY, STATUS"), " ") + " }", nil, ""},
			{"five aggregates of two dimensions", "{ " + repeat(5, "a%d: "+inc("LOCALITY, STATUS"), " ") + " }", nil, benkan.ETOOCOMPLEX},
			{"ten aggregates of two dimensions", "{ " + repeat(10, "a%d: "+inc("LOCALITY, STATUS"), " ") + " }", nil, benkan.ETOOCOMPLEX},
			{"nine aggregates of one dimension", "{ " + repeat(9, "a%d: "+inc("STATUS"), " ") + " }", nil, benkan.ETOOCOMPLEX},
			{"ten aggregates of one dimension", "{ " + repeat(10, "a%d: "+inc("STATUS"), " ") + " }", nil, benkan.ETOOCOMPLEX},
			{"eight aggregates of one dimension", "{ " + repeat(8, "a%d: "+inc("STATUS"), " ") + " }", nil, ""},
			{"ten aggregates, dimensions in a variable", "query($g: [IncidentDimension!]!) { " + repeat(10, "a%d: incidentAggregate(groupBy: $g) { totals { count } }", " ") + " }",
				map[string]any{"g": []string{"LOCALITY", "STATUS"}}, benkan.ETOOCOMPLEX},
			{"two aggregates of four dimensions", "{ " + repeat(2, "a%d: "+inc("LOCALITY, STATUS, VIOLATION_TYPE, PERIOD"), " ") + " }", nil, benkan.ETOOCOMPLEX},
			{"five activity and five recommendation aggregates of two dimensions", "{ " +
				repeat(5, "a%d: activityAggregate(groupBy: [KIND, LOCALITY]) { totals { count } }", " ") + " " +
				repeat(5, "r%d: recommendationAggregate(groupBy: [STATUS, ADDRESSEE]) { totals { count } }", " ") + " }", nil, ""},
			{"an activity aggregate with an incident aggregate of four dimensions", "{ a: activityAggregate(groupBy: [KIND, LOCALITY, PERIOD]) { totals { count } } " +
				"b: " + inc("LOCALITY, STATUS, VIOLATION_TYPE, PERIOD") + " c: " + inc("LOCALITY, STATUS") + " }", nil, benkan.ETOOCOMPLEX},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := srv.Query(t, tc.query, tc.vars)
				if tc.code == "" {
					r.OK(t, nil)
				} else {
					wantLimit(t, r, tc.code, 0)
				}
			})
		}
	})
}
