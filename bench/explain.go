package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
)

// explain writes EXPLAIN (ANALYZE, BUFFERS) of every read statement the
// server issued, per operation and role: how the indexes of ent/schema are
// chosen (see BENCHMARKS.md).
func explain(ctx context.Context, db *sql.DB, w io.Writer, rep *Report) error {
	for _, r := range rep.Results {
		if r.Mode != ModeServer {
			continue
		}
		stmts, _ := replayable(r.Statements)
		for i, s := range stmts {
			fmt.Fprintf(w, "-- %s as %s, statement %d of %d\n%s\n-- args: %v\n", r.Operation, r.Role, i+1, len(stmts), s.Query, s.Args)
			rows, err := db.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+s.Query, s.Args...)
			if err != nil {
				return fmt.Errorf("explain %s as %s: %w", r.Operation, r.Role, err)
			}
			var plan []string
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					rows.Close()
					return err
				}
				plan = append(plan, line)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			fmt.Fprintf(w, "%s\n\n", strings.Join(plan, "\n"))
		}
	}
	return nil
}
