package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"entgo.io/ent/dialect"

	"github.com/benkan-project/benkan/ent/user"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/synth"
)

// SyntheticAdmin is the subject of the user `seed --synthetic` adds with
// the admin role everywhere (the synthetic dataset has users for the other
// roles), so that benchmarks can act as an admin too.
const SyntheticAdmin = "synth-admin"

// loadSynthetic fills the migrated, empty database with a synthetic dataset
// of n incidents, then gives its users their roles.
func loadSynthetic(ctx context.Context, db *storage.DB, n int, seed uint64, stdout, stderr io.Writer) error {
	res, err := synth.Load(ctx, db.SQL, db.Dialect, synth.Config{Incidents: n, Seed: seed, Progress: stderr})
	if err != nil {
		return err
	}
	policies, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		return err
	}
	sys := policy.SystemContext(ctx)
	exists, err := db.Client.User.Query().Where(user.Subject(SyntheticAdmin)).Exist(sys)
	if err != nil {
		return fmt.Errorf("look up %s: %w", SyntheticAdmin, err)
	}
	if !exists {
		err := db.Client.User.Create().SetSubject(SyntheticAdmin).SetDisplayName("Administrateur synthétique").Exec(sys)
		if err != nil {
			return fmt.Errorf("create %s: %w", SyntheticAdmin, err)
		}
	}
	users := append(slices.Clip(res.Users), synth.User{Subject: SyntheticAdmin, Role: "admin", Domain: "*"})
	start := time.Now()
	as := make([]store.Assignment, len(users))
	for i, u := range users {
		as[i] = store.Assignment{Subject: u.Subject, Role: u.Role, Domain: u.Domain}
	}
	if err := policies.EnsureAssigned(store.AsOperator(ctx, "benkan"), "the synthetic users' roles", as); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "roles assigned to %d users in %s\n", len(users), time.Since(start).Round(time.Millisecond))
	if db.Dialect == dialect.Postgres {
		// Vacuum now rather than let autovacuum do it in the middle of a
		// benchmark: it sets the visibility map that index-only scans need.
		start := time.Now()
		if _, err := db.SQL.ExecContext(ctx, "VACUUM (ANALYZE)"); err != nil {
			return fmt.Errorf("vacuum: %w", err)
		}
		fmt.Fprintf(stderr, "vacuumed and analyzed in %s\n", time.Since(start).Round(time.Millisecond))
	}
	tables := make([]string, 0, len(res.Counts))
	for t := range res.Counts {
		tables = append(tables, t)
	}
	slices.Sort(tables)
	fmt.Fprintf(stdout, "synthetic dataset (seed %d) loaded in %s into %s:\n", seed, res.Elapsed.Round(time.Millisecond), db.Dialect)
	for _, t := range tables {
		fmt.Fprintf(stdout, "  %-32s %10d\n", t, res.Counts[t])
	}
	return nil
}
