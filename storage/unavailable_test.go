package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"testing"

	"github.com/lib/pq"
	_ "modernc.org/sqlite"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/storage"
)

// TestUnavailable: the drivers' typed errors for a database that cannot
// serve now are told apart from every other error.
func TestUnavailable(t *testing.T) {
	_, dialErr := net.Dial("tcp", "127.0.0.1:1") // nothing listens on port 1
	if dialErr == nil {
		t.Skip("something listens on 127.0.0.1:1")
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", fmt.Errorf("ent: %w", dialErr), true},
		{"starting up", &pq.Error{Code: "57P03", Message: "the database system is starting up"}, true},
		{"shutting down", &pq.Error{Code: "57P01"}, true},
		{"crash shutdown", &pq.Error{Code: "57P02"}, true},
		{"too many connections", &pq.Error{Code: "53300"}, true},
		{"connection failure", &pq.Error{Code: "08006"}, true},
		{"unique violation", &pq.Error{Code: "23505"}, false},
		{"NUL byte", &pq.Error{Code: "22021"}, false},
		{"undefined table", &pq.Error{Code: "42P01"}, false},
		{"plain", errors.New("boom"), false},
		{"nil", nil, false},
		{"database closed", errors.New("sql: database is closed"), true},
		{"bad connection", fmt.Errorf("query: %w", sql.ErrConnDone), true},
		{"request deadline", fmt.Errorf("dial: %w", &net.OpError{Op: "dial", Net: "tcp", Err: context.DeadlineExceeded}), false},
		{"request cancelled", fmt.Errorf("query: %w", context.Canceled), false},
		{"typed already", &benkan.Error{Code: benkan.EUNAVAILABLE, Err: dialErr}, true},
	}
	for _, tt := range tests {
		if got := storage.Unavailable(tt.err); got != tt.want {
			t.Errorf("%s: Unavailable(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}

	t.Run("SQLite busy", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "busy.db")
		dsn := "file:" + path + "?_pragma=busy_timeout(0)"
		a, err := sql.Open("sqlite", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		b, err := sql.Open("sqlite", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		ctx := context.Background()
		if _, err := a.ExecContext(ctx, "CREATE TABLE t (x INTEGER)"); err != nil {
			t.Fatal(err)
		}
		conn, err := a.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
			t.Fatal(err)
		}
		_, err = b.ExecContext(ctx, "INSERT INTO t VALUES (1)")
		if err == nil {
			t.Fatal("a write under another connection's exclusive lock succeeded")
		}
		if !storage.Unavailable(err) {
			t.Errorf("SQLite busy (%v) is not unavailable", err)
		}
		_, _ = conn.ExecContext(ctx, "ROLLBACK")
	})
}
