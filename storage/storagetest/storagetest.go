// Package storagetest gives tests fresh, migrated databases: always an
// embedded SQLite database, and a PostgreSQL one too when
// BENKAN_TEST_DATABASE_URL is set. Each test gets its own database (a
// private schema on PostgreSQL), dropped when the test ends.
package storagetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/benkan-project/benkan/storage"
)

// EnvURL is the variable holding the PostgreSQL URL tests may use. The
// tests create and drop schemas in that database.
const EnvURL = "BENKAN_TEST_DATABASE_URL"

// Database is one database a test runs on.
type Database struct {
	// Name is "sqlite" or "postgres", for subtest names.
	Name string
	open func(t testing.TB, cfg storage.Config) *storage.DB
}

// Databases returns the databases tests run on: SQLite always, and
// PostgreSQL when BENKAN_TEST_DATABASE_URL is set.
// In CI (CI=true) PostgreSQL is required: a CI run that silently skipped
// it would prove nothing about the production database.
func Databases() []Database {
	dbs := []Database{{Name: "sqlite", open: openSQLite}}
	switch {
	case os.Getenv(EnvURL) != "":
		dbs = append(dbs, Database{Name: "postgres", open: openPostgres})
	case os.Getenv("CI") == "true":
		dbs = append(dbs, Database{Name: "postgres", open: func(t testing.TB, _ storage.Config) *storage.DB {
			t.Fatalf("CI=true but %s is not set: the PostgreSQL tests must run in CI", EnvURL)
			return nil
		}})
	}
	return dbs
}

// Each runs f once per database of Databases, as a subtest named after it,
// each with a fresh migrated database.
func Each(t *testing.T, f func(t *testing.T, db *storage.DB)) {
	t.Helper()
	EachWith(t, storage.Config{}, f)
}

// EachWith is Each with a storage configuration (DatabaseURL and DataDir are
// set by the test database).
func EachWith(t *testing.T, cfg storage.Config, f func(t *testing.T, db *storage.DB)) {
	t.Helper()
	for _, d := range Databases() {
		t.Run(d.Name, func(t *testing.T) {
			f(t, d.Open(t, cfg))
		})
	}
}

// Open returns a fresh migrated database, closed and dropped at the end of t.
func (d Database) Open(t testing.TB, cfg storage.Config) *storage.DB {
	t.Helper()
	db := d.open(t, cfg)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", d.Name, err)
	}
	return db
}

func openSQLite(t testing.TB, cfg storage.Config) *storage.DB {
	cfg.DatabaseURL = ""
	cfg.DataDir = t.TempDir()
	db, err := storage.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	dirs.Store(db, cfg.DataDir)
	t.Cleanup(func() { db.Close() })
	return db
}

// openPostgres opens a client on a fresh schema of the test database.
func openPostgres(t testing.TB, cfg storage.Config) *storage.DB {
	cfg.DatabaseURL = freshSchema(t)
	ctx := context.Background()
	db, err := storage.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	urls.Store(db, cfg.DatabaseURL)
	t.Cleanup(func() { db.Close() })
	if db.Dialect != dialect.Postgres {
		t.Fatalf("expected a postgres dialect, got %s", db.Dialect)
	}
	return db
}

// PostgresURL returns the URL of a fresh, empty schema of the PostgreSQL
// test database (its search_path), dropped at the end of t: for a test that
// starts servers of its own, which migrate it, and cannot share a
// *storage.DB with them. It skips t when BENKAN_TEST_DATABASE_URL is not
// set, and fails it in CI (CI=true), as Databases does.
func PostgresURL(t testing.TB) string {
	t.Helper()
	if os.Getenv(EnvURL) == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is not set: the PostgreSQL tests must run in CI", EnvURL)
		}
		t.Skipf("%s is not set", EnvURL)
	}
	return freshSchema(t)
}

// freshSchema creates a schema of its own in the test database, dropped at
// the end of t (after the cleanups registered later, such as closing the
// clients on it), and returns the URL whose search_path is that schema.
func freshSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema (is PostgreSQL running at %s?): %v", EnvURL, err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
