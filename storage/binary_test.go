package storage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/benkan-project/benkan/ent/policyversion"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestBinaryParameters: on PostgreSQL, the pool runs with lib/pq's
// binary_parameters (one round trip per statement), and every argument
// the ent client sends arrives as it was meant: []byte (ent's JSON
// fields) and json.RawMessage parsed as text into jsonb, json, text and
// varchar parameters; a nil []byte as NULL; a storage.Bytea as the bytes
// of a bytea; strings with quotes, backslashes and non-ASCII letters,
// integers, booleans, floats and times as before.
func TestBinaryParameters(t *testing.T) {
	var drv dialect.Driver
	cfg := storage.Config{WrapDriver: func(d dialect.Driver) dialect.Driver { drv = d; return d }}
	storagetest.EachWith(t, cfg, func(t *testing.T, db *storage.DB) {
		if db.Dialect != dialect.Postgres {
			t.Skip("binary_parameters is lib/pq's")
		}
		ctx := context.Background()
		// The pool runs in binary mode: there, and only there, lib/pq
		// sends a []byte as binary data, which jsonb refuses (its binary
		// form starts with a version byte); binaryArgs is what makes ent's
		// statements right.
		var ok bool
		if err := db.SQL.QueryRowContext(ctx, "SELECT $1::jsonb IS NOT NULL", []byte(`{"a":1}`)).Scan(&ok); err == nil {
			t.Fatal("a []byte reached jsonb through the pool as text: binary_parameters is not on")
		}
		// one asks PostgreSQL whether arg, as a parameter of type typ,
		// equals want written as a literal of that type.
		one := func(t *testing.T, typ string, arg any, want string) {
			t.Helper()
			var rows entsql.Rows
			if err := drv.Query(ctx, "SELECT $1::"+typ+"::text IS NOT DISTINCT FROM $2::"+typ+"::text, $1::"+typ+"::text", []any{arg, want}, &rows); err != nil {
				t.Fatalf("%s from %T: %v", typ, arg, err)
			}
			defer rows.Close()
			if !rows.Next() {
				t.Fatalf("%s from %T: no row", typ, arg)
			}
			var same bool
			var got *string
			if err := rows.Scan(&same, &got); err != nil {
				t.Fatal(err)
			}
			if !same {
				t.Errorf("%s from %T %q: got %v, want %q", typ, arg, arg, deref(got), want)
			}
		}
		doc := `{"ids": ["inc_1", "inc_2"], "text": "l'\"Ségou\" \\ fin"}`
		for _, typ := range []string{"jsonb", "json", "text", "varchar"} {
			one(t, typ, []byte(doc), doc)
			one(t, typ, json.RawMessage(doc), doc)
		}
		// ent's JSON fields: what sqlgraph passes for field.Strings.
		strs, _ := json.Marshal([]string{"p, admin, *, Incident, read", `é "q"`})
		one(t, "jsonb", strs, string(strs))

		var rows entsql.Rows
		if err := drv.Query(ctx, "SELECT $1::jsonb IS NULL, $2::bytea, $3::text, $4::bigint, $5::boolean, $6::float8, $7::timestamptz",
			[]any{[]byte(nil), storage.Bytea{0, 1, 0xff, '\\', 'x'}, `O'Brien \x00? é`, int64(-1) << 40, true, 0.1, time.Date(2023, 12, 18, 9, 30, 0, 123000, time.UTC)}, &rows); err != nil {
			t.Fatal(err)
		}
		if !rows.Next() {
			t.Fatal("no row")
		}
		var (
			isNull bool
			bs     []byte
			s      string
			n      int64
			b      bool
			f      float64
			at     time.Time
		)
		if err := rows.Scan(&isNull, &bs, &s, &n, &b, &f, &at); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if !isNull || !bytes.Equal(bs, []byte{0, 1, 0xff, '\\', 'x'}) || s != `O'Brien \x00? é` || n != -1<<40 || !b || f != 0.1 ||
			!at.Equal(time.Date(2023, 12, 18, 9, 30, 0, 123000, time.UTC)) {
			t.Errorf("round trip: %v %v %q %d %v %v %v", isNull, bs, s, n, b, f, at)
		}

		// Through ent itself: a JSON field written and read back, and a
		// query of it.
		sys := policy.SystemContext(ctx)
		added := []string{"p, admin, *, Incident, read", `p, x, "y", \z, é`}
		v, err := db.Client.PolicyVersion.Create().SetRevision(1).SetActor("test").SetReason("binary parameters").SetAdded(added).Save(sys)
		if err != nil {
			t.Fatal(err)
		}
		back, err := db.Client.PolicyVersion.Query().Where(policyversion.ID(v.ID)).Only(sys)
		if err != nil {
			t.Fatal(err)
		}
		if len(back.Added) != 2 || back.Added[0] != added[0] || back.Added[1] != added[1] {
			t.Errorf("added read back as %q", back.Added)
		}
	})
}

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}
