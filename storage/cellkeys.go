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

// cellKeyBatch is how many rows one UPDATE gives keys to: two parameters
// each, well under SQLite's 32766 and PostgreSQL's 65535.
const cellKeyBatch = 2000

// cellKeyTables are the tables of the rows that carry cell keys
// (schema.CellKeyMixin): the incidents only. An involvement is counted
// with its incident's key (package aggregate) and has none of its own; a
// database migrated before keeps its involvements.cell_key column (the
// migration drops no column), NOT NULL DEFAULT 0, which new rows fill
// with 0 and nothing reads.
var cellKeyTables = []string{incident.Table}

// fillCellKeys gives a random cell key (schema.CellKeyMixin) to every row
// that has none yet: the migration that added the column left 0 in the
// rows already there. A key is drawn from crypto/rand, as for a new row.
// A row whose drawn key was 0 gets another: harmless, since 0 is as
// likely as any key and keys are never read but summed.
//
// A table is walked once, in the order of its primary key, from the last
// id of the batch before (keyset pagination): asking each time for "the
// first rows without a key" would scan again, batch after batch, the rows
// already given one, quadratic in the table. A table whose rows all have
// keys, the usual case at start-up, costs one probe.
//
// Filling a table rewrites every row of it: on PostgreSQL each UPDATE
// leaves a dead version of the row behind, and the planner's statistics
// are those of before. A table that got keys is then vacuumed and
// analyzed at once, rather than served twice its size with stale
// statistics until autovacuum comes by (at a million incidents, the
// monitor's feed of 200 ran past its deadline in the meantime).
func (db *DB) fillCellKeys(ctx context.Context) error {
	for _, table := range cellKeyTables {
		filled, err := db.fillCellKeysOf(ctx, table)
		if err != nil {
			return fmt.Errorf("fill the cell keys of %s: %w", table, err)
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

// fillCellKeysOf fills the keys of one table and returns how many rows got
// one.
func (db *DB) fillCellKeysOf(ctx context.Context, table string) (int, error) {
	var one int
	err := db.SQL.QueryRowContext(ctx, fmt.Sprintf("SELECT COUNT(*) FROM (SELECT 1 FROM %s WHERE cell_key = 0 LIMIT 1) AS t", table)).Scan(&one)
	if err != nil || one == 0 {
		return 0, err
	}
	filled, after := 0, ""
	for {
		ids, err := db.keylessAfter(ctx, table, after)
		if err != nil {
			return filled, err
		}
		if len(ids) == 0 {
			return filled, nil
		}
		if err := db.setCellKeys(ctx, table, ids); err != nil {
			return filled, err
		}
		filled += len(ids)
		if len(ids) < cellKeyBatch {
			return filled, nil
		}
		after = ids[len(ids)-1]
	}
}

// arg is the placeholder of the i-th argument (from 1) in db's dialect.
func (db *DB) arg(i int) string {
	if db.Dialect == dialect.Postgres {
		return fmt.Sprintf("$%d", i)
	}
	return "?"
}

// keylessAfter returns the ids, after after in id order, of at most
// cellKeyBatch rows of table without a key.
func (db *DB) keylessAfter(ctx context.Context, table, after string) ([]string, error) {
	q := fmt.Sprintf("SELECT id FROM %s WHERE id > %s AND cell_key = 0 ORDER BY id LIMIT %d", table, db.arg(1), cellKeyBatch)
	rows, err := db.SQL.QueryContext(ctx, q, after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// setCellKeys gives each row of ids a key from crypto/rand, in one UPDATE
// joined to the list of (id, key) pairs (UPDATE … FROM, PostgreSQL and
// SQLite 3.33; a VALUES list's columns are column1, column2 in both).
func (db *DB) setCellKeys(ctx context.Context, table string, ids []string) error {
	var b strings.Builder
	args := make([]any, 0, 2*len(ids))
	fmt.Fprintf(&b, "UPDATE %s SET cell_key = v.column2 FROM (VALUES ", table)
	for i, id := range ids {
		var k [4]byte
		if _, err := rand.Read(k[:]); err != nil {
			return err
		}
		if i > 0 {
			b.WriteString(", ")
		}
		args = append(args, id, int64(binary.BigEndian.Uint32(k[:])))
		fmt.Fprintf(&b, "(%s, CAST(%s AS BIGINT))", db.arg(len(args)-1), db.arg(len(args)))
	}
	fmt.Fprintf(&b, ") AS v WHERE %s.id = v.column1", table)
	_, err := db.SQL.ExecContext(ctx, b.String(), args...)
	return err
}
