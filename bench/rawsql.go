package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	"github.com/benkan-project/benkan/storage"
)

// openDatabase opens the PostgreSQL database at dsn, which must be on a
// loopback address, with a pool as large as the concurrency.
func openDatabase(ctx context.Context, dsn string, conc int) (*sql.DB, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("--database-url: want postgres://USER@127.0.0.1:5432/DB?sslmode=disable")
	}
	if err := loopback(u.Hostname()); err != nil {
		return nil, fmt.Errorf("--database-url: %w", err)
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(max(conc, 2))
	db.SetMaxIdleConns(max(conc, 2))
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("reach the database: %w", err)
	}
	return db, nil
}

// replayable returns the statements of a request the raw-SQL floor
// replays: its reads. Writes (audit events, if any) are left out, so that
// replaying them cannot change the database; skipped says how many.
func replayable(stmts []storage.Statement) (reads []storage.Statement, skipped int) {
	for _, s := range stmts {
		if readOnly(s.Query) {
			reads = append(reads, s)
		} else {
			skipped++
		}
	}
	return reads, skipped
}

// readOnly reports whether query only reads: a SELECT, or a WITH whose
// statements are all SELECTs (an aggregate's CTEs). A WITH holding an
// INSERT, UPDATE or DELETE (the audit's one-statement append) writes.
func readOnly(query string) bool {
	q := strings.ToUpper(strings.TrimSpace(query))
	switch {
	case strings.HasPrefix(q, "SELECT"):
		return true
	case strings.HasPrefix(q, "WITH"):
		for _, w := range []string{"INSERT ", "UPDATE ", "DELETE "} {
			if strings.Contains(q, w) {
				return false
			}
		}
		return true
	}
	return false
}

// replay sends the statements one after the other, as the server did, and
// reads every row of every result, as the server does.
func replay(ctx context.Context, db *sql.DB, stmts []storage.Statement) sample {
	for _, s := range stmts {
		rows, err := db.QueryContext(ctx, s.Query, s.Args...)
		if err != nil {
			return sample{err: fmt.Errorf("%.80s: %w", s.Query, err)}
		}
		cols, err := rows.Columns()
		if err != nil {
			rows.Close()
			return sample{err: err}
		}
		dest := make([]any, len(cols))
		for i := range dest {
			dest[i] = new(sql.RawBytes)
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return sample{err: err}
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return sample{err: err}
		}
	}
	return sample{statements: len(stmts), viewer: 0}
}
