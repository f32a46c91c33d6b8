package synth

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lib/pq"
)

// writer writes tables in a transaction.
type writer interface {
	write(ctx context.Context, tx *sql.Tx, tables []*table, progress io.Writer, res *Result) error
}

// pgWriter writes each table with one COPY.
type pgWriter struct{}

func (pgWriter) write(ctx context.Context, tx *sql.Tx, tables []*table, progress io.Writer, res *Result) error {
	// Checking foreign keys row by row and inserting into secondary indexes
	// in random order make COPY several times slower than building them
	// once at the end: set them aside for the bulk tables.
	var bulk []string
	for _, t := range tables {
		if t.n >= bulkRows {
			bulk = append(bulk, t.name)
		}
	}
	start := time.Now()
	aside, err := pgSetAside(ctx, tx, bulk)
	if err != nil {
		return err
	}
	res.Durations["(drop indexes and foreign keys)"] = time.Since(start)
	for _, t := range tables {
		start := time.Now()
		if err := copyTable(ctx, tx, t, newBar(progress, t.name, t.n)); err != nil {
			return err
		}
		res.Counts[t.name] = t.n
		res.Durations[t.name] = time.Since(start)
	}
	// Building an index and validating a foreign key sort or hash the
	// whole table once: give them memory, for this transaction only.
	start = time.Now()
	err = aside.restore(ctx, tx, progress,
		"SET LOCAL maintenance_work_mem = '512MB'",
		"SET LOCAL work_mem = '256MB'")
	if err != nil {
		return err
	}
	res.Durations["(recreate indexes and foreign keys)"] = time.Since(start)

	// Planner statistics now, rather than when autovacuum gets to it,
	// possibly in the middle of the first measurements.
	start = time.Now()
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = pq.QuoteIdentifier(t.name)
	}
	b := newBar(progress, "analyze", 1)
	b.unit = "statements"
	if _, err := tx.ExecContext(ctx, "ANALYZE "+strings.Join(names, ", ")); err != nil {
		return fmt.Errorf("synth: analyze: %w", err)
	}
	b.done(1)
	res.Durations["(analyze)"] = time.Since(start)
	return nil
}

// copySQL is the COPY statement of t.
func copySQL(t *table) string {
	cols := make([]string, len(t.cols))
	for i, c := range t.cols {
		cols[i] = pq.QuoteIdentifier(c)
	}
	return fmt.Sprintf("COPY %s (%s) FROM STDIN", pq.QuoteIdentifier(t.name), strings.Join(cols, ", "))
}

func copyTable(ctx context.Context, tx *sql.Tx, t *table, bar *bar) error {
	stmt, err := tx.PrepareContext(ctx, copySQL(t))
	if err != nil {
		return fmt.Errorf("synth: copy %s: %w", t.name, err)
	}
	defer stmt.Close()
	row := make([]any, len(t.cols))
	for k := range t.n {
		i := t.index(k)
		t.row(i, row)
		if _, err := stmt.ExecContext(ctx, row...); err != nil {
			return fmt.Errorf("synth: copy %s: row %d: %w", t.name, i, err)
		}
		if k&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			bar.update(k)
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return fmt.Errorf("synth: copy %s: %w", t.name, err)
	}
	bar.done(t.n)
	return nil
}

// sqliteWriter writes each table with prepared multi-row INSERT statements.
type sqliteWriter struct{}

// SQLite's default limit on the parameters of a statement
// (SQLITE_MAX_VARIABLE_NUMBER since 3.32), and the most rows per INSERT.
const (
	sqliteMaxVars  = 32766
	sqliteMaxBatch = 500
)

// sqliteCache is the page cache of the connection during the load, in
// KiB: random lookups of foreign keys in millions of rows thrash the
// default 2 MiB.
const sqliteCache = 512 << 10

func (sqliteWriter) write(ctx context.Context, tx *sql.Tx, tables []*table, progress io.Writer, res *Result) (err error) {
	var cache int
	if err := tx.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cache); err != nil {
		return fmt.Errorf("synth: read cache size: %w", err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = %d", -sqliteCache)); err != nil {
		return fmt.Errorf("synth: set cache size: %w", err)
	}
	defer func() {
		if _, e := tx.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA cache_size = %d", cache)); e != nil && err == nil {
			err = fmt.Errorf("synth: reset cache size: %w", e)
		}
	}()
	// Inserting into secondary indexes in random order is slower than
	// building them at the end.
	var bulk []string
	for _, t := range tables {
		if t.n >= bulkRows {
			bulk = append(bulk, t.name)
		}
	}
	aside, err := sqliteSetAside(ctx, tx, bulk)
	if err != nil {
		return err
	}
	for _, t := range tables {
		start := time.Now()
		if err := insertTable(ctx, tx, t, newBar(progress, t.name, t.n)); err != nil {
			return err
		}
		res.Counts[t.name] = t.n
		res.Durations[t.name] = time.Since(start)
	}
	start := time.Now()
	if err := aside.restore(ctx, tx, progress); err != nil {
		return err
	}
	res.Durations["(recreate indexes)"] = time.Since(start)
	return nil
}

// insertSQL is a statement inserting rows rows of t.
func insertSQL(t *table, rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(`"` + t.name + `" (`)
	for i, c := range t.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`"` + c + `"`)
	}
	b.WriteString(") VALUES ")
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.cols)), ", ") + ")"
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
	}
	return b.String()
}

func insertTable(ctx context.Context, tx *sql.Tx, t *table, bar *bar) error {
	if t.n == 0 {
		bar.done(0)
		return nil
	}
	batch := min(t.n, sqliteMaxBatch, sqliteMaxVars/len(t.cols))
	full, err := tx.PrepareContext(ctx, insertSQL(t, batch))
	if err != nil {
		return fmt.Errorf("synth: insert %s: %w", t.name, err)
	}
	defer full.Close()
	args := make([]any, batch*len(t.cols))
	for lo := 0; lo < t.n; lo += batch {
		hi := min(lo+batch, t.n)
		for k := lo; k < hi; k++ {
			t.row(t.index(k), args[(k-lo)*len(t.cols):(k-lo+1)*len(t.cols)])
		}
		stmt := full
		if hi-lo < batch {
			last, err := tx.PrepareContext(ctx, insertSQL(t, hi-lo))
			if err != nil {
				return fmt.Errorf("synth: insert %s: %w", t.name, err)
			}
			defer last.Close()
			stmt = last
		}
		if _, err := stmt.ExecContext(ctx, args[:(hi-lo)*len(t.cols)]...); err != nil {
			return fmt.Errorf("synth: insert %s: rows %d–%d: %w", t.name, lo, hi-1, err)
		}
		bar.update(hi)
	}
	bar.done(t.n)
	return nil
}

// bar is the progress line of one table:
//
//	incidents                 [#######.....] 420000/1000000  85k rows/s
type bar struct {
	w     io.Writer
	name  string
	unit  string // "rows" unless set
	total int
	start time.Time
	last  time.Time
}

const barWidth = 30

func newBar(w io.Writer, name string, total int) *bar {
	now := time.Now()
	b := &bar{w: w, name: name, total: total, start: now, last: now}
	b.draw(0)
	return b
}

// update redraws the line at most ten times a second.
func (b *bar) update(done int) {
	if b.w == nil {
		return
	}
	if now := time.Now(); now.Sub(b.last) >= 100*time.Millisecond {
		b.last = now
		b.draw(done)
	}
}

// done draws the final line and ends it.
func (b *bar) done(n int) {
	if b.w == nil {
		return
	}
	b.draw(n)
	fmt.Fprintf(b.w, "  %s\n", time.Since(b.start).Round(time.Millisecond))
}

func (b *bar) draw(done int) {
	if b.w == nil {
		return
	}
	filled := barWidth
	if b.total > 0 {
		filled = done * barWidth / b.total
	}
	rate := ""
	if el := time.Since(b.start).Seconds(); el > 0 && done > 0 && b.unit == "" {
		rate = humanRate(float64(done) / el)
	}
	fmt.Fprintf(b.w, "\r%-25s [%s%s] %d/%d %s %-14s", b.name,
		strings.Repeat("#", filled), strings.Repeat(".", barWidth-filled), done, b.total, b.unit, rate)
}

func humanRate(r float64) string {
	switch {
	case r >= 1e6:
		return fmt.Sprintf("%.2fM rows/s", r/1e6)
	case r >= 1e3:
		return fmt.Sprintf("%.0fk rows/s", r/1e3)
	default:
		return fmt.Sprintf("%.0f rows/s", r)
	}
}
