package audit

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"entgo.io/ent/dialect"
	"entgo.io/ent/schema/field"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/ent/audithead"
	"github.com/benkan-project/benkan/ent/migrate"
)

// Attach tells Append which driver client runs on (storage.Open calls it).
// On PostgreSQL, a group commit is then, as long as no one else appended
// since this process last did, one statement and one round trip instead
// of a transaction of four statements (see oneStatement). Without Attach,
// Append works the same, through the head's lock every time.
func Attach(client *ent.Client, drv dialect.Driver, dialectName string) {
	if dialectName != dialect.Postgres || castsErr != nil {
		return
	}
	g := groupOf(client)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.drv = drv
}

// oneStatements counts the group commits written by oneStatement, for
// tests that check the path is taken.
var oneStatements atomic.Int64

// oneStatement writes evs after head, the head this process last
// committed, in one statement that moves the head only if it is still
// there and inserts the events only if it moved it:
//
//	WITH head AS (UPDATE audit_heads SET seq = …, hash = … WHERE id = 1
//	               AND seq = <known> AND hash = <known> AND key_id = <key> RETURNING 1)
//	INSERT INTO audit_events (…) SELECT * FROM (VALUES (…), …) AS v
//	WHERE EXISTS (SELECT FROM head)
//
// The UPDATE takes the head's row lock as the transaction of appendIn
// does, and a concurrent appender that moved the head first makes its
// condition false once that appender commits (PostgreSQL re-reads the
// row it waited for): then nothing is written and ok is false, and the
// caller appends through the lock, which reads the head. The statement
// commits on its own (autocommit), all or nothing. The events and their
// hashes are those place makes, byte for byte what CreateBulk would write
// (the unique seq is a second guard against writing twice at one place).
func oneStatement(ctx context.Context, drv dialect.Driver, c *ent.Client, head chainHead, evs []event) (next chainHead, ok bool, err error) {
	key := currentKey()
	if keyID(key) != head.keyID {
		return chainHead{}, false, nil
	}
	builders, next, err := place(c, key, head, evs)
	if err != nil {
		return chainHead{}, false, err
	}
	query, args, err := oneStatementSQL(head, next, builders)
	if err != nil {
		return chainHead{}, false, err
	}
	var res stdsql.Result
	if err := drv.Exec(ctx, query, args, &res); err != nil {
		return chainHead{}, false, fmt.Errorf("write audit events: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return chainHead{}, false, fmt.Errorf("write audit events: %w", err)
	}
	switch n {
	case 0:
		return chainHead{}, false, nil // the head moved
	case int64(len(builders)):
		oneStatements.Add(1)
		return next, true, nil
	}
	return chainHead{}, false, fmt.Errorf("write audit events: %d of %d rows written", n, len(builders))
}

// oneStatementSQL is the statement of oneStatement and its arguments.
func oneStatementSQL(head, next chainHead, builders []*ent.AuditEventCreate) (string, []any, error) {
	// The columns any event sets, in the table's order; NULL where an
	// event leaves one unset, as an INSERT that omits it writes (none of
	// these columns has a default).
	set := map[string]bool{auditevent.FieldID: true}
	for _, b := range builders {
		for _, name := range b.Mutation().Fields() {
			set[name] = true
		}
	}
	var cols []string
	for _, col := range migrate.AuditEventsColumns {
		if set[col.Name] {
			cols = append(cols, col.Name)
		}
	}
	args := []any{next.seq, next.hash, head.seq, head.hash, head.keyID}
	var b strings.Builder
	fmt.Fprintf(&b, `WITH head AS (UPDATE %q SET %q = $1, %q = $2 WHERE %q = %d AND %q = $3 AND %q = $4 AND %q = $5 RETURNING 1) INSERT INTO %q (`,
		audithead.Table, audithead.FieldSeq, audithead.FieldHash, audithead.FieldID, headID,
		audithead.FieldSeq, audithead.FieldHash, audithead.FieldKeyID, auditevent.Table)
	for i, col := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(col))
	}
	b.WriteString(") SELECT * FROM (VALUES ")
	for r, bl := range builders {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		m := bl.Mutation()
		for i, col := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			var v any
			var has bool
			if col == auditevent.FieldID {
				v, has = m.ID()
			} else {
				v, has = m.Field(col)
			}
			if !has {
				fmt.Fprintf(&b, "NULL::%s", casts[col].sqlType)
				continue
			}
			if casts[col].json {
				j, err := json.Marshal(v) // as sqlgraph does for a JSON field
				if err != nil {
					return "", nil, fmt.Errorf("write audit events: column %s: %w", col, err)
				}
				v = string(j)
			}
			args = append(args, v)
			fmt.Fprintf(&b, "$%d::%s", len(args), casts[col].sqlType)
		}
		b.WriteByte(')')
	}
	b.WriteString(") AS v WHERE EXISTS (SELECT FROM head)")
	return b.String(), args, nil
}

// A cast is how a value of a column is written in oneStatement's VALUES,
// whose types PostgreSQL does not infer from the table.
type cast struct {
	sqlType string
	json    bool // marshalled to JSON first, as ent writes a JSON field
}

// casts are the columns of audit_events with the types ent's migration
// gives them on PostgreSQL (ent/migrate); castsErr is set if a column has
// a type it does not know, and Attach then leaves the one-statement path
// off (TestOneStatementAppend fails if that happens).
var casts, castsErr = func() (map[string]cast, error) {
	out := map[string]cast{}
	for _, col := range migrate.AuditEventsColumns {
		switch col.Type {
		case field.TypeString, field.TypeEnum:
			out[col.Name] = cast{sqlType: "varchar"}
		case field.TypeTime:
			out[col.Name] = cast{sqlType: "timestamptz"}
		case field.TypeInt64, field.TypeInt:
			out[col.Name] = cast{sqlType: "bigint"}
		case field.TypeJSON:
			out[col.Name] = cast{sqlType: "jsonb", json: true}
		default:
			return nil, fmt.Errorf("audit_events.%s has type %s, which oneStatement does not write", col.Name, col.Type)
		}
	}
	return out, nil
}()
