package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"entgo.io/ent/dialect"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/auditevent"
)

// The triggers make the trail append-only in the database itself, for any
// client of it (benkan, psql, another program): UPDATE, DELETE and TRUNCATE
// of audit_events are refused, an INSERT without a place in the chain is
// refused, and the head row cannot be deleted. Someone with the rights to
// drop the triggers can still change the tables: that is what the chain
// and Verify are for.
var triggers = map[string][]string{
	dialect.Postgres: {
		`CREATE OR REPLACE FUNCTION benkan_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'benkan: % of % refused: the audit trail is append-only', TG_OP, TG_TABLE_NAME;
END $$`,
		`CREATE OR REPLACE FUNCTION benkan_audit_chained() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.seq IS NULL OR NEW.hash IS NULL OR NEW.hash = '' THEN
		RAISE EXCEPTION 'benkan: an audit event without its place in the chain refused: benkan appends events';
	END IF;
	RETURN NEW;
END $$`,
		`CREATE OR REPLACE TRIGGER benkan_audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION benkan_audit_refuse()`,
		`CREATE OR REPLACE TRIGGER benkan_audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION benkan_audit_refuse()`,
		`CREATE OR REPLACE TRIGGER benkan_audit_events_chained BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION benkan_audit_chained()`,
		`CREATE OR REPLACE TRIGGER benkan_audit_heads_kept BEFORE DELETE ON audit_heads FOR EACH ROW EXECUTE FUNCTION benkan_audit_refuse()`,
		`CREATE OR REPLACE TRIGGER benkan_audit_heads_no_truncate BEFORE TRUNCATE ON audit_heads FOR EACH STATEMENT EXECUTE FUNCTION benkan_audit_refuse()`,
	},
	dialect.SQLite: {
		`CREATE TRIGGER IF NOT EXISTS benkan_audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'benkan: UPDATE of audit_events refused: the audit trail is append-only'); END`,
		`CREATE TRIGGER IF NOT EXISTS benkan_audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'benkan: DELETE of audit_events refused: the audit trail is append-only'); END`,
		`CREATE TRIGGER IF NOT EXISTS benkan_audit_events_chained BEFORE INSERT ON audit_events WHEN NEW.seq IS NULL OR NEW.hash IS NULL OR NEW.hash = '' BEGIN SELECT RAISE(ABORT, 'benkan: an audit event without its place in the chain refused: benkan appends events'); END`,
		`CREATE TRIGGER IF NOT EXISTS benkan_audit_heads_kept BEFORE DELETE ON audit_heads BEGIN SELECT RAISE(ABORT, 'benkan: DELETE of audit_heads refused: the audit trail is append-only'); END`,
	},
}

// Triggers names the triggers Install creates on dialect, for tests that
// tamper with the trail as someone with the rights to drop them would.
func Triggers(dialectName string) []string {
	if dialectName == dialect.Postgres {
		return []string{"benkan_audit_events_append_only ON audit_events", "benkan_audit_events_no_truncate ON audit_events",
			"benkan_audit_events_chained ON audit_events", "benkan_audit_heads_kept ON audit_heads", "benkan_audit_heads_no_truncate ON audit_heads"}
	}
	return []string{"benkan_audit_events_no_update", "benkan_audit_events_no_delete", "benkan_audit_events_chained", "benkan_audit_heads_kept"}
}

// installLock is the PostgreSQL advisory lock Install holds, so that
// processes starting at once install one after the other.
const installLock = 7361094

// Install readies a migrated database for the chain: storage.Migrate runs
// it after ent's migration. It may run any number of times, by any number
// of processes at once.
//
// The first time (no head row yet), it creates the head and gives the
// events already in the database, written before the chain existed (seq
// NULL after the migration added the columns), their places: in (at, id)
// order, hashed with the process's key, in the transaction that creates
// the head, before the triggers exist. So no event is left outside what
// Verify checks. After that, events are only ever chained by Append: an
// event that appears later without a seq (inserted behind benkan's back,
// past the triggers) is never chained in, and Verify reports it. A head
// row deleted while events exist is not made again (that would bless
// whatever the chain holds): Verify reports it and Append refuses.
//
// Then it creates the triggers (again, each time: a trigger dropped is
// back at the next start).
func Install(ctx context.Context, client *ent.Client, db *sql.DB, dialectName string) error {
	var exec interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	} = db // SQLite: one connection, which startChain needs too
	if dialectName == dialect.Postgres {
		conn, err := db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("install the audit chain: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, installLock); err != nil {
			return fmt.Errorf("install the audit chain: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, installLock) //nolint:errcheck // released with the session anyway
		exec = conn
	}
	if err := startChain(ctx, client); err != nil {
		return err
	}
	for _, stmt := range triggers[dialectName] {
		if _, err := exec.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("install the audit triggers: %w", err)
		}
	}
	if dialectName == dialect.Postgres {
		return compressIDs(ctx, exec)
	}
	return nil
}

// compressIDs makes PostgreSQL compress the lists of ids of new events
// with lz4 instead of its default, pglz. A feed page's event lists about
// 140 ids (4–5 KB, stored out of line), and pglz spends about 0.3 ms of
// the database's CPU on each such value, while lz4 takes a third of that
// and stores it smaller (measured on lists of ids like benkan's:
// BENCHMARKS.md, "Session 7"). Values already stored keep their
// compression; reading either is transparent. A server built without lz4
// keeps pglz.
func compressIDs(ctx context.Context, exec interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}) error {
	// Only when it is not so yet: ALTER TABLE takes a lock on the table,
	// which every start of a server would otherwise take.
	res, err := exec.ExecContext(ctx, `SELECT 1 FROM pg_attribute WHERE attrelid = '`+auditevent.Table+`'::regclass AND attname = $1 AND attcompression <> 'l'`, auditevent.FieldObjectIds)
	if err != nil {
		return fmt.Errorf("install the audit chain: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	_, err = exec.ExecContext(ctx, `ALTER TABLE `+auditevent.Table+` ALTER COLUMN `+auditevent.FieldObjectIds+` SET COMPRESSION lz4`)
	var pqErr interface{ SQLState() string }
	if errors.As(err, &pqErr) && pqErr.SQLState() == "0A000" { // feature_not_supported: no lz4 in this build
		return nil
	}
	if err != nil {
		return fmt.Errorf("install the audit chain: compress ids: %w", err)
	}
	return nil
}

// startChain creates the head and chains the events written before it, in
// one transaction, if there is no head yet and no chained event.
func startChain(ctx context.Context, client *ent.Client) error {
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("start the audit chain: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	c := tx.Client()
	sys := as(ctx, chaining)
	if ok, err := c.AuditHead.Query().Exist(sys); err != nil || ok {
		return err
	}
	if ok, err := c.AuditEvent.Query().Where(auditevent.SeqNotNil()).Exist(sys); err != nil || ok {
		return err // a head removed under a chain: see Install
	}
	key := currentKey()
	if err := c.AuditHead.Create().SetID(headID).SetKeyID(keyID(key)).Exec(sys); err != nil {
		return fmt.Errorf("start the audit chain: %w", err)
	}
	var seq int64
	prev := ""
	for {
		page, err := c.AuditEvent.Query().Where(auditevent.SeqIsNil()).
			Order(ent.Asc(auditevent.FieldAt), ent.Asc(auditevent.FieldID)).Limit(maxBatch).All(sys)
		if err != nil {
			return fmt.Errorf("chain the audit events written before the chain: %w", err)
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			seq++
			e.Seq, e.PrevHash = &seq, prev
			h, err := digest(key, entityValues(e))
			if err != nil {
				return err
			}
			n, err := c.AuditEvent.Update().Where(auditevent.ID(e.ID), auditevent.SeqIsNil()).
				SetSeq(seq).SetPrevHash(prev).SetHash(h).Save(sys)
			if err != nil || n != 1 {
				return fmt.Errorf("chain audit event %s (%d updated): %w", e.ID, n, err)
			}
			prev = h
		}
	}
	if err := c.AuditHead.UpdateOneID(headID).SetSeq(seq).SetHash(prev).Exec(sys); err != nil {
		return fmt.Errorf("start the audit chain: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("start the audit chain: %w", err)
	}
	return nil
}
