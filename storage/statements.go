package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"reflect"
	"sync"
	"time"

	"entgo.io/ent/dialect"
)

// Statement is one SQL statement as the driver received it.
type Statement struct {
	// Query is the SQL text, with $1… (PostgreSQL) or ? (SQLite) placeholders.
	Query string `json:"query"`
	// Args are the values bound to the placeholders, made JSON-friendly:
	// times in RFC 3339 with nanoseconds, driver.Valuers by their value.
	Args []any `json:"args"`
}

// RecordStatements is a Config.WrapDriver for benchmarks (see server.Bench):
// it records the SQL statements of each tracked request, in transactions
// too. A request opts in with Track, and only statements sent with a
// context derived from it are recorded; statements sent without a tracked
// context (migrations, background work) pass through untouched.
func RecordStatements(d dialect.Driver) dialect.Driver { return &recordingDriver{Driver: d} }

// Recording is what one tracked request issued.
type Recording struct {
	mu         sync.Mutex
	statements []recorded
	mark       int // statements before Mark
}

type recorded struct {
	query string
	args  any
}

// Track returns a context whose statements are recorded in the returned
// Recording.
func Track(ctx context.Context) (context.Context, *Recording) {
	r := &Recording{}
	return context.WithValue(ctx, recordingKey{}, r), r
}

type recordingKey struct{}

// RecordingFrom returns the Recording of a tracked context, or nil.
func RecordingFrom(ctx context.Context) *Recording { return recordingFrom(ctx) }

func recordingFrom(ctx context.Context) *Recording {
	r, _ := ctx.Value(recordingKey{}).(*Recording)
	return r
}

func (r *Recording) add(query string, args any) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.statements = append(r.statements, recorded{query, args})
	r.mu.Unlock()
}

// Mark notes that the statements from now on are the request's own work
// (the server marks where GraphQL execution starts, after authentication,
// whose statements load the viewer only when its cache is cold).
func (r *Recording) Mark() {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.mark = len(r.statements)
	r.mu.Unlock()
}

// Count returns the number of statements recorded so far, and how many of
// them were recorded before Mark.
func (r *Recording) Count() (total, beforeMark int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.statements), r.mark
}

// Statements returns the statements recorded since Mark (all of them
// without a Mark), in the order they were sent.
func (r *Recording) Statements() []Statement {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Statement, 0, len(r.statements)-r.mark)
	for _, s := range r.statements[r.mark:] {
		out = append(out, Statement{Query: s.query, Args: jsonArgs(s.args)})
	}
	return out
}

// jsonArgs turns a driver's argument list into values that survive a JSON
// round trip and bind to the same placeholders again.
func jsonArgs(args any) []any {
	list, ok := args.([]any)
	if !ok {
		if args == nil {
			return nil
		}
		return []any{fmt.Sprint(args)}
	}
	out := make([]any, len(list))
	for i, a := range list {
		out[i] = jsonArg(a)
	}
	return out
}

func jsonArg(a any) any {
	if v, ok := a.(driver.Valuer); ok {
		if val, err := v.Value(); err == nil {
			a = val
		}
	}
	switch v := a.(type) {
	case nil, bool, string, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return v
	case time.Time:
		return v.Format(time.RFC3339Nano)
	case []byte:
		return string(v)
	case fmt.Stringer:
		return v.String()
	}
	if rv := reflect.ValueOf(a); rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8 {
		return string(rv.Bytes()) // json.RawMessage and other named byte slices: their text, not "[123 34 …]"
	}
	return fmt.Sprint(a)
}

// recordingDriver records the statements of tracked contexts.
type recordingDriver struct {
	dialect.Driver
}

func (d *recordingDriver) Exec(ctx context.Context, query string, args, v any) error {
	recordingFrom(ctx).add(query, args)
	return d.Driver.Exec(ctx, query, args, v)
}

func (d *recordingDriver) Query(ctx context.Context, query string, args, v any) error {
	recordingFrom(ctx).add(query, args)
	return d.Driver.Query(ctx, query, args, v)
}

func (d *recordingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &recordingTx{Tx: tx}, nil
}

// BeginTx passes transaction options through, like ent's own driver.
func (d *recordingDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	b, ok := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return nil, fmt.Errorf("storage: driver %T does not support BeginTx", d.Driver)
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &recordingTx{Tx: tx}, nil
}

type recordingTx struct {
	dialect.Tx
}

func (t *recordingTx) Exec(ctx context.Context, query string, args, v any) error {
	recordingFrom(ctx).add(query, args)
	return t.Tx.Exec(ctx, query, args, v)
}

func (t *recordingTx) Query(ctx context.Context, query string, args, v any) error {
	recordingFrom(ctx).add(query, args)
	return t.Tx.Query(ctx, query, args, v)
}
