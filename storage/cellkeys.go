package storage

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strings"

	"entgo.io/ent/dialect"

	"github.com/benkan-project/benkan/ent/incident"
)

// cellKeyBatch is how many rows one UPDATE gives keys to.
const cellKeyBatch = 500

// fillCellKeys gives a random cell key (schema.CellKeyMixin) to every row
// that has none yet: the migration that added the column left 0 in the
// rows already there. A key is drawn from crypto/rand, as for a new row.
// A row whose drawn key was 0 gets another: harmless, since 0 is as
// likely as any key and keys are never read but summed.
//
// Filling a table rewrites every row of it: on PostgreSQL each UPDATE
// leaves a dead version of the row behind, and the planner's statistics
// are those of before. A table that got keys is then vacuumed and
// analyzed at once, rather than served twice its size with stale
// statistics until autovacuum comes by (at a million incidents, the
// monitor's feed of 200 ran past its deadline in the meantime).
func (db *DB) fillCellKeys(ctx context.Context) error {
	for _, table := range []string{incident.Table} {
		filled := 0
		for {
			n, err := db.fillCellKeyBatch(ctx, table)
			if err != nil {
				return fmt.Errorf("fill the cell keys of %s: %w", table, err)
			}
			filled += n
			if n < cellKeyBatch {
				break
			}
		}
		if filled == 0 {
			continue
		}
		stmt := "ANALYZE " + table
		if db.Dialect == dialect.Postgres {
			stmt = "VACUUM (ANALYZE) " + table
		}
		if _, err := db.SQL.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("after filling the cell keys of %s: %s: %w", table, stmt, err)
		}
	}
	return nil
}

func (db *DB) fillCellKeyBatch(ctx context.Context, table string) (int, error) {
	rows, err := db.SQL.QueryContext(ctx, fmt.Sprintf("SELECT id FROM %s WHERE cell_key = 0 LIMIT %d", table, cellKeyBatch))
	if err != nil {
		return 0, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return 0, err
	}
	arg := func(i int) string {
		if db.Dialect == dialect.Postgres {
			return fmt.Sprintf("$%d", i)
		}
		return "?"
	}
	var b strings.Builder
	var args []any
	fmt.Fprintf(&b, "UPDATE %s SET cell_key = CASE id", table)
	for _, id := range ids {
		var k [4]byte
		if _, err := rand.Read(k[:]); err != nil {
			return 0, err
		}
		args = append(args, id, int64(binary.BigEndian.Uint32(k[:])))
		fmt.Fprintf(&b, " WHEN %s THEN %s", arg(len(args)-1), arg(len(args)))
	}
	b.WriteString(" ELSE cell_key END WHERE id IN (")
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		args = append(args, id)
		b.WriteString(arg(len(args)))
	}
	b.WriteString(")")
	if _, err := db.SQL.ExecContext(ctx, b.String(), args...); err != nil {
		return 0, err
	}
	return len(ids), nil
}
