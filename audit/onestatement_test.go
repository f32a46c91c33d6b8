package audit_test

import (
	"context"
	"reflect"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/benkan-project/benkan/audit"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestOneStatementAppend: on PostgreSQL a group commit after this
// process's own last one is one statement (oneStatement), which writes
// exactly what the locked path writes; after another client, or a
// caller's transaction, moved the head, the next commit goes through the
// lock, and the chain stays valid throughout. SQLite never takes it.
func TestOneStatementAppend(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		onPostgres := db.Dialect == dialect.Postgres
		taken := func(step string, before int64, want bool) {
			t.Helper()
			got := audit.OneStatementAppends() > before
			if got != (want && onPostgres) {
				t.Fatalf("%s: one statement taken %v, want %v (%s)", step, got, want && onPostgres, db.Dialect)
			}
		}
		// The first commit learns the head through the lock.
		n := audit.OneStatementAppends()
		if err := audit.Append(ctx, db.Client, read(db.Client, 0)); err != nil {
			t.Fatal(err)
		}
		taken("first append", n, false)

		// The same events, every column set or left unset, by both paths.
		full := func(c *ent.Client) *ent.AuditEventCreate {
			return read(c, 7).SetObjectIds([]string{"inc_b", "inc_a", "inc_é"}).SetFieldGroups([]string{"Incident:sensitive"}).
				SetRequestID("req-1").SetDecision("allowed by role admin, «quoted» \"text\"")
		}
		n = audit.OneStatementAppends()
		if err := audit.Append(ctx, db.Client, full(db.Client), read(db.Client, 8)); err != nil {
			t.Fatal(err)
		}
		taken("second append", n, true)
		if err := audit.AppendEach(ctx, db.Client, full(db.Client), read(db.Client, 8)); err != nil {
			t.Fatal(err)
		}
		evs := events(t, db)
		if len(evs) != 5 {
			t.Fatalf("%d events, want 5", len(evs))
		}
		for i := 1; i <= 2; i++ {
			one, locked := audit.Values(evs[i]), audit.Values(evs[i+2])
			for _, col := range []string{auditevent.FieldID, auditevent.FieldAt, auditevent.FieldSeq, auditevent.FieldPrevHash, auditevent.FieldHash} {
				delete(one, col)
				delete(locked, col)
			}
			if !reflect.DeepEqual(one, locked) {
				t.Fatalf("event written in one statement\n%v\ndiffers from the same written through the lock\n%v", one, locked)
			}
		}

		// Another client appends: this one's known head is stale.
		other, err := storage.Open(ctx, storagetest.ConfigOf(t, db))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { other.Close() })
		if err := audit.Append(ctx, other.Client, read(other.Client, 9)); err != nil {
			t.Fatal(err)
		}
		n = audit.OneStatementAppends()
		if err := audit.Append(ctx, db.Client, read(db.Client, 10)); err != nil {
			t.Fatal(err)
		}
		taken("append after another client's", n, false)
		n = audit.OneStatementAppends()
		if err := audit.Append(ctx, db.Client, read(db.Client, 11)); err != nil {
			t.Fatal(err)
		}
		taken("append after the lock's", n, true)

		// A caller's transaction appends (a mutation's audit).
		tx, err := db.Client.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := audit.Append(ctx, tx.Client(), read(tx.Client(), 12)); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		n = audit.OneStatementAppends()
		if err := audit.Append(ctx, db.Client, read(db.Client, 13)); err != nil {
			t.Fatal(err)
		}
		taken("append after a transaction's", n, false)

		if r := verify(t, db); r.Problem != nil || r.Checked != 10 || r.HeadSeq != 10 {
			t.Fatalf("%d checked (head %d), want 10: %v", r.Checked, r.HeadSeq, r.Problem)
		}
	})
}

// TestIDsCompressedWithLZ4: on PostgreSQL a migrated database compresses
// the lists of ids of new events with lz4 (compressIDs).
func TestIDsCompressedWithLZ4(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		if db.Dialect != dialect.Postgres {
			t.Skip("a PostgreSQL storage setting")
		}
		var method string
		if err := db.SQL.QueryRowContext(context.Background(),
			`SELECT attcompression FROM pg_attribute WHERE attrelid = 'audit_events'::regclass AND attname = 'object_ids'`).Scan(&method); err != nil {
			t.Fatal(err)
		}
		if method != "l" {
			t.Fatalf("audit_events.object_ids compression %q, want lz4 (l)", method)
		}
	})
}
