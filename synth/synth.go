// Package synth fills an empty benkan database with a large, deterministic,
// visibly fictitious dataset, to measure benkan at the scale of years of
// monitoring: N incidents (a million by default) with the actors,
// involvements, follow-ups, activities and recommendations that go with them
// in realistic proportions.
//
// Everything it writes says it is synthetic ("Personne synthétique 000123",
// "Région de Kayes (synthétique)", references SYN-2021-000123). The same
// seed gives the same rows, ids included, on SQLite and on PostgreSQL.
//
// The proportions, per million incidents:
//
//   - about 3 involvements per incident (1–2 victims, witnesses, sources and
//     alleged perpetrators); for about 60% of incidents the alleged
//     perpetrator is the UNIT actor of a security-force unit of the
//     incident's region, so that the fsi_liaison row filters select
//     realistic fractions;
//   - 300,000 actors (0.3·N, at least 50), each recorded by the monitor
//     whose incidents involve it;
//   - 200 localities, fixed: 8 regions › 32 cercles › 160 communes;
//   - 20,000 activities (at least 10), one recommendation per 4 activities,
//     50,000 follow-ups (at least 20);
//   - statuses REPORTED 30%, UNDER_VERIFICATION 15%, VERIFIED 30%,
//     UNSUBSTANTIATED 10%, REFERRED 8%, CLOSED 7%; consent to share 70%;
//     1–3 violation types per incident, Zipf-distributed; dates from 2018
//     to 2025, more in recent years.
//
// Load writes with COPY on PostgreSQL and with multi-row INSERT batches on
// SQLite, all in one transaction: on failure nothing is left behind.
package synth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"
)

// DefaultIncidents is the number of incidents of a dataset when
// Config.Incidents is zero.
const DefaultIncidents = 1_000_000

// MaxIncidents bounds Config.Incidents: the dataset is planned in memory,
// about 300 MB per million incidents.
const MaxIncidents = 20_000_000

// Config of a synthetic dataset.
type Config struct {
	// Incidents is the number of incidents, N; zero means DefaultIncidents.
	Incidents int
	// Seed selects the dataset: same seed, same data.
	Seed uint64
	// Progress receives one progress bar per table, refreshed with \r;
	// nil is silent.
	Progress io.Writer
}

// Result lists what the caller needs afterwards.
type Result struct {
	// Counts are the rows written per table. Violation types that already
	// existed are reused and not counted.
	Counts map[string]int
	// Users are the synthetic users and the role each should be assigned.
	Users []User
	// Elapsed is the duration of Load.
	Elapsed time.Duration
	// Durations is the time spent writing each table, and on PostgreSQL
	// dropping and recreating indexes and foreign keys around the COPYs
	// (keys in parentheses).
	Durations map[string]time.Duration
}

// User is a synthetic user and the role assignment it is meant to have.
type User struct {
	// Subject is the user's token subject, e.g. synth-monitor-017.
	Subject string
	// Role is amdh_monitor, fsi_liaison, dihr_partner or amdh_coordinator.
	Role string
	// Domain is "*" or the id of the locality where the role is held.
	Domain string
}

// Dialect names Load accepts (those of entgo.io/ent/dialect).
const (
	dialectPostgres = "postgres"
	dialectSQLite   = "sqlite3"
)

// Load writes a synthetic dataset of cfg.Incidents incidents into db, whose
// schema must be migrated. dialect is "postgres" or "sqlite3" (storage.DB's
// Dialect). It refuses a database that already holds incidents or synthetic
// reference data; it reuses violation types that already exist, by code.
func Load(ctx context.Context, db *sql.DB, dialect string, cfg Config) (*Result, error) {
	start := time.Now()
	if cfg.Incidents < 0 || cfg.Incidents > MaxIncidents {
		return nil, fmt.Errorf("synth: %d incidents: the number must be from 1 to %d", cfg.Incidents, MaxIncidents)
	}
	if cfg.Incidents == 0 {
		cfg.Incidents = DefaultIncidents
	}
	var w writer
	switch dialect {
	case dialectPostgres, "postgresql":
		w = &pgWriter{}
	case dialectSQLite, "sqlite":
		w = &sqliteWriter{}
	default:
		return nil, fmt.Errorf("synth: unsupported dialect %q", dialect)
	}

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("synth: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := checkEmpty(ctx, tx); err != nil {
		return nil, err
	}
	existing, err := existingViolationTypes(ctx, tx)
	if err != nil {
		return nil, err
	}

	genStart := time.Now()
	p := newPlan(cfg.Incidents, cfg.Seed)
	p.reuseViolationTypes(existing)
	if cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, "synthetic dataset: %d incidents, seed %d, planned in %s\n",
			cfg.Incidents, cfg.Seed, time.Since(genStart).Round(time.Millisecond))
	}

	res := &Result{Counts: map[string]int{}, Durations: map[string]time.Duration{}}
	tables := p.tables()
	if err := w.write(ctx, tx, tables, cfg.Progress, res); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("synth: commit: %w", err)
	}
	res.Users = p.resultUsers()
	res.Elapsed = time.Since(start)
	if cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, "synthetic dataset loaded in %s\n", res.Elapsed.Round(time.Millisecond))
	}
	return res, nil
}

// ErrNotEmpty is returned by Load when the database already holds
// incidents or synthetic reference data.
var ErrNotEmpty = errors.New("synth: the database is not empty")

// checkEmpty refuses a database with incidents, or with the reference data
// of an earlier synthetic load (users, organizations, regions).
func checkEmpty(ctx context.Context, tx *sql.Tx) error {
	checks := []struct{ what, query string }{
		{"incidents", "SELECT COUNT(*) FROM (SELECT 1 FROM incidents LIMIT 1) t"},
		{"synthetic users", "SELECT COUNT(*) FROM users WHERE subject LIKE 'synth-%'"},
		{"synthetic organizations", "SELECT COUNT(*) FROM organizations WHERE name LIKE '%(synthétique)'"},
		{"synthetic localities", "SELECT COUNT(*) FROM localities WHERE name LIKE '%(synthétique)'"},
	}
	for _, c := range checks {
		var n int
		if err := tx.QueryRowContext(ctx, c.query).Scan(&n); err != nil {
			return fmt.Errorf("synth: check %s: %w", c.what, err)
		}
		if n > 0 {
			return fmt.Errorf("%w: it already holds %s", ErrNotEmpty, c.what)
		}
	}
	return nil
}

// existingViolationTypes returns the ids of the violation types that
// exist, by code.
func existingViolationTypes(ctx context.Context, tx *sql.Tx) (map[string]string, error) {
	rows, err := tx.QueryContext(ctx, "SELECT code, id FROM violation_types")
	if err != nil {
		return nil, fmt.Errorf("synth: read violation types: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var code, id string
		if err := rows.Scan(&code, &id); err != nil {
			return nil, fmt.Errorf("synth: read violation types: %w", err)
		}
		out[code] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("synth: read violation types: %w", err)
	}
	return out, nil
}
