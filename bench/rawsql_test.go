package bench

import "testing"

// TestReadOnly: the raw-SQL floor replays reads, aggregates' CTEs included,
// and never a statement that writes.
func TestReadOnly(t *testing.T) {
	for _, c := range []struct {
		query string
		want  bool
	}{
		{`SELECT "incidents"."id" FROM "incidents"`, true},
		{`  select 1`, true},
		{`WITH "agg_b0" AS MATERIALIZED (SELECT COUNT(*) FROM "incidents") SELECT * FROM "agg_b0"`, true},
		{`WITH head AS (UPDATE "audit_heads" SET "seq" = $1 RETURNING 1) INSERT INTO "audit_events" ("id") SELECT * FROM (VALUES ($2)) AS v`, false},
		{`INSERT INTO "audit_events" ("id") VALUES ($1)`, false},
		{`UPDATE "audit_heads" SET "seq" = "seq" + 0`, false},
		{`BEGIN`, false},
	} {
		if got := readOnly(c.query); got != c.want {
			t.Errorf("readOnly(%.60q) = %v, want %v", c.query, got, c.want)
		}
	}
}
