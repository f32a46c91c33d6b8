package store

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect"

	"github.com/benkan-project/benkan/storage"
)

// notifyChannel is the PostgreSQL channel a change of the policy is
// announced on, with the new revision as payload.
const notifyChannel = "benkan_policy"

// The triggers increase policy_states.revision in the transaction of any
// change of policy_rules or policy_roles, whoever makes it: the store, the
// command line, or SQL typed by hand. On PostgreSQL they also NOTIFY the
// replicas, which PostgreSQL delivers when the transaction commits.
//
// While a proposal is pending, they do so too for a change of what the
// lines resolve to (dependsOn):
// users (created, removed, their subject or organization changed), the
// organizations (own_unit, own_org and addressed_to_own_org decide by a
// user's organization) and the localities (a domain covers the localities
// below it). The revision is what a proposal's review is pinned to (see
// Approve): a proposal reviewed before a user took the subject it assigns,
// moved to a security-force unit, or before a locality moved under its
// domain, no longer does what was reviewed, even when four-eyes mode let
// that change through (it named no line in force), and its approval at the
// old revision is refused. With no proposal pending, no review is pinned:
// such a change leaves the revision (and the replicas) alone.
var triggers = map[string][]string{
	dialect.Postgres: {
		`INSERT INTO policy_states (id, revision) VALUES (1, 1) ON CONFLICT (id) DO NOTHING`,
		`CREATE OR REPLACE FUNCTION benkan_policy_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE r bigint;
BEGIN
	UPDATE policy_states SET revision = revision + 1 WHERE id = 1 RETURNING revision INTO r;
	PERFORM pg_notify('` + notifyChannel + `', r::text);
	RETURN NULL;
END $$`,
		`CREATE OR REPLACE TRIGGER benkan_policy_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON policy_rules FOR EACH STATEMENT EXECUTE FUNCTION benkan_policy_changed()`,
		`CREATE OR REPLACE TRIGGER benkan_policy_roles_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON policy_roles FOR EACH STATEMENT EXECUTE FUNCTION benkan_policy_changed()`,
		`CREATE OR REPLACE FUNCTION benkan_policy_dependency_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE r bigint;
BEGIN
	IF EXISTS (SELECT 1 FROM policy_proposals WHERE status = 'PENDING') THEN
		UPDATE policy_states SET revision = revision + 1 WHERE id = 1 RETURNING revision INTO r;
		PERFORM pg_notify('` + notifyChannel + `', r::text);
	END IF;
	RETURN NULL;
END $$`,
		postgresDependency("users"), postgresDependency("organizations"), postgresDependency("localities"),
	},
	dialect.SQLite: {
		`INSERT OR IGNORE INTO policy_states (id, revision) VALUES (1, 1)`,
		sqliteTrigger("policy_rules", "INSERT"), sqliteTrigger("policy_rules", "UPDATE"), sqliteTrigger("policy_rules", "DELETE"),
		sqliteTrigger("policy_roles", "INSERT"), sqliteTrigger("policy_roles", "UPDATE"), sqliteTrigger("policy_roles", "DELETE"),
		sqliteDependency("users", "INSERT"), sqliteDependency("users", "UPDATE"), sqliteDependency("users", "DELETE"),
		sqliteDependency("organizations", "INSERT"), sqliteDependency("organizations", "UPDATE"), sqliteDependency("organizations", "DELETE"),
		sqliteDependency("localities", "INSERT"), sqliteDependency("localities", "UPDATE"), sqliteDependency("localities", "DELETE"),
	},
}

// dependsOn are, by table, the columns the policy's lines resolve through:
// a user's subject (lines name users by it) and organization; an
// organization's parent, kind and locality (what a unit is, and under
// which corps); a locality's parent (what a domain covers). An update of
// other columns (a display name, coordinates) leaves the revision.
var dependsOn = map[string]string{
	"users":         "subject, user_organization",
	"organizations": "organization_units, kind, organization_locality",
	"localities":    "locality_children",
}

// postgresDependency is the PostgreSQL trigger of a table of dependsOn.
func postgresDependency(table string) string {
	return fmt.Sprintf(`CREATE OR REPLACE TRIGGER benkan_%s_changed AFTER INSERT OR UPDATE OF %s OR DELETE OR TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION benkan_policy_dependency_changed()`,
		table, dependsOn[table], table)
}

// sqliteDependency is the SQLite trigger of a table of dependsOn for one
// event (an UPDATE of its columns only).
func sqliteDependency(table, event string) string {
	on := event
	if event == "UPDATE" {
		on += " OF " + dependsOn[table]
	}
	return fmt.Sprintf(`CREATE TRIGGER IF NOT EXISTS benkan_%s_%s AFTER %s ON %s WHEN EXISTS (SELECT 1 FROM policy_proposals WHERE status = 'PENDING') BEGIN UPDATE policy_states SET revision = revision + 1 WHERE id = 1; END`,
		table, event, on, table)
}

func sqliteTrigger(table, event string) string {
	return fmt.Sprintf(`CREATE TRIGGER IF NOT EXISTS benkan_%s_%s AFTER %s ON %s BEGIN UPDATE policy_states SET revision = revision + 1 WHERE id = 1; END`,
		table, event, event, table)
}

// installTriggers creates the revision row and the triggers; it may run any
// number of times, by any number of processes starting at once.
func installTriggers(ctx context.Context, db *storage.DB) error {
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return fmt.Errorf("install policy triggers: %w", err)
	}
	defer conn.Close()
	if db.Dialect == dialect.Postgres {
		// Replicas starting together would otherwise race to replace the function.
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7361093)`); err != nil {
			return fmt.Errorf("install policy triggers: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7361093)`) //nolint:errcheck // released with the session anyway
	}
	for _, stmt := range triggers[db.Dialect] {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("install policy triggers: %w", err)
		}
	}
	return nil
}
