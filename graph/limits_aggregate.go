package graph

import (
	"github.com/vektah/gqlparser/v2/ast"
)

// Aggregate fields return few objects (their cells) but each runs one SQL
// statement that scans every row of its type the viewer may count, once
// per grouping set (a UNION ALL of 2^len(groupBy) GROUP BYs: the cells and
// each of their margins). Counting them as their cells alone let ten
// aliased incidentAggregate calls of four dimensions (160 full scans) run
// into the request timeout instead of being refused. Each grouping set of
// an aggregate therefore costs aggregateScanCost[field] objects on top of
// its cells (which cost what they select, like any field).
//
// Measured on PostgreSQL 16 with `benkan seed --synthetic 10000` (10,000
// incidents, 200 activities, 50 recommendations), on the shared 2-CPU
// machine at a load average of 20, so slow: a grouping set of incidents by
// cercle (three joins of the locality tree) takes 55 ms, by status 7 ms,
// an activity set by kind 0.2–0.9 ms. The statements are full scans,
// linear in the rows: at the 1,000,000 incidents of the benchmark dataset
// a set by cercle is about 100 times slower (BENCHMARKS.md has the quiet
// figures of the bench harness's aggregate operations). A set of
// incidents costs 6,000, so that a request at the default MaxCost of
// 100,000 runs at most 16 of them: one aggregate of four dimensions (16
// sets, 96,000), four of two (24,000 each) or eight of one (12,000 each).
// Ten aliased aggregates of two dimensions (240,000), or five, or two of
// four, are refused up front with COMPLEXITY_LIMIT_EXCEEDED. A set of
// activities or recommendations, some 50 and 200 times fewer rows than
// incidents, costs 200: a dashboard may ask for many of them.
var aggregateScanCost = map[string]int{
	"incidentAggregate":       6_000,
	"involvementAggregate":    6_000, // involvements: three per incident, joined to them
	"activityAggregate":       200,
	"recommendationAggregate": 200,
}

// aggregateCost returns the cost of the statement of an aggregate field f
// (0 for any other field): its grouping sets times the scan cost.
func (w selectionWalk) aggregateCost(f *ast.Field) int {
	if f.ObjectDefinition == nil || f.ObjectDefinition.Name != "Query" {
		return 0
	}
	scan, ok := aggregateScanCost[f.Name]
	if !ok {
		return 0
	}
	dims := 0
	if list, ok := f.ArgumentMap(w.oc.Variables)["groupBy"].([]any); ok {
		dims = len(list)
	}
	sets := 1
	for range min(dims, 30) {
		sets = satMul(sets, 2)
	}
	return satMul(sets, scan)
}
