package graph_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/demo"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// The fuzz targets drive real servers over HTTP: one per test database
// (SQLite, and PostgreSQL when BENKAN_TEST_DATABASE_URL is set) with the demo
// data, plus servers whose database is down (SQLite closed; PostgreSQL
// behind a proxy that refuses connections). Their seed corpora in
// testdata/fuzz/<FuzzName>/ run with every `go test ./...`; `go test
// -fuzz=FuzzName ./graph` explores further. Every response must hold:
// no panic and no 5xx (but 503 from a server whose database is down), a
// JSON body whose every error has an extensions.code, and no SQL, table,
// driver or network text.

// fuzzServer is one server the fuzz targets send to.
type fuzzServer struct {
	name string
	srv  *apitest.Server
	down bool // its database is unavailable: 503 is allowed
}

// fuzzSubjects are the users the fuzzers act as: the admin (everything
// reaches the database) and demo users of restricted roles (access checks,
// masks and row filters run too).
var fuzzSubjects = []string{apitest.Admin, "dihr.officer", "fsi.niono", "monitor.niono", ""}

// fuzzServers starts the servers of a fuzz target, once per target.
func fuzzServers(f *testing.F) []fuzzServer {
	f.Helper()
	var out []fuzzServer
	for _, d := range storagetest.Databases() {
		db := d.Open(f, storage.Config{})
		srv := apitest.Start(f, db)
		loadDemo(f, srv, db)
		out = append(out, fuzzServer{name: d.Name, srv: srv})
	}
	// SQLite closed: the server is shutting down.
	closed := storagetest.Databases()[0].Open(f, storage.Config{})
	closedSrv := apitest.Start(f, closed)
	closedSrv.Query(f, `{ __typename }`, nil)
	if err := closed.SQL.Close(); err != nil {
		f.Fatal(err)
	}
	out = append(out, fuzzServer{name: "sqlite-closed", srv: closedSrv, down: true})
	if len(storagetest.Databases()) > 1 {
		_, proxied, proxy := storagetest.ThroughProxy(f)
		srv := apitest.Start(f, proxied)
		proxy.Down()
		out = append(out, fuzzServer{name: "postgres-down", srv: srv, down: true})
	}
	return out
}

// loadDemo loads the demo data and assigns the demo users their roles.
func loadDemo(f *testing.F, srv *apitest.Server, db *storage.DB) {
	f.Helper()
	ctx := policy.SystemContext(context.Background())
	if _, err := demo.Load(ctx, db.Client); err != nil {
		f.Fatalf("load demo data: %v", err)
	}
	as, err := demo.Assignments(ctx, db.Client)
	if err != nil {
		f.Fatal(err)
	}
	for _, a := range as {
		if err := srv.Assign(context.Background(), a.Subject, a.Role, a.Domain); err != nil {
			f.Fatalf("assign %s: %v", a.Subject, err)
		}
	}
}

// fuzzLeaks are what a response body must never contain: SQL, the names of
// tables and columns, the drivers' and ent's messages, the network.
var fuzzLeaks = regexp.MustCompile(`pq: |(?i:sqlite)|SELECT |INSERT INTO|UPDATE "|DELETE FROM| FROM "|dial tcp|connection refused|connection reset|(^|[^A-Za-z])ent: |sql: |driver: |goroutine |\.go:[0-9]|"violation_types"|incident_violation_types|follow_ups|\bcollected_by_id\b|\blocality_id\b`)

// checkFuzzResponse fails the test unless a response obeys the rules above.
func checkFuzzResponse(t *testing.T, s fuzzServer, status int, header http.Header, body []byte) {
	t.Helper()
	switch {
	case status >= 500 && !(s.down && status == http.StatusServiceUnavailable):
		t.Fatalf("%s: status %d: %.2000s", s.name, status, body)
	case status == http.StatusServiceUnavailable && header.Get("Retry-After") == "":
		t.Errorf("%s: 503 without Retry-After", s.name)
	}
	if m := fuzzLeaks.Find(body); m != nil {
		t.Fatalf("%s: the response leaks %q: %.2000s", s.name, m, body)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return // OPTIONS, HEAD: no body
	}
	var resp struct {
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatalf("%s: status %d, the body is not a JSON response: %v: %.2000s", s.name, status, err, body)
	}
	for _, e := range resp.Errors {
		code, _ := e.Extensions["code"].(string)
		if code == "" {
			t.Fatalf("%s: an error without extensions.code: %.2000s", s.name, body)
		}
		if code == "INTERNAL" {
			t.Fatalf("%s: INTERNAL for a client's request: %.2000s", s.name, body)
		}
		if code == "UNAVAILABLE" && !s.down {
			t.Fatalf("%s: UNAVAILABLE with the database up: %.2000s", s.name, body)
		}
	}
}

// fuzzClient bounds each request, so that a hang is a failure, not a stall.
var fuzzClient = &http.Client{Timeout: 30 * time.Second}

// send sends req to s and checks the response.
func (s fuzzServer) send(t *testing.T, req *http.Request) {
	t.Helper()
	res, err := fuzzClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %s: %v", s.name, req.Method, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s: read the response: %v", s.name, err)
	}
	checkFuzzResponse(t, s, res.StatusCode, res.Header, body)
}

// post sends a GraphQL request as subject.
func (s fuzzServer) post(t *testing.T, subject string, payload map[string]any) {
	t.Helper()
	body, err := json.Marshal(payload)
	if err != nil {
		t.Skip("not encodable as JSON")
	}
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if subject != "" {
		req.Header.Set("Authorization", "Bearer "+s.srv.Token(t, subject))
	}
	s.send(t, req)
}

func subjectOf(i uint8) string { return fuzzSubjects[int(i)%len(fuzzSubjects)] }

// FuzzHTTPRequest: any method, path query, headers and body sent to
// /graphql. header is one "Name: value" line per header; the admin's token
// is sent unless header sets Authorization.
func FuzzHTTPRequest(f *testing.F) {
	servers := fuzzServers(f)
	f.Fuzz(func(t *testing.T, method, rawQuery, header string, body []byte) {
		if !validMethod(method) {
			t.Skip("not an HTTP method token")
		}
		for _, s := range servers {
			req, err := http.NewRequest(method, s.srv.URL+"/graphql", bytes.NewReader(body))
			if err != nil {
				t.Skip("not a request")
			}
			req.URL.RawQuery = rawQuery
			if strings.ContainsAny(rawQuery, " #\x7f") || strings.ContainsFunc(rawQuery, func(r rune) bool { return r < 0x20 }) {
				t.Skip("not sendable as a URL")
			}
			req.Header.Set("Authorization", "Bearer "+s.srv.Token(t, apitest.Admin))
			for line := range strings.SplitSeq(header, "\n") {
				name, value, ok := strings.Cut(line, ":")
				if !ok || !validHeader(name, value) {
					continue
				}
				req.Header.Set(name, strings.TrimSpace(value))
			}
			s.send(t, req)
		}
	})
}

func validMethod(m string) bool {
	if m == "" || len(m) > 16 || m == "CONNECT" {
		return false
	}
	for _, c := range m {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// validHeader reports whether the Go client can send the header at all
// (it refuses invalid names and values before anything leaves).
func validHeader(name, value string) bool {
	if name == "" || len(name) > 64 || strings.EqualFold(name, "Host") || strings.EqualFold(name, "Content-Length") ||
		strings.EqualFold(name, "Transfer-Encoding") || strings.EqualFold(name, "Connection") || strings.EqualFold(name, "Expect") {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	for _, c := range value {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// FuzzDocument: any GraphQL document with any variables (a JSON object;
// anything else is sent without variables) and operation name, as one of
// the fuzz subjects.
func FuzzDocument(f *testing.F) {
	servers := fuzzServers(f)
	f.Fuzz(func(t *testing.T, subject uint8, query, variables, operationName string) {
		payload := map[string]any{"query": query}
		var vars map[string]any
		if json.Unmarshal([]byte(variables), &vars) == nil && vars != nil {
			payload["variables"] = vars
		}
		if operationName != "" {
			payload["operationName"] = operationName
		}
		for _, s := range servers {
			s.post(t, subjectOf(subject), payload)
		}
	})
}

// FuzzCursorAndID: any cursor (its msgpack bytes, base64-encoded as entgql
// does, or sent as the raw string when raw is set) on a connection ordered
// by any field, and any id to node, nodes and an update mutation.
func FuzzCursorAndID(f *testing.F) {
	servers := fuzzServers(f)
	const connection = `query($c: Cursor, $o: [IncidentOrder!]) {
	  a: incidents(first: 3, after: $c, orderBy: $o) { totalCount edges { cursor node { id reference } } }
	  b: incidents(last: 3, before: $c, orderBy: $o) { edges { node { id } } }
	  localities(first: 3) { edges { node { incidents(first: 1, after: $c, orderBy: $o) { edges { node { id } } } } } }
	}`
	const byID = `query($id: ID!) { node(id: $id) { id ... on Incident { reference } } nodes(ids: [$id]) { id } }`
	const update = `mutation($id: ID!) { updateViolationType(id: $id, input: {labelEn: "fuzz"}) { id } }`
	f.Fuzz(func(t *testing.T, subject uint8, cursor []byte, raw bool, orderField string, id string) {
		c := base64.RawStdEncoding.EncodeToString(cursor)
		if raw {
			c = string(cursor)
		}
		vars := map[string]any{"c": c}
		if orderField != "" {
			vars["o"] = []map[string]any{{"field": orderField, "direction": "DESC"}}
		}
		for _, s := range servers {
			s.post(t, subjectOf(subject), map[string]any{"query": connection, "variables": vars})
			s.post(t, subjectOf(subject), map[string]any{"query": byID, "variables": map[string]any{"id": id}})
			s.post(t, subjectOf(subject), map[string]any{"query": update, "variables": map[string]any{"id": id}})
		}
	})
}
