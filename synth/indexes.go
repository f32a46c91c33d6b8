package synth

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"

	"github.com/lib/pq"
)

// bulkRows is the size from which a table's foreign keys and secondary
// indexes are dropped before COPY and recreated after it.
const bulkRows = 1000

// ddl is an index or a constraint set aside: the statement that drops it
// and the one that recreates it exactly, from the database's definition.
type ddl struct {
	name, drop, create string
}

// asideSet is what was set aside: indexes first, then foreign keys, in the
// order to recreate them.
type asideSet []ddl

// pgSetAside drops the foreign keys and the secondary indexes (all but the
// primary keys) of tables, in the transaction, and returns how to recreate
// them exactly, from PostgreSQL's own definitions. Unique indexes and
// constraints are recreated too, so uniqueness is still checked: by
// building the index. An index a foreign key depends on is left in place.
func pgSetAside(ctx context.Context, tx *sql.Tx, tables []string) (asideSet, error) {
	if len(tables) == 0 {
		return nil, nil
	}
	const rels = `SELECT to_regclass(t) FROM unnest($1::text[]) AS t`
	var out asideSet
	// Indexes that back no primary key, unique or exclusion constraint of
	// the table, and that no foreign key uses.
	rows, err := tx.QueryContext(ctx, `
		SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
		FROM pg_index i
		WHERE i.indrelid IN (`+rels+`)
		  AND NOT i.indisprimary
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype = 'f')
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
		ORDER BY 1`, pq.Array(tables))
	if err != nil {
		return nil, fmt.Errorf("synth: list indexes: %w", err)
	}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, fmt.Errorf("synth: list indexes: %w", err)
		}
		out = append(out, ddl{name: name, drop: "DROP INDEX " + name, create: def})
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("synth: list indexes: %w", err)
	}
	// Unique constraints (not referenced by a foreign key), then foreign
	// keys of the tables.
	rows, err = tx.QueryContext(ctx, `
		SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
		FROM pg_constraint c
		WHERE c.conrelid IN (`+rels+`)
		  AND (c.contype = 'f' OR (c.contype = 'u' AND NOT EXISTS (
		       SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)))
		ORDER BY c.contype DESC, 1, 2`, pq.Array(tables))
	if err != nil {
		return nil, fmt.Errorf("synth: list constraints: %w", err)
	}
	for rows.Next() {
		var table, name, def string
		if err := rows.Scan(&table, &name, &def); err != nil {
			rows.Close()
			return nil, fmt.Errorf("synth: list constraints: %w", err)
		}
		q := pq.QuoteIdentifier(name)
		out = append(out, ddl{
			name:   name,
			drop:   fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT %s", table, q),
			create: fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s %s", table, q, def),
		})
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("synth: list constraints: %w", err)
	}
	// Drop foreign keys before the indexes they might use.
	for i := len(out) - 1; i >= 0; i-- {
		if _, err := tx.ExecContext(ctx, out[i].drop); err != nil {
			return nil, fmt.Errorf("synth: drop %s: %w", out[i].name, err)
		}
	}
	return out, nil
}

// sqliteSetAside drops the secondary indexes of tables (SQLite cannot drop
// a foreign key, and its automatic indexes of primary keys and unique
// columns have no definition to drop) and returns how to recreate them.
func sqliteSetAside(ctx context.Context, tx *sql.Tx, tables []string) (asideSet, error) {
	if len(tables) == 0 {
		return nil, nil
	}
	args := make([]any, len(tables))
	for i, t := range tables {
		args[i] = t
	}
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master
		WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (?`+strings.Repeat(", ?", len(tables)-1)+`)
		ORDER BY name`, args...)
	if err != nil {
		return nil, fmt.Errorf("synth: list indexes: %w", err)
	}
	var out asideSet
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, fmt.Errorf("synth: list indexes: %w", err)
		}
		out = append(out, ddl{name: name, drop: "DROP INDEX " + quoteSQLite(name), create: def})
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("synth: list indexes: %w", err)
	}
	for _, d := range out {
		if _, err := tx.ExecContext(ctx, d.drop); err != nil {
			return nil, fmt.Errorf("synth: drop %s: %w", d.name, err)
		}
	}
	return out, nil
}

func quoteSQLite(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// restore recreates what was set aside, indexes before foreign keys,
// after running settings (e.g. memory for sorts, for this transaction).
func (s asideSet) restore(ctx context.Context, tx *sql.Tx, progress io.Writer, settings ...string) error {
	if len(s) == 0 {
		return nil
	}
	for _, set := range settings {
		if _, err := tx.ExecContext(ctx, set); err != nil {
			return fmt.Errorf("synth: %s: %w", set, err)
		}
	}
	b := newBar(progress, "indexes, foreign keys", len(s))
	b.unit = "statements"
	for i, d := range s {
		b.draw(i)
		if _, err := tx.ExecContext(ctx, d.create); err != nil {
			return fmt.Errorf("synth: recreate %s: %w", d.name, err)
		}
	}
	b.done(len(s))
	return nil
}
