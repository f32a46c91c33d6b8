package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// unavailableRequests are the requests a server whose database is down must
// answer 503 UNAVAILABLE: a query over POST and over GET, a mutation, and a
// request of a user the server has not seen yet (whose viewer must be read
// from the database before GraphQL runs).
func unavailableRequests(t *testing.T, srv *apitest.Server) map[string]func() *apitest.Response {
	t.Helper()
	const query = `{ violationTypes(first: 5) { totalCount edges { node { code } } } }`
	const mutation = `mutation { createViolationType(input: {code: "while_down", labelFr: "x", labelEn: "y"}) { id } }`
	post := func(subject, doc string) *apitest.Response {
		body, _ := json.Marshal(map[string]any{"query": doc})
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+srv.Token(t, subject))
		return srv.Do(t, req)
	}
	return map[string]func() *apitest.Response{
		"POST query": func() *apitest.Response { return post(apitest.Admin, query) },
		"GET query":  func() *apitest.Response { return getGraphQL(t, srv, "query="+url.QueryEscape(query)) },
		"mutation":   func() *apitest.Response { return post(apitest.Admin, mutation) },
		"new viewer": func() *apitest.Response { return post("second-admin", query) },
	}
}

// wantUnavailable fails the test unless r is a 503 with Retry-After and one
// UNAVAILABLE error carrying a request id, and nothing of the driver.
func wantUnavailable(t *testing.T, r *apitest.Response, retryAfter string) {
	t.Helper()
	if r.Status != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503: %s", r.Status, r.Body)
	}
	if retryAfter == "" {
		t.Errorf("503 without Retry-After")
	}
	if len(r.Errors) != 1 || r.Errors[0].Code() != "UNAVAILABLE" {
		t.Fatalf("want one UNAVAILABLE error: %s", r.Body)
	}
	if id, _ := r.Errors[0].Extensions["requestId"].(string); id == "" {
		t.Errorf("UNAVAILABLE without a request id: %s", r.Body)
	}
	wantNoLeak(t, r)
}

// TestDatabaseUnavailable: while the database is down (connections refused
// and reset), restarting ("the database system is starting up") or, on
// SQLite, closed, every request is a 503 with Retry-After and UNAVAILABLE,
// with no driver text; a mutation writes nothing; once the database is back
// the same server serves again.
func TestDatabaseUnavailable(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		direct, proxied, proxy := storagetest.ThroughProxy(t)
		srv := apitest.Start(t, proxied)
		if err := direct.Client.User.Create().SetSubject("second-admin").SetDisplayName("Second").Exec(sysCtx()); err != nil {
			t.Fatal(err)
		}
		if err := srv.Assign(context.Background(), "second-admin", "admin", "*"); err != nil {
			t.Fatal(err)
		}
		requests := unavailableRequests(t, srv)
		srv.Query(t, `{ violationTypes(first: 1) { totalCount } }`, nil).OK(t, nil) // the admin's viewer is cached
		before := countViolationTypes(t, direct.Client)
		for _, state := range []struct {
			name string
			set  func()
		}{
			{"down", proxy.Down},
			{"starting up", func() { proxy.StartingUp(t) }},
		} {
			t.Run(state.name, func(t *testing.T) {
				state.set()
				for name, send := range requests {
					t.Run(name, func(t *testing.T) {
						r, retry := sendWithRetryAfter(t, send)
						wantUnavailable(t, r, retry)
					})
				}
			})
		}
		proxy.Up(t)
		if n := countViolationTypes(t, direct.Client); n != before {
			t.Errorf("a mutation while the database was down wrote: %d violation types, want %d", n, before)
		}
		back := waitServed(t, requests["POST query"])
		back.OK(t, nil)
		requests["mutation"]().OK(t, nil)
		requests["new viewer"]().OK(t, nil)
	})
	t.Run("sqlite", func(t *testing.T) {
		db := storagetest.Databases()[0].Open(t, storage.Config{})
		srv := apitest.Start(t, db)
		srv.Query(t, `{ violationTypes(first: 1) { totalCount } }`, nil).OK(t, nil)
		requests := unavailableRequests(t, srv)
		delete(requests, "new viewer") // no such user: nothing to compare with
		if err := db.SQL.Close(); err != nil {
			t.Fatal(err)
		}
		for name, send := range requests {
			t.Run(name, func(t *testing.T) {
				r, retry := sendWithRetryAfter(t, send)
				wantUnavailable(t, r, retry)
			})
		}
	})
}

// sendWithRetryAfter sends a request and returns its response and its
// Retry-After header (apitest.Response has no headers).
func sendWithRetryAfter(t *testing.T, send func() *apitest.Response) (*apitest.Response, string) {
	t.Helper()
	var header string
	prev := http.DefaultClient.Transport
	http.DefaultClient.Transport = headerSpy{next: http.DefaultTransport, got: &header}
	defer func() { http.DefaultClient.Transport = prev }()
	r := send()
	return r, header
}

// headerSpy is an http.RoundTripper that records the Retry-After header of
// the response.
type headerSpy struct {
	next http.RoundTripper
	got  *string
}

func (s headerSpy) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := s.next.RoundTrip(req)
	if err == nil {
		*s.got = res.Header.Get("Retry-After")
	}
	return res, err
}

// waitServed repeats a request until it is served (the connection pool
// drops its dead connections on first use), for at most five seconds.
func waitServed(t *testing.T, send func() *apitest.Response) *apitest.Response {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := send()
		if r.Status == http.StatusOK || time.Now().After(deadline) {
			return r
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func countViolationTypes(t *testing.T, c *ent.Client) int {
	t.Helper()
	n, err := c.ViolationType.Query().Count(sysCtx())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
