package audit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/benkan-project/benkan/audit"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// testKey is the audit key of the keyed tests (a test value, not a secret).
var testKey = []byte("test audit key, 32 bytes or more, not a secret")

// useKey sets the process's audit key for the test.
func useKey(t *testing.T, key []byte) {
	t.Helper()
	if err := audit.SetKey(key); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = audit.SetKey(nil) })
}

// read builds the event of a read of one incident's narrative.
func read(c *ent.Client, i int) *ent.AuditEventCreate {
	return c.AuditEvent.Create().SetSubject(fmt.Sprintf("user%d", i)).SetAction(auditevent.ActionREAD_SENSITIVE).
		SetObjectType("Incident").SetObjectID(fmt.Sprintf("inc_%d", i)).SetFields([]string{"narrative", "source"}).
		SetDecision("allowed by role admin")
}

// trail appends n events, in calls of one and two events, and returns them
// in seq order.
func trail(t *testing.T, db *storage.DB, n int) []*ent.AuditEvent {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; {
		batch := []*ent.AuditEventCreate{read(db.Client, i)}
		if i++; i%3 == 0 && i < n {
			batch = append(batch, read(db.Client, i))
			i++
		}
		if err := audit.Append(ctx, db.Client, batch...); err != nil {
			t.Fatal(err)
		}
	}
	return events(t, db)
}

func events(t *testing.T, db *storage.DB) []*ent.AuditEvent {
	t.Helper()
	evs, err := db.Client.AuditEvent.Query().Order(ent.Asc(auditevent.FieldSeq)).All(policy.SystemContext(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func verify(t *testing.T, db *storage.DB) *audit.Report {
	t.Helper()
	r, err := audit.Verify(context.Background(), db.Client)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return r
}

// sqlExec runs statements as someone with the rights to change the
// database would: the triggers dropped first. "$1"-style parameters are
// rewritten for SQLite.
func sqlExec(t *testing.T, db *storage.DB, stmt string, args ...any) {
	t.Helper()
	ctx := context.Background()
	for _, trg := range audit.Triggers(db.Dialect) {
		if _, err := db.SQL.ExecContext(ctx, "DROP TRIGGER IF EXISTS "+trg); err != nil {
			t.Fatalf("drop trigger %s: %v", trg, err)
		}
	}
	if db.Dialect == dialect.SQLite {
		for i := len(args); i > 0; i-- {
			stmt = strings.ReplaceAll(stmt, fmt.Sprintf("$%d", i), "?")
		}
	}
	if _, err := db.SQL.ExecContext(ctx, stmt, args...); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

// copyRow is the INSERT of a copy of the event at seq from, with another
// id, seq, prev_hash and hash: an event inserted by hand.
const copyRow = `INSERT INTO audit_events (id, at, subject, action, object_type, object_id, fields, decision, seq, prev_hash, hash)
	SELECT $1, at, subject, action, object_type, object_id, fields, decision, $2, $3, $4 FROM audit_events WHERE seq = $5`

// forged returns the copy of e that copyRow inserts, hashed with hash.
func forged(e *ent.AuditEvent, id gid.ID, seq int64, prev string, hash func(*ent.AuditEvent) string) (*ent.AuditEvent, string) {
	c := *e
	c.ID, c.Seq, c.PrevHash = id, &seq, prev
	return &c, hash(&c)
}

// TestVerifyFindsTampering: on a fresh trail of six events each time, a
// change made in SQL behind benkan's back (triggers dropped) is found, and
// the first broken event named.
func TestVerifyFindsTampering(t *testing.T) {
	tests := []struct {
		name string
		key  []byte
		// tamper changes the trail evs (in seq order) and returns the
		// problem Verify must report: kind, seq and id (nil: no problem).
		tamper func(t *testing.T, db *storage.DB, evs []*ent.AuditEvent) *audit.Problem
	}{
		{"intact", nil, func(*testing.T, *storage.DB, []*ent.AuditEvent) *audit.Problem { return nil }},
		{"intact with a key", testKey, func(*testing.T, *storage.DB, []*ent.AuditEvent) *audit.Problem { return nil }},
		{"edited", nil, func(t *testing.T, db *storage.DB, evs []*ent.AuditEvent) *audit.Problem {
			sqlExec(t, db, `UPDATE audit_events SET subject = 'someone else' WHERE seq = 3`)
			return &audit.Problem{Kind: audit.ContentChanged, Seq: 3, ID: evs[2].ID}
		}},
		{"edited time", testKey, func(t *testing.T, db *storage.DB, evs []*ent.AuditEvent) *audit.Problem {
			sqlExec(t, db, `UPDATE audit_events SET at = $1 WHERE seq = 4`, evs[3].At.Add(-1e9))
			return &audit.Problem{Kind: audit.ContentChanged, Seq: 4, ID: evs[3].ID}
		}},
		{"edited fields", nil, func(t *testing.T, db *storage.DB, evs []*ent.AuditEvent) *audit.Problem {
			sqlExec(t, db, `UPDATE audit_events SET fields = '["summary"]' WHERE seq = 2`)
			return &audit.Problem{Kind: audit.ContentChanged, Seq: 2, ID: evs[1].ID}
		}},
		{"deleted in the middle", nil, func(t *testing.T, db *storage.DB, evs []*ent.AuditEvent) *audit.Problem {
			sqlExec(t, db, `DELETE FROM audit_events WHERE seq = 3`)
			return &audit.Problem{Kind: audit.Missing, Seq: 4, ID: evs[3].ID}
		}},
		{"deleted first", nil, func(t *testing.T, db *storage.DB, evs []*ent.AuditEvent) *audit.Problem {
			sqlExec(t, db, `DELETE FROM audit_events WHERE seq = 1`)
			return &audit.Problem{Kind: audit.Missing, Seq: 2, ID: evs[1].ID}
		}},
		{"deleted last", nil, func(t *testing.T, db *storage.DB, evs []*ent.AuditEvent) *audit.Problem {
			sqlExec(t, db, `DELETE FROM audit_events WHERE seq >= 5`)
			return &audit.Problem{Kind: audit.Missing, Seq: 5}
		}},
		{"deleted last, head moved back without the key", testKey, func(t *testing.T, db *storage.DB, evs []*ent.AuditEvent) *audit.Problem {
			sqlExec(t, db, `DELETE FROM audit_events WHERE seq = 6`)
			sqlExec(t, db, `UPDATE audit_heads SET seq = 5, hash = $1`, evs[4].Hash)
			return nil // the chain up to seq 5 is intact: what the head names is all there is to check
		}},
		{"swapped seq", nil, func(t *testing.T, db *storage.DB, evs []*ent.AuditEvent) *audit.Problem {
			sqlExec(t, db, `UPDATE audit_events SET seq = -1 WHERE seq = 2`)
			sqlExec(t, db, `UPDATE audit_events SET seq = 2 WHERE seq = 3`)
			sqlExec(t, db, `UPDATE audit_events SET seq = 3 WHERE seq = -1`)
			return &audit.Problem{Kind: audit.LinkBroken, Seq: 2, ID: evs[2].ID}
		}},
		{"swapped contents", nil, func(t *testing.T, db *storage.DB, evs []*ent.AuditEvent) *audit.Problem {
			sqlExec(t, db, `UPDATE audit_events SET subject = $1, object_id = $2 WHERE seq = 4`, evs[4].Subject, evs[4].ObjectID)
			sqlExec(t, db, `UPDATE audit_events SET subject = $1, object_id = $2 WHERE seq = 5`, evs[3].Subject, evs[3].ObjectID)
			return &audit.Problem{Kind: audit.ContentChanged, Seq: 4, ID: evs[3].ID}
		}},
		{"inserted outside the chain", nil, func(t *testing.T, db *storage.DB, evs []*ent.AuditEvent) *audit.Problem {
			sqlExec(t, db, `INSERT INTO audit_events (id, at, subject, action, object_type, object_id, decision) VALUES ('aud_forged', $1, 'x', 'PREVIEW', 'User', 'x', 'x')`, evs[0].At)
			return &audit.Problem{Kind: audit.Unchained, ID: "aud_forged"}
		}},
		{"inserted after the last, hashed right, head left", nil, func(t *testing.T, db *storage.DB, evs []*ent.AuditEvent) *audit.Problem {
			_, h := forged(evs[5], "aud_forged", 7, evs[5].Hash, audit.HashOf)
			sqlExec(t, db, copyRow, "aud_forged", 7, evs[5].Hash, h, 6)
			return &audit.Problem{Kind: audit.HeadMismatch, Seq: 7, ID: "aud_forged"}
		}},
		{"inserted in the middle, renumbered", nil, func(t *testing.T, db *storage.DB, evs []*ent.AuditEvent) *audit.Problem {
			for seq := 6; seq >= 3; seq-- {
				sqlExec(t, db, `UPDATE audit_events SET seq = $1 WHERE seq = $2`, seq+1, seq)
			}
			_, h := forged(evs[0], "aud_forged", 3, evs[1].Hash, audit.HashOf)
			sqlExec(t, db, copyRow, "aud_forged", 3, evs[1].Hash, h, 1)
			// The forged event is hashed right and linked right: the
			// first broken event is the one after it.
			return &audit.Problem{Kind: audit.LinkBroken, Seq: 4, ID: evs[2].ID}
		}},
		{"inserted at the end with the head, without the key", testKey, func(t *testing.T, db *storage.DB, evs []*ent.AuditEvent) *audit.Problem {
			_, h := forged(evs[5], "aud_forged", 7, evs[5].Hash, audit.HashWithoutKey)
			sqlExec(t, db, copyRow, "aud_forged", 7, evs[5].Hash, h, 6)
			sqlExec(t, db, `UPDATE audit_heads SET seq = 7, hash = $1`, h)
			return &audit.Problem{Kind: audit.ContentChanged, Seq: 7, ID: "aud_forged"}
		}},
		{"head deleted", nil, func(t *testing.T, db *storage.DB, evs []*ent.AuditEvent) *audit.Problem {
			sqlExec(t, db, `DELETE FROM audit_heads`)
			return &audit.Problem{Kind: audit.NoHead}
		}},
		{"duplicate seq", nil, func(t *testing.T, db *storage.DB, evs []*ent.AuditEvent) *audit.Problem {
			if db.Dialect != dialect.Postgres {
				t.Skip("SQLite's unique constraint cannot be dropped without rebuilding the table")
			}
			var name string
			// The table's own unique indexes first (MATERIALIZED), then their
			// definitions: pg_indexes computes every schema's, and another
			// package's test dropping its schema meanwhile made it fail with
			// "could not open relation with OID".
			if err := db.SQL.QueryRow(`WITH own AS MATERIALIZED (SELECT indexrelid FROM pg_index WHERE indrelid = 'audit_events'::regclass AND indisunique)
				SELECT indexrelid::regclass::text FROM own WHERE pg_get_indexdef(indexrelid) LIKE 'CREATE UNIQUE INDEX % (seq)'`).Scan(&name); err != nil {
				t.Fatal(err)
			}
			sqlExec(t, db, `DROP INDEX `+name)
			_, h := forged(evs[1], "aud_0forged", 2, evs[0].Hash, audit.HashOf)
			sqlExec(t, db, copyRow, "aud_0forged", 2, evs[0].Hash, h, 2)
			// ids order the events of one seq: the forged one comes first.
			return &audit.Problem{Kind: audit.Duplicate, Seq: 2, ID: evs[1].ID}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			useKey(t, tt.key)
			storagetest.Each(t, func(t *testing.T, db *storage.DB) {
				evs := trail(t, db, 6)
				if len(evs) != 6 {
					t.Fatalf("the trail holds %d events, want 6", len(evs))
				}
				for i, e := range evs {
					if e.Seq == nil || *e.Seq != int64(i+1) || len(e.Hash) != 64 || (i > 0 && e.PrevHash != evs[i-1].Hash) {
						t.Fatalf("event %d: seq %v, hash %q, prev %q: not chained", i, e.Seq, e.Hash, e.PrevHash)
					}
				}
				if r := verify(t, db); r.Problem != nil || r.Checked != 6 {
					t.Fatalf("the fresh trail: %d checked, problem %v", r.Checked, r.Problem)
				}
				want := tt.tamper(t, db, evs)
				r := verify(t, db)
				if want == nil {
					if r.Problem != nil {
						t.Fatalf("reported %v, want no problem", r.Problem)
					}
					return
				}
				if r.Problem == nil {
					t.Fatalf("%d events checked and no problem reported, want %s at seq %d (%s)", r.Checked, want.Kind, want.Seq, want.ID)
				}
				if got := r.Problem; got.Kind != want.Kind || got.Seq != want.Seq || got.ID != want.ID {
					t.Fatalf("reported %s (seq %d, id %q), want %s at seq %d (id %q)", got, got.Seq, got.ID, want.Kind, want.Seq, want.ID)
				}
				if r.Problem.Detail == "" || !strings.Contains(r.Problem.String(), string(want.Kind)) {
					t.Fatalf("the report does not say what is wrong: %q", r.Problem)
				}
			})
		})
	}
}

// TestAppendOnly: the database refuses UPDATE and DELETE of events and
// the deletion of the head, and the ent client refuses every write of the
// trail that does not come from audit.Append.
func TestAppendOnly(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		evs := trail(t, db, 2)
		ctx := context.Background()
		for _, stmt := range []string{
			`UPDATE audit_events SET subject = 'x'`,
			`DELETE FROM audit_events`,
			`DELETE FROM audit_heads`,
			`INSERT INTO audit_events (id, at, subject, action, object_type, object_id, decision) VALUES ('aud_x', '2026-01-01 00:00:00', 'x', 'PREVIEW', 'User', 'x', 'x')`,
		} {
			if _, err := db.SQL.ExecContext(ctx, stmt); err == nil {
				t.Errorf("the database accepted %s", stmt)
			}
		}
		sys := policy.SystemContext(ctx)
		writes := map[string]error{
			"create": read(db.Client, 9).Exec(sys),
			"update": db.Client.AuditEvent.UpdateOneID(evs[0].ID).SetSeq(9).Exec(sys),
			"delete": db.Client.AuditEvent.DeleteOneID(evs[0].ID).Exec(sys),
			"head":   db.Client.AuditHead.Update().SetSeq(0).Exec(sys),
		}
		for name, err := range writes {
			if !errors.Is(err, audit.ErrNotAudit) {
				t.Errorf("a %s of the trail outside package audit: %v, want ErrNotAudit", name, err)
			}
		}
		if r := verify(t, db); r.Problem != nil || r.Checked != 2 {
			t.Fatalf("after the refused writes: %d checked, %v", r.Checked, r.Problem)
		}
	})
}

// TestAppendInTransaction: an append in a transaction commits and rolls
// back with it.
func TestAppendInTransaction(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		for _, commit := range []bool{false, true} {
			tx, err := db.Client.Tx(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := audit.Append(ctx, tx.Client(), read(tx.Client(), 1)); err != nil {
				t.Fatal(err)
			}
			// The context's transaction is taken as well.
			if err := audit.Append(ent.NewTxContext(ctx, tx), db.Client, read(db.Client, 2)); err != nil {
				t.Fatal(err)
			}
			if commit {
				err = tx.Commit()
			} else {
				err = tx.Rollback()
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		evs := events(t, db)
		if len(evs) != 2 || *evs[0].Seq != 1 || *evs[1].Seq != 2 {
			t.Fatalf("after a rolled back and a committed transaction of two appends each: %d events", len(evs))
		}
		if r := verify(t, db); r.Problem != nil || r.Checked != 2 {
			t.Fatalf("%d checked, %v", r.Checked, r.Problem)
		}
	})
}

// TestConcurrentAppends: 50 goroutines appending at once, on one client
// and (PostgreSQL) on two clients of one database, make one valid chain
// holding every event.
func TestConcurrentAppends(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		clients := []*ent.Client{db.Client}
		if db.Dialect == dialect.Postgres {
			other, err := storage.Open(context.Background(), storagetest.ConfigOf(t, db))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { other.Close() })
			clients = append(clients, other.Client)
		}
		const goroutines, each = 50, 4
		var wg sync.WaitGroup
		errs := make(chan error, goroutines*each)
		for g := range goroutines {
			c := clients[g%len(clients)]
			wg.Go(func() {
				for i := range each {
					evs := []*ent.AuditEventCreate{read(c, g*100+i)}
					if i%2 == 1 {
						evs = append(evs, read(c, g*100+i+50))
					}
					errs <- audit.Append(context.Background(), c, evs...)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		want := int64(goroutines * each * 3 / 2)
		r := verify(t, db)
		if r.Problem != nil || r.Checked != want || r.HeadSeq != want {
			t.Fatalf("%d checked (head %d), want %d: %v", r.Checked, r.HeadSeq, want, r.Problem)
		}
	})
}

// TestEventsBeforeTheChain: events written before the chain existed (seq
// NULL, no head) are chained once, in (at, id) order, when the database is
// migrated; one inserted without a seq after that is not, and is reported.
func TestEventsBeforeTheChain(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		// The database as a version before the chain left it: events
		// without seq or hashes, no head row, no triggers.
		sqlExec(t, db, `DELETE FROM audit_heads`)
		base := time.Now().UTC().Truncate(time.Second)
		for i, id := range []string{"aud_b", "aud_a", "aud_c"} {
			sqlExec(t, db, `INSERT INTO audit_events (id, at, subject, action, object_type, object_id, fields, decision) VALUES ($1, $2, 'old', 'READ_SENSITIVE', 'Incident', 'inc_1', '["narrative"]', 'allowed by role admin')`,
				id, base.Add(-time.Duration(i)*time.Hour))
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		evs := events(t, db)
		var order []string
		for _, e := range evs {
			if e.Seq == nil {
				t.Fatalf("event %s left outside the chain", e.ID)
			}
			order = append(order, string(e.ID))
		}
		// aud_c is the oldest; aud_a and aud_b follow (one hour apart).
		if got := strings.Join(order, " "); got != "aud_c aud_a aud_b" {
			t.Fatalf("chained in the order %s", got)
		}
		if err := audit.Append(ctx, db.Client, read(db.Client, 1)); err != nil {
			t.Fatal(err)
		}
		if r := verify(t, db); r.Problem != nil || r.Checked != 4 {
			t.Fatalf("%d checked, %v", r.Checked, r.Problem)
		}
		// Later, an event without a seq is not chained by a migration.
		sqlExec(t, db, `INSERT INTO audit_events (id, at, subject, action, object_type, object_id, decision) VALUES ('aud_late', $1, 'x', 'PREVIEW', 'User', 'x', 'x')`, base)
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		r := verify(t, db)
		if r.Problem == nil || r.Problem.Kind != audit.Unchained || r.Problem.ID != "aud_late" {
			t.Fatalf("an event inserted without a seq after the chain started: %v", r.Problem)
		}
	})
}
