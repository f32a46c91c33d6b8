// Package aggregate counts rows in SQL for partner dashboards, under the
// viewer's row filters for the action aggregate (policy.ActionAggregate),
// and publishes the counts of a role under disclosure control when the
// policy declares it (protected(K), see policy.Viewer.Protection).
//
// Counting: one SQL statement per aggregate, never loading a row. The
// incidents are scanned once, in a MATERIALIZED CTE grouped by the finest
// keys of the query's single-valued dimensions, carrying the count and the
// sum of the cell keys modulo 2^32, both additive; every grouping set (the
// cells and each of their margins) is a re-aggregation of that scan's
// groups, and the statement a UNION ALL of them. Grouping sets holding a
// multi-valued dimension (violation types) read a second scan, joined to
// the violation types, where an incident alleging two types is two rows,
// so that a cell by type counts it once per type while a total that is not
// grouped by type, read from the first scan, counts it once (GROUP BY
// GROUPING SETS over that join would count it several times in the
// totals). See statement.go. Counts of people (Involvements) are the same
// statement over the incidents joined to their involvements and actors,
// one row per involvement, each counted with its incident's cell key: a
// people cell holding one involvement per incident is then the incident
// cell of those incidents and gets its answer.
//
// Disclosure control is the cell key method of the Australian Bureau of
// Statistics' TableBuilder and of the ONS for the 2021 census: every
// incident carries a random 32-bit key (schema.CellKeyMixin), and an
// involvement counts with its incident's; a cell's
// key is the sum of its rows' keys modulo 2^32, computed in SQL with the
// count; the noise added to the count is a fixed function of the cell key
// and the count (Noise). The same rows therefore always get the same
// answer, however they were asked for (other groupings, other filters,
// repeated queries), and a total is a cell of its own rows, with its own
// noise: subtracting the other cells from it gives a noisy number. Counts
// under the threshold K, and noisy counts that would fall under it, are
// not published (Publish). Date ranges of a protected role are whole
// calendar years and its localities whole nodes of the tree (Grid): no two
// answers differ by a few days or a few villages. The README ("Counts and
// aggregates") says what this guarantees and what it does not.
package aggregate
