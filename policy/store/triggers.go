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
	},
	dialect.SQLite: {
		`INSERT OR IGNORE INTO policy_states (id, revision) VALUES (1, 1)`,
		sqliteTrigger("policy_rules", "INSERT"), sqliteTrigger("policy_rules", "UPDATE"), sqliteTrigger("policy_rules", "DELETE"),
		sqliteTrigger("policy_roles", "INSERT"), sqliteTrigger("policy_roles", "UPDATE"), sqliteTrigger("policy_roles", "DELETE"),
	},
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
