package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
)

func migrateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", "Creates or updates the database schema to match this version of benkan.\nIt adds tables, columns and indexes and never drops any.", stdout)
	dbCfg := databaseFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := openMigrated(ctx, dbCfg)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "migrated %s\n", describe(dbCfg))
	return nil
}

func seed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("seed", "Migrates the database, then loads the demo data if it is empty (a second\nrun adds nothing). The demo's incidents, actors and follow-ups are fictitious.\nWith --synthetic N it loads instead a large synthetic dataset of N incidents\n(1000000 for the benchmarks of BENCHMARKS.md) into an empty database.", stdout)
	dbCfg := databaseFlags(fs)
	synthetic := fs.Int("synthetic", 0, "load a deterministic synthetic dataset of this many incidents (e.g. 1000000) instead of the demo data; the database must be empty")
	synthSeed := fs.Uint64("seed", 1, "with --synthetic: the seed of the dataset (same seed, same rows)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *synthetic < 0 {
		return usagef("--synthetic: %d is not a positive number of incidents", *synthetic)
	}
	db, err := openMigrated(ctx, dbCfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if *synthetic > 0 {
		return loadSynthetic(ctx, db, *synthetic, *synthSeed, stdout, stderr)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	policies, err := store.OpenFor(ctx, db, policy.NewEngine(db.Client), log)
	if err != nil {
		return err
	}
	if err := loadDemo(ctx, db, policies, log); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo data ready in %s\n", describe(dbCfg))
	return nil
}

// openMigrated opens the database and brings its schema up to date.
func openMigrated(ctx context.Context, cfg *storage.Config) (*storage.DB, error) {
	db, err := storage.Open(ctx, *cfg)
	return migrated(ctx, db, err)
}

// openExisting opens the database of the flags, which must be a benkan
// database already, and brings its schema up to date. The commands that act
// on what a server stores (token, policy) use it: a mistyped --data-dir
// must be refused, not give them a new, empty database to act on.
func openExisting(ctx context.Context, cfg *storage.Config) (*storage.DB, error) {
	c := *cfg
	c.MustExist = true
	db, err := storage.Open(ctx, c)
	if errors.Is(err, storage.ErrNoDatabase) {
		return nil, fmt.Errorf("%v (%s); create it first with 'benkan serve --demo' (or 'benkan seed', 'benkan migrate'), or name the right one with --data-dir or --database-url", err, describe(cfg))
	}
	return migrated(ctx, db, err)
}

// migrated brings the schema of a database just opened up to date.
func migrated(ctx context.Context, db *storage.DB, err error) (*storage.DB, error) {
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
