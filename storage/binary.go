package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/url"
	"reflect"
	"time"

	"entgo.io/ent/dialect"
)

// withBinaryParameters returns the PostgreSQL URL with lib/pq's
// binary_parameters=yes, unless the URL sets binary_parameters itself.
//
// Without it, lib/pq runs every statement with arguments in two round
// trips: Parse and Describe of an unnamed statement, to learn the types of
// its parameters, then Bind and Execute. With it, it sends Parse, Bind and
// Execute at once and lets PostgreSQL infer the parameters' types: one
// round trip, which was 19% of the server's CPU on an incident by id
// (BENCHMARKS.md, session 7). What changes is how []byte arguments are
// sent: in binary format, as the bytes of the parameter's binary
// representation, which is right for bytea only (jsonb, whose binary form
// starts with a version byte, would refuse JSON text). binaryArgs makes
// every statement of the ent client send them as text instead.
func withBinaryParameters(databaseURL string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", fmt.Errorf("database URL: %w", err)
	}
	q := u.Query()
	if q.Has("binary_parameters") {
		return databaseURL, nil
	}
	q.Set("binary_parameters", "yes")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Bytea is an argument for a bytea parameter: sent as its bytes, in binary
// format. A plain []byte argument is sent as text (see binaryArgs). No
// column of benkan is bytea today; Bytea is what one would take.
type Bytea []byte

// binaryArgs is the ent driver over PostgreSQL with binary_parameters: it
// turns each []byte argument into a string, which lib/pq sends in text
// format for PostgreSQL to parse as the parameter's type (the JSON of
// ent's JSON fields into jsonb, text into text or varchar), as it did
// before binary_parameters; and a Bytea into []byte, which lib/pq sends
// in binary format: a bytea's bytes.
type binaryArgs struct {
	dialect.Driver
}

// Exec implements dialect.ExecQuerier.
func (d binaryArgs) Exec(ctx context.Context, query string, args, v any) error {
	return d.Driver.Exec(ctx, query, textBytes(args), v)
}

// Query implements dialect.ExecQuerier.
func (d binaryArgs) Query(ctx context.Context, query string, args, v any) error {
	return d.Driver.Query(ctx, query, textBytes(args), v)
}

// Tx implements dialect.Driver.
func (d binaryArgs) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return binaryArgsTx{tx}, nil
}

// BeginTx opens a transaction with options, as ent's sql driver does.
func (d binaryArgs) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	b, ok := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return d.Tx(ctx)
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return binaryArgsTx{tx}, nil
}

// binaryArgsTx is a transaction whose statements' arguments are those of
// binaryArgs.
type binaryArgsTx struct {
	dialect.Tx
}

// Exec implements dialect.ExecQuerier.
func (t binaryArgsTx) Exec(ctx context.Context, query string, args, v any) error {
	return t.Tx.Exec(ctx, query, textBytes(args), v)
}

// Query implements dialect.ExecQuerier.
func (t binaryArgsTx) Query(ctx context.Context, query string, args, v any) error {
	return t.Tx.Query(ctx, query, textBytes(args), v)
}

// textBytes returns args ([]any, as ent passes them) with each argument
// changed by textArg; args itself when none is, which is most statements.
func textBytes(args any) any {
	list, ok := args.([]any)
	if !ok {
		return args
	}
	var out []any
	for i, a := range list {
		v, changed := textArg(a)
		if !changed {
			continue
		}
		if out == nil {
			out = append([]any(nil), list...)
		}
		out[i] = v
	}
	if out == nil {
		return args
	}
	return out
}

// textArg returns the argument lib/pq is to get for a: a string for a
// []byte, for a value of another []byte type (json.RawMessage) and for a
// driver.Valuer whose value is one; a []byte for a Bytea; nil for a nil
// []byte (NULL, as lib/pq sends it). It reports false for every other
// argument, which lib/pq sends as before.
func textArg(a any) (any, bool) {
	switch a := a.(type) {
	case nil, string, int, int64, bool, float64, time.Time:
		return nil, false
	case Bytea:
		return []byte(a), true
	case []byte:
		if a == nil {
			return nil, true
		}
		return string(a), true
	case driver.Valuer:
		v, err := a.Value()
		if b, ok := v.([]byte); ok && err == nil {
			return textArg(b)
		}
		return nil, false // database/sql calls Value again, and reports its error
	}
	if rv := reflect.ValueOf(a); rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8 {
		return textArg(rv.Bytes())
	}
	return nil, false
}
