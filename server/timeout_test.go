package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestRequestTimeout: a request still running at its deadline is answered
// TIMEOUT, with no driver text, and its SQL is cancelled. On PostgreSQL the
// statement waits on a lock the test holds: it is seen waiting, and gone
// once the answer is back although the lock is still held (lib/pq sent a
// cancel request). On SQLite, whose pool has one connection, the test
// holds that connection: the request's wait for it ends at the deadline.
func TestRequestTimeout(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		const timeout = 1500 * time.Millisecond
		srv := apitest.StartWith(t, db, apitest.Options{RequestTimeout: timeout})
		const q = `{ incidents { totalCount } }`
		srv.Query(t, q, nil).OK(t, nil) // the viewer is loaded and cached

		ctx := context.Background()
		conn, err := db.SQL.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		// Polled outside the locking transaction: within a transaction,
		// pg_stat_activity is a snapshot taken at its first read.
		watch := db.SQL
		waiting := func() int {
			var n int
			if err := watch.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid()
				AND wait_event_type = 'Lock' AND query ILIKE '%FROM "incidents"%'`).Scan(&n); err != nil {
				t.Fatalf("pg_stat_activity: %v", err)
			}
			return n
		}
		if db.Dialect == dialect.Postgres {
			if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
				t.Fatal(err)
			}
			defer conn.ExecContext(ctx, "ROLLBACK") //nolint:errcheck
			if _, err := conn.ExecContext(ctx, "LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE"); err != nil {
				t.Fatal(err)
			}
		}

		done := make(chan *apitest.Response, 1)
		start := time.Now()
		go func() { done <- srv.Query(t, q, nil) }()
		if db.Dialect == dialect.Postgres {
			seen := false
			for !seen && time.Since(start) < timeout {
				seen = waiting() > 0
				time.Sleep(20 * time.Millisecond)
			}
			if !seen {
				t.Fatal("the statement was never seen waiting on the lock")
			}
		}
		var r *apitest.Response
		select {
		case r = <-done:
		case <-time.After(timeout + 10*time.Second):
			t.Fatal("no answer 10 s after the deadline")
		}
		if elapsed := time.Since(start); elapsed < timeout {
			t.Errorf("answered after %s, before the deadline of %s", elapsed, timeout)
		}
		e := r.Code(t, benkan.ETIMEOUT)
		for _, leak := range []string{"pq", "cancel", "interrupt", "sql", "context"} {
			if strings.Contains(strings.ToLower(e.Message), leak) {
				t.Errorf("the TIMEOUT message %q shows %q", e.Message, leak)
			}
		}
		if db.Dialect == dialect.Postgres {
			gone := false
			for deadline := time.Now().Add(3 * time.Second); !gone && time.Now().Before(deadline); {
				gone = waiting() == 0
				time.Sleep(20 * time.Millisecond)
			}
			if !gone {
				t.Fatal("the statement still waits on the lock after the answer: it was not cancelled")
			}
		}
	})
}
