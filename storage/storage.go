// Package storage opens benkan's database: PostgreSQL when given a
// postgres:// URL, otherwise an embedded SQLite database in a data
// directory, so that benkan runs on a machine with nothing else installed.
//
// It knows nothing of GraphQL or HTTP; it hands out an *ent.Client.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/lib/pq"  // PostgreSQL driver "postgres"
	_ "modernc.org/sqlite" // embedded SQLite driver "sqlite", pure Go

	"github.com/benkan-project/benkan/audit"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/migrate"
	_ "github.com/benkan-project/benkan/ent/runtime" // schema hooks and defaults
)

// Config says which database to open.
type Config struct {
	// DatabaseURL is a postgres:// (or postgresql://) URL. When empty, the
	// embedded SQLite database in DataDir is used.
	DatabaseURL string
	// DataDir holds the embedded database file, benkan.db. It is created if
	// it does not exist.
	DataDir string
	// MustExist makes Open refuse, with ErrNoDatabase, a database that does
	// not hold benkan's tables yet, instead of creating an empty one: for
	// the commands that read or change what a server stores (`benkan
	// token`, `benkan policy`), where a mistyped --data-dir would otherwise
	// make a new database and act on it.
	MustExist bool
	// WrapDriver, if set, wraps the database driver, e.g. to count the SQL
	// statements a request issues in tests.
	WrapDriver func(dialect.Driver) dialect.Driver
}

// DB is an open database: the ent client and what it runs on.
type DB struct {
	// Client is the ent client over the database.
	Client *ent.Client
	// SQL is the underlying connection pool, for health checks. On
	// PostgreSQL it sends []byte arguments in binary format
	// (binary_parameters, see withBinaryParameters): right for bytea only;
	// pass a string for anything else. Client's statements need no care.
	SQL *sql.DB
	// Dialect is dialect.Postgres or dialect.SQLite.
	Dialect string
	// DatabaseURL is the PostgreSQL URL the database was opened with, for
	// code that needs a connection of its own (LISTEN); "" for SQLite.
	DatabaseURL string
}

// ErrNoDatabase is the error of Open with MustExist for a database that
// holds no benkan tables, or an embedded one whose file does not exist.
var ErrNoDatabase = errors.New("no benkan database")

// Open opens the database that cfg names and checks that it answers.
// It does not migrate: call Migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	driverName, dialectName, dsn, err := source(cfg)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialectName, err)
	}
	if dialectName == dialect.SQLite {
		// One writer at a time is SQLite's rule; a single connection makes
		// transactions queue instead of failing with SQLITE_BUSY.
		db.SetMaxOpenConns(1)
	} else {
		db.SetMaxOpenConns(20)
		db.SetMaxIdleConns(20)
		db.SetConnMaxIdleTime(5 * time.Minute)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("reach %s database: %w", dialectName, err)
	}
	if cfg.MustExist {
		// A query of the users table, which every benkan database holds,
		// that reads no row.
		rows, err := db.QueryContext(pingCtx, "SELECT 1 FROM "+migrate.UsersTable.Name+" WHERE 1 = 0")
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("%w: it has no table %s", ErrNoDatabase, migrate.UsersTable.Name)
		}
		rows.Close()
	}
	var drv dialect.Driver = entsql.OpenDB(dialectName, db)
	if dialectName == dialect.Postgres {
		drv = binaryArgs{drv} // []byte arguments as text, see withBinaryParameters
	}
	drv = availability{drv}
	if cfg.WrapDriver != nil {
		drv = cfg.WrapDriver(drv)
	}
	client := ent.NewClient(ent.Driver(drv))
	audit.Attach(client, drv, dialectName)
	return &DB{Client: client, SQL: db, Dialect: dialectName, DatabaseURL: cfg.DatabaseURL}, nil
}

// source returns the database/sql driver, the ent dialect and the DSN for cfg.
func source(cfg Config) (driverName, dialectName, dsn string, err error) {
	if cfg.DatabaseURL != "" {
		u, err := url.Parse(cfg.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return "", "", "", fmt.Errorf("database URL must be a postgres:// URL")
		}
		dsn, err := withBinaryParameters(cfg.DatabaseURL)
		if err != nil {
			return "", "", "", err
		}
		return "postgres", dialect.Postgres, dsn, nil
	}
	dir := cfg.DataDir
	if dir == "" {
		dir = "benkan-data"
	}
	path, err := filepath.Abs(filepath.Join(dir, "benkan.db"))
	if err != nil {
		return "", "", "", fmt.Errorf("data directory: %w", err)
	}
	if cfg.MustExist {
		if _, err := os.Stat(path); err != nil {
			return "", "", "", fmt.Errorf("%w: there is no %s", ErrNoDatabase, path)
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", "", fmt.Errorf("create data directory: %w", err)
	}
	pragmas := []string{"foreign_keys(1)", "journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)"}
	q := make([]string, len(pragmas))
	for i, p := range pragmas {
		q[i] = "_pragma=" + url.QueryEscape(p)
	}
	if cfg.MustExist {
		q = append(q, "mode=rw") // never create the file
	}
	return "sqlite", dialect.SQLite, "file:" + path + "?" + strings.Join(q, "&"), nil
}

// Migrate brings the database schema up to date with the ent schema. It
// adds tables, columns and indexes; it never drops anything. Then it
// readies the audit chain (audit.Install): its head row, the chaining of
// events written before it, and the triggers that make the trail
// append-only. Last it gives a cell key to every incident that has none (see
// fillCellKeys).
func (db *DB) Migrate(ctx context.Context) error {
	if err := db.Client.Schema.Create(ctx, migrate.WithForeignKeys(true)); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	if err := audit.Install(ctx, db.Client, db.SQL, db.Dialect); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	if err := db.fillCellKeys(ctx); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	return nil
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	return db.SQL.PingContext(ctx)
}

// Close closes the client and its connections.
func (db *DB) Close() error {
	return db.Client.Close()
}
