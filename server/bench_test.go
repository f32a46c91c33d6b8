package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/auth"
	"github.com/benkan-project/benkan/graph"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/server"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// benchServer serves db through BenchHandler, with or without access
// control, and returns its URL and the admin's token.
func benchServer(t *testing.T, db *storage.DB, noAccessControl bool) (string, string) {
	t.Helper()
	ctx := context.Background()
	engine := policy.NewEngine(db.Client)
	policies, err := store.OpenFor(ctx, db, engine, nil)
	if err != nil {
		t.Fatal(err)
	}
	secret := auth.RandomSecret()
	verifier, err := auth.NewVerifier(ctx, auth.Config{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	sys := policy.SystemContext(ctx)
	if n, _ := db.Client.User.Query().Count(sys); n == 0 {
		db.Client.User.Create().SetSubject(apitest.Admin).SetDisplayName("Admin").ExecX(sys)
		if err := policies.EnsureAssigned(store.AsOperator(ctx, "test"), "bench admin", []store.Assignment{{Subject: apitest.Admin, Role: "admin", Domain: "*"}}); err != nil {
			t.Fatal(err)
		}
		for _, code := range []string{"bench_a", "bench_b", "bench_c"} {
			db.Client.ViolationType.Create().SetCode(code).SetLabelFr(code).SetLabelEn(code).ExecX(sys)
		}
	}
	gql := graph.NewServer(db.Client, graph.Config{Logger: quiet, PseudonymKey: secret, NoAccessControl: noAccessControl})
	h := server.BenchHandler(server.Config{GraphQL: gql, Verifier: verifier, Viewers: engine, Ready: db.Ping, Logger: quiet},
		server.Bench{NoAccessControl: noAccessControl})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	tok, err := auth.Sign(secret, auth.DefaultIssuer, auth.DefaultAudience, apitest.Admin, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return ts.URL, tok
}

const benchQuery = `{"operationName": "Types", "query": "query Types { violationTypes(first: 10) { edges { node { code } } } }"}`

func post(t *testing.T, url, token, key, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set(server.HeaderBenchKey, key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return res, out
}

func benchReport(t *testing.T, url string) *server.BenchReport {
	t.Helper()
	res, err := http.Get(url + server.BenchPath)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var rep server.BenchReport
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", server.BenchPath, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	return &rep
}

// TestBenchHandler: in bench mode each GraphQL response says how many SQL
// statements it cost, and /debug/bench reports memory and the statements
// of the last request of each operation, with their arguments.
func TestBenchHandler(t *testing.T) {
	storagetest.EachWith(t, storage.Config{WrapDriver: storage.RecordStatements}, func(t *testing.T, db *storage.DB) {
		url, tok := benchServer(t, db, false)
		for i := range 2 {
			res, out := post(t, url, tok, "", benchQuery)
			if out["errors"] != nil {
				t.Fatalf("errors: %v", out["errors"])
			}
			n, err := strconv.Atoi(res.Header.Get(server.HeaderSQLStatements))
			viewer, err2 := strconv.Atoi(res.Header.Get(server.HeaderSQLStatementsViewer))
			if err != nil || err2 != nil || n-viewer != 1 {
				t.Fatalf("request %d: %s %q, %s %q: want one statement for the operation", i,
					server.HeaderSQLStatements, res.Header.Get(server.HeaderSQLStatements),
					server.HeaderSQLStatementsViewer, res.Header.Get(server.HeaderSQLStatementsViewer))
			}
		}
		post(t, url, tok, "types/admin", benchQuery)
		rep := benchReport(t, url)
		if rep.PeakRSSBytes <= 0 || rep.RSSBytes <= 0 || rep.PeakRSSBytes < rep.RSSBytes {
			t.Errorf("memory: peak %d, current %d", rep.PeakRSSBytes, rep.RSSBytes)
		}
		op := rep.Operations["Types"]
		if op == nil || op.Requests != 2 || len(op.Last) != 1 || !strings.Contains(op.Last[0].Query, "violation_types") {
			t.Fatalf("operation Types: %+v", op)
		}
		if op.Last[0].Args == nil {
			t.Errorf("statement without its arguments: %+v", op.Last[0])
		}
		if rep.Operations["types/admin"] == nil {
			t.Errorf("the %s header does not name the operation: %v", server.HeaderBenchKey, rep.Operations)
		}
		res, err := http.Post(url+server.BenchPath+"/reset", "", nil)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("reset: %v %v", res, err)
		}
		res.Body.Close()
		if rep := benchReport(t, url); len(rep.Operations) != 0 {
			t.Errorf("after reset: %v", rep.Operations)
		}
	})
}

// TestBenchNoAccessControl: with access control off, a request without a
// token reads everything; without it, it reads nothing.
func TestBenchNoAccessControl(t *testing.T) {
	storagetest.EachWith(t, storage.Config{WrapDriver: storage.RecordStatements}, func(t *testing.T, db *storage.DB) {
		on, _ := benchServer(t, db, false)
		if _, out := post(t, on, "", "", benchQuery); out["errors"] == nil || out["data"] != nil {
			t.Fatalf("access control on, no token: %v", out)
		}
		off, _ := benchServer(t, db, true)
		if rep := benchReport(t, off); !rep.NoAccessControl {
			t.Errorf("/debug/bench does not say access control is off")
		}
		_, out := post(t, off, "", "", benchQuery)
		data, _ := json.Marshal(out["data"])
		if out["errors"] != nil || strings.Count(string(data), "bench_") != 3 {
			t.Fatalf("access control off, no token: %v", out)
		}
		// A token is ignored, even one that is not valid.
		if _, out := post(t, off, "not.a.token", "", benchQuery); out["errors"] != nil {
			t.Fatalf("access control off, bad token: %v", out)
		}
	})
}

// TestNoBenchWithoutBenchMode: the normal handler has no /debug/bench and
// no statement header.
func TestNoBenchWithoutBenchMode(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		res := srv.Query(t, `{ violationTypes(first: 1) { totalCount } }`, nil)
		res.OK(t, nil)
		status, h, _ := send(t, http.MethodGet, srv.URL+server.BenchPath, "", nil)
		if status == http.StatusOK || h.Get(server.HeaderSQLStatements) != "" {
			t.Errorf("GET %s without bench mode: %d", server.BenchPath, status)
		}
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(benchQuery))
		req.Header.Set("Content-Type", "application/json")
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if v := r.Header.Get(server.HeaderSQLStatements); v != "" {
			t.Errorf("%s without bench mode: %q", server.HeaderSQLStatements, v)
		}
	})
}
