package graph_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"entgo.io/contrib/entgql"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/graph"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// driverLeaks are strings that betray the database, its driver or the
// network behind a response: none may appear in one.
var driverLeaks = []string{
	"pq:", "sqlite", "SQLITE", "dial tcp", "connection refused", "connection reset", "starting up",
	"127.0.0.1", "SELECT", "INSERT", "UPDATE ", "sql:", "driver", "goroutine", "violation_types",
}

// entPrefix is ent's prefix of its own error messages ("ent: validator
// failed…"), as a word.
var entPrefix = regexp.MustCompile(`(^|[^A-Za-z])ent: `)

// wantNoLeak fails the test if the raw response names the database,
// its driver or SQL.
func wantNoLeak(t *testing.T, r *apitest.Response) {
	t.Helper()
	for _, leak := range driverLeaks {
		if bytes.Contains(r.Body, []byte(leak)) {
			t.Errorf("the response leaks %q: %s", leak, r.Body)
		}
	}
	if entPrefix.Match(r.Body) {
		t.Errorf("the response leaks an ent error: %s", r.Body)
	}
}

// cursor returns the opaque form of a cursor with this id and value, as
// entgql writes it (base64 msgpack), so that tests can forge any value.
func cursor(t *testing.T, id gid.ID, value any) string {
	t.Helper()
	var buf bytes.Buffer
	entgql.Cursor[gid.ID]{ID: id, Value: value}.MarshalGQL(&buf)
	s, err := strconv.Unquote(buf.String())
	if err != nil {
		t.Fatalf("cursor: %v", err)
	}
	return s
}

// TestForgedCursors: a cursor that decodes but whose values do not fit the
// connection's orderBy (a map, a boolean, a string for a time, too many or
// too few values) is BAD_USER_INPUT "invalid cursor", never INTERNAL and
// never a driver's message; a cursor of the right types pages.
func TestForgedCursors(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db.Client, 4)
		srv := apitest.Start(t, db)
		id := f.incidents[0].ID
		at := time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)
		byDate := []map[string]any{{"field": "OCCURRED_AT", "direction": "DESC"}}
		byRef := []map[string]any{{"field": "REFERENCE", "direction": "ASC"}}
		byTwo := []map[string]any{{"field": "STATUS", "direction": "ASC"}, {"field": "OCCURRED_AT", "direction": "DESC"}}
		tests := []struct {
			name    string
			orderBy []map[string]any
			value   any
			ok      bool
		}{
			{"map for a time", byDate, []any{map[string]any{"$gt": ""}}, false},
			{"boolean for a time", byDate, []any{true}, false},
			{"string for a time", byDate, []any{"2023-01-01"}, false},
			{"number for a time", byDate, []any{1672531200}, false},
			{"list for a time", byDate, []any{[]any{at}}, false},
			{"null for a required time", byDate, []any{nil}, false},
			{"two values for one field", byDate, []any{at, at}, false},
			{"no value for one field (omitted: pages by id)", byDate, []any{}, true},
			{"a map instead of the values", byDate, map[string]any{"v": at}, false},
			{"a boolean instead of the values", byDate, true, false},
			{"a string instead of the values", byDate, "x", false},
			{"number for a string", byRef, []any{42}, false},
			{"map for a string", byRef, []any{map[string]any{"a": 1}}, false},
			{"time for an enum", byTwo, []any{at, at}, false},
			{"a value without orderBy", nil, []any{"x"}, false},
			{"a time", byDate, []any{at}, true},
			{"a string", byRef, []any{"NIO-2023-0001"}, true},
			{"an enum and a time", byTwo, []any{"VERIFIED", at}, true},
			{"no values without orderBy", nil, []any{}, true},
			{"no value at all", byDate, nil, true},
			{"invalid UTF-8 in a string", byRef, []any{"NIO-\xfa"}, false},
			{"NUL in a string", byRef, []any{"NIO-\x00"}, false},
			{"year 20000", byDate, []any{time.Date(20000, 1, 1, 0, 0, 0, 0, time.UTC)}, false},
			{"year -5", byDate, []any{time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)}, false},
			{"year 9999", byDate, []any{time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)}, true},
		}
		const query = `query($c: Cursor, $o: [IncidentOrder!]) { incidents(first: 2, after: $c, orderBy: $o) { edges { node { id } } } }`
		const queryBefore = `query($c: Cursor, $o: [IncidentOrder!]) { incidents(last: 2, before: $c, orderBy: $o) { edges { node { id } } } }`
		for _, tt := range tests {
			for _, q := range []struct{ name, doc, field string }{{"after", query, "after"}, {"before", queryBefore, "before"}} {
				t.Run(tt.name+"/"+q.name, func(t *testing.T) {
					vars := map[string]any{"c": cursor(t, id, tt.value)}
					if tt.orderBy != nil {
						vars["o"] = tt.orderBy
					}
					r := srv.Query(t, q.doc, vars)
					wantNoLeak(t, r)
					if tt.ok {
						r.OK(t, nil)
						return
					}
					e := wantError(t, r, "BAD_USER_INPUT", q.field)
					if !strings.Contains(e.Message, "invalid cursor") {
						t.Errorf("message %q does not say invalid cursor", e.Message)
					}
				})
			}
		}
		for name, forged := range map[string]gid.ID{"not UTF-8": "0000\xfa0000", "empty": "", "not an id": "inc_1", "NUL": "inc_\x00"} {
			t.Run("cursor id "+name, func(t *testing.T) {
				r := srv.Query(t, query, map[string]any{"c": cursor(t, forged, []any{at}), "o": byDate})
				wantNoLeak(t, r)
				wantError(t, r, "BAD_USER_INPUT", "after")
			})
		}
		t.Run("on a nested connection", func(t *testing.T) {
			r := srv.Query(t, `query($c: Cursor) { localities(first: 5) { edges { node { incidents(first: 1, after: $c, orderBy: [{field: OCCURRED_AT}]) { totalCount } } } } }`,
				map[string]any{"c": cursor(t, id, []any{map[string]any{}})})
			wantNoLeak(t, r)
			wantError(t, r, "BAD_USER_INPUT", "after")
			wantNoData(t, r)
		})
	})
}

// TestPersistedQueries: a malformed persistedQuery extension or a hash
// that does not match the query is BAD_USER_INPUT with a message saying
// what is expected; an unknown hash stays PERSISTED_QUERY_NOT_FOUND; a
// well-formed one is stored and served, over POST and GET.
func TestPersistedQueries(t *testing.T) {
	const query = `{ __typename }`
	sum := sha256.Sum256([]byte(query))
	hash := hex.EncodeToString(sum[:])
	unknown := strings.Repeat("0", 64)
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		tests := []struct {
			name    string
			body    string
			code    string // "" when served
			mention string
		}{
			{"sha256Hash a number", `{"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": 42}}}`, "BAD_USER_INPUT", "must be a string"},
			{"sha256Hash an object", `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": {"a": 1}}}}`, "BAD_USER_INPUT", "must be a string"},
			{"sha256Hash a list", `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": ["` + hash + `"]}}}`, "BAD_USER_INPUT", "must be a string"},
			{"sha256Hash missing", `{"extensions": {"persistedQuery": {"version": 1}}}`, "BAD_USER_INPUT", "sha256Hash"},
			{"sha256Hash too short", `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}}`, "BAD_USER_INPUT", "64"},
			{"sha256Hash upper case", `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "` + strings.ToUpper(hash) + `"}}}`, "BAD_USER_INPUT", "lower-case"},
			{"sha256Hash not hex", `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "` + strings.Repeat("z", 64) + `"}}}`, "BAD_USER_INPUT", "hex"},
			{"version 2", `{"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 2, "sha256Hash": "` + hash + `"}}}`, "BAD_USER_INPUT", "version"},
			{"version a string", `{"query": "{ __typename }", "extensions": {"persistedQuery": {"version": "1", "sha256Hash": "` + hash + `"}}}`, "BAD_USER_INPUT", "version"},
			{"version missing", `{"query": "{ __typename }", "extensions": {"persistedQuery": {"sha256Hash": "` + hash + `"}}}`, "BAD_USER_INPUT", "version"},
			{"extension a string", `{"query": "{ __typename }", "extensions": {"persistedQuery": "` + hash + `"}}`, "BAD_USER_INPUT", "object"},
			{"extension a list", `{"query": "{ __typename }", "extensions": {"persistedQuery": [1]}}`, "BAD_USER_INPUT", "object"},
			{"hash of another query", `{"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "` + unknown + `"}}}`, "BAD_USER_INPUT", "does not match"},
			{"unknown hash", `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "` + unknown + `"}}}`, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound"},
			{"register", `{"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "` + hash + `"}}}`, "", ""},
			{"by hash", `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "` + hash + `"}}}`, "", ""},
			{"version 1.0", `{"extensions": {"persistedQuery": {"version": 1.0, "sha256Hash": "` + hash + `"}}}`, "BAD_USER_INPUT", "version"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := srv.Post(t, "application/json", []byte(tt.body))
				wantNoLeak(t, r)
				if tt.code == "" {
					r.OK(t, nil)
					return
				}
				e := wantError(t, r, tt.code, "")
				if !strings.Contains(e.Message, tt.mention) {
					t.Errorf("message %q does not mention %q", e.Message, tt.mention)
				}
			})
		}
		t.Run("GET", func(t *testing.T) {
			ext := func(h any) string {
				b, _ := json.Marshal(map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": h}})
				return url.QueryEscape(string(b))
			}
			r := getGraphQL(t, srv, "extensions="+ext(true))
			wantError(t, r, "BAD_USER_INPUT", "")
			r = getGraphQL(t, srv, "extensions="+ext(unknown))
			wantError(t, r, "PERSISTED_QUERY_NOT_FOUND", "")
			getGraphQL(t, srv, "extensions="+ext(hash)).OK(t, nil)
		})
	})
}

// TestValidationStatesTheRule: a value a validator of ent/schema refuses is
// BAD_USER_INPUT naming the field, with the rule written next to the field
// in ent/schema (or its length limits), not ent's "validator failed".
func TestValidationStatesTheRule(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		long := strings.Repeat("x", 201)
		tests := []struct {
			name, doc, field, rule string
		}{
			{"violation type code", `mutation { createViolationType(input: {code: "Bad Code!", labelFr: "x", labelEn: "y"}) { id } }`,
				"code", "a lower-case letter, then lower-case letters, digits or '_'"},
			{"violation type label too long", `mutation { createViolationType(input: {code: "long_label", labelFr: "` + long + `", labelEn: "y"}) { id } }`,
				"labelFr", "at most 200 characters"},
			{"violation type label empty", `mutation { createViolationType(input: {code: "empty_label", labelFr: "", labelEn: "y"}) { id } }`,
				"labelFr", "not empty"},
			{"locality latitude", `mutation { createLocality(input: {name: "Nulle part", level: COMMUNE, latitude: 91}) { id } }`,
				"latitude", "from -90 to 90"},
			{"locality name empty", `mutation { createLocality(input: {name: "", level: COMMUNE}) { id } }`,
				"name", "not empty, and at most 200 characters"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := rowCounts(t, db)
				r := srv.Query(t, tt.doc, nil)
				wantNoLeak(t, r)
				e := wantError(t, r, "BAD_USER_INPUT", tt.field)
				if !strings.Contains(e.Message, tt.rule) {
					t.Errorf("message %q does not state the rule %q", e.Message, tt.rule)
				}
				wantSameCounts(t, db, before)
			})
		}
	})
}

// TestIntrospectionDisabled: with --introspection=false, __schema and
// __type are FORBIDDEN with a message saying so (also through fragments),
// __typename is served, and validation errors suggest no field names.
func TestIntrospectionDisabled(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.StartWith(t, db, apitest.Options{NoIntrospection: true})
		for _, doc := range []string{
			`{ __schema { types { name } } }`,
			`{ __type(name: "Incident") { fields { name } } }`,
			`{ __typename a: __schema { queryType { name } } }`,
			`query { ...F } fragment F on Query { __type(name: "Query") { name } }`,
			`query { ... on Query { __schema { queryType { name } } } }`,
		} {
			t.Run(doc, func(t *testing.T) {
				r := srv.Query(t, doc, nil)
				e := wantError(t, r, "FORBIDDEN", "")
				wantNoData(t, r)
				if !strings.Contains(e.Message, "introspection is disabled") {
					t.Errorf("message %q", e.Message)
				}
			})
		}
		t.Run("__typename", func(t *testing.T) {
			srv.Query(t, `{ __typename }`, nil).OK(t, nil)
		})
		t.Run("no suggestions", func(t *testing.T) {
			r := srv.Query(t, `{ incident(first: 1) { totalCount } }`, nil)
			e := wantError(t, r, "GRAPHQL_VALIDATION_FAILED", "")
			if strings.Contains(e.Message, "Did you mean") || strings.Contains(e.Message, "incidents") {
				t.Errorf("the message suggests a field: %q", e.Message)
			}
		})
	})
	t.Run("enabled", func(t *testing.T) {
		storagetest.Each(t, func(t *testing.T, db *storage.DB) {
			srv := apitest.Start(t, db)
			srv.Query(t, `{ __schema { queryType { name } } }`, nil).OK(t, nil)
			r := srv.Query(t, `{ incident(first: 1) { totalCount } }`, nil)
			if e := wantError(t, r, "GRAPHQL_VALIDATION_FAILED", ""); !strings.Contains(e.Message, "Did you mean") {
				t.Errorf("with introspection, suggestions stay: %q", e.Message)
			}
		})
	})
}

// TestInternalCarriesRequestID: a real fault (a table gone from under the
// server) is INTERNAL with the request id in extensions.requestId and in
// the message, the same id as the X-Request-ID response header, and nothing
// of the fault; an incoming sane X-Request-ID is kept, an insane one
// replaced.
func TestInternalCarriesRequestID(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		if _, err := db.SQL.ExecContext(context.Background(), `DROP TABLE follow_ups`); err != nil {
			t.Fatalf("drop a table: %v", err)
		}
		for _, tt := range []struct{ name, sent, want string }{
			{"generated", "", ""},
			{"kept", "gateway-42.abc:7", "gateway-42.abc:7"},
			{"replaced: markup", "<script>", ""},
			{"replaced: too long", strings.Repeat("a", 65), ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				body, _ := json.Marshal(map[string]any{"query": `{ followUps(first: 1) { edges { node { id } } } }`})
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+srv.Token(t, apitest.Admin))
				if tt.sent != "" {
					req.Header.Set("X-Request-ID", tt.sent)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				header := res.Header.Get("X-Request-ID")
				r := srv.Do(t, cloneRequest(t, req))
				wantNoLeak(t, r)
				e := wantError(t, r, "INTERNAL", "")
				id, _ := e.Extensions["requestId"].(string)
				if id == "" || !strings.Contains(e.Message, id) {
					t.Fatalf("INTERNAL without its request id: %s", r.Body)
				}
				if tt.want != "" && (id != tt.want || header != tt.want) {
					t.Errorf("request id %q, header %q, want %q", id, header, tt.want)
				}
				if tt.want == "" && (header == "" || header == tt.sent || len(header) > 64) {
					t.Errorf("X-Request-ID %q for a request that sent %q", header, tt.sent)
				}
			})
		}
	})
}

// cloneRequest returns a copy of req that can be sent again.
func cloneRequest(t *testing.T, req *http.Request) *http.Request {
	t.Helper()
	c := req.Clone(context.Background())
	body, err := req.GetBody()
	if err != nil {
		t.Fatal(err)
	}
	c.Body = body
	return c
}

// TestHandlerAloneRefusesBadBodies: the GraphQL handler without the HTTP
// guard in front still answers an undecodable body BAD_REQUEST, without
// echoing it, never INTERNAL.
func TestHandlerAloneRefusesBadBodies(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ts := httptest.NewServer(graph.NewServer(db.Client, graph.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
		defer ts.Close()
		for _, body := range []string{`{"query": `, `[1, 2]`, `"secret-body"`} {
			res, err := http.Post(ts.URL, "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(raw), `"code":"BAD_REQUEST"`) || strings.Contains(string(raw), "secret-body") {
				t.Errorf("%s: %d %s", body, res.StatusCode, raw)
			}
		}
	})
}

// TestEnumVariablesExactly: an enum value in a variable must be one of the
// enum's values exactly (gqlparser lets other cases and numbers through):
// anything else is GRAPHQL_VALIDATION_FAILED, never INTERNAL.
func TestEnumVariablesExactly(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		const byStatus = `query($s: IncidentStatus) { incidents(first: 1, where: {status: $s}) { totalCount } }`
		const byStatuses = `query($s: [IncidentStatus!]) { incidents(first: 1, where: {statusIn: $s}) { totalCount } }`
		const ordered = `query($o: [IncidentOrder!]) { incidents(first: 1, orderBy: $o) { totalCount } }`
		tests := []struct {
			name, doc string
			vars      map[string]any
			ok        bool
		}{
			{"lower case", byStatus, map[string]any{"s": "verified"}, false},
			{"mixed case", byStatus, map[string]any{"s": "VeRIFIED"}, false},
			{"a number", byStatus, map[string]any{"s": 3}, false},
			{"exact", byStatus, map[string]any{"s": "VERIFIED"}, true},
			{"in a list", byStatuses, map[string]any{"s": []any{"VERIFIED", "closed"}}, false},
			{"a single value for a list", byStatuses, map[string]any{"s": "closed"}, false},
			{"exact list", byStatuses, map[string]any{"s": []any{"VERIFIED", "CLOSED"}}, true},
			{"order field", ordered, map[string]any{"o": []any{map[string]any{"field": "OcCURRED_AT"}}}, false},
			{"order direction", ordered, map[string]any{"o": []any{map[string]any{"field": "OCCURRED_AT", "direction": "desc"}}}, false},
			{"exact order", ordered, map[string]any{"o": []any{map[string]any{"field": "OCCURRED_AT", "direction": "DESC"}}}, true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := srv.Query(t, tt.doc, tt.vars)
				wantNoLeak(t, r)
				if tt.ok {
					r.OK(t, nil)
					return
				}
				wantError(t, r, "GRAPHQL_VALIDATION_FAILED", "")
				wantNoData(t, r)
			})
		}
	})
}
