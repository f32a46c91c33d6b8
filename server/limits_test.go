package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/server"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// client returns an HTTP client whose connections come from the loopback
// address from (127.0.0.1, 127.0.0.2…): another client address.
func client(from string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

// gqlResult is a GraphQL answer with its status and headers.
type gqlResult struct {
	status int
	header http.Header
	code   string // the first error's extensions.code
	body   string
}

// postQuery posts query to srv from c, with the bearer token if not empty.
func postQuery(t *testing.T, c *http.Client, url, token, query string) gqlResult {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, err := http.NewRequest(http.MethodPost, url+"/graphql", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var r struct {
		Errors []apitest.Error `json:"errors"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("response is not JSON (%d): %s", res.StatusCode, raw)
	}
	out := gqlResult{status: res.StatusCode, header: res.Header, body: string(raw)}
	if len(r.Errors) > 0 {
		out.code = r.Errors[0].Code()
	}
	return out
}

// TestRateLimit: past its burst, a user gets 429 with Retry-After and
// RATE_LIMITED, while another user, and anonymous requests, are not
// affected; anonymous requests and requests with bad tokens are limited
// per client address.
func TestRateLimit(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		const burst = 3
		srv := apitest.StartWith(t, db, apitest.Options{RateLimit: server.RateLimit{Rate: 0.01, Burst: burst}})
		if err := db.Client.User.Create().SetSubject("other").SetDisplayName("Other").Exec(policy.SystemContext(context.Background())); err != nil {
			t.Fatal(err)
		}
		admin, other := srv.Token(t, apitest.Admin), srv.Token(t, "other")
		local, remote := client("127.0.0.1"), client("127.0.0.2")
		const q = `{ localities { totalCount } }`

		wantServed := func(what string, r gqlResult, status int) {
			t.Helper()
			if r.status != status || r.header.Get("Retry-After") != "" {
				t.Fatalf("%s: status %d, want %d: %s", what, r.status, status, r.body)
			}
		}
		wantLimited := func(what string, r gqlResult) {
			t.Helper()
			if r.status != http.StatusTooManyRequests || r.code != benkan.ERATELIMITED {
				t.Fatalf("%s: status %d code %q, want 429 %s: %s", what, r.status, r.code, benkan.ERATELIMITED, r.body)
			}
			secs, err := strconv.Atoi(r.header.Get("Retry-After"))
			if err != nil || secs < 1 || secs > 100 {
				t.Fatalf("%s: Retry-After %q, want the seconds until a token (1..100)", what, r.header.Get("Retry-After"))
			}
		}

		for i := range burst {
			wantServed("admin request "+strconv.Itoa(i), postQuery(t, local, srv.URL, admin, q), 200)
		}
		wantLimited("admin past its burst", postQuery(t, local, srv.URL, admin, q))
		wantLimited("admin past its burst, from another address", postQuery(t, remote, srv.URL, admin, q))
		// Another user from the same address has a bucket of its own.
		for i := range burst {
			wantServed("other user request "+strconv.Itoa(i), postQuery(t, local, srv.URL, other, q), 200)
		}
		wantLimited("other user past its burst", postQuery(t, local, srv.URL, other, q))

		// Anonymous: per address.
		for i := range burst {
			wantServed("anonymous request "+strconv.Itoa(i), postQuery(t, local, srv.URL, "", `{ __typename }`), 200)
		}
		wantLimited("anonymous past the burst", postQuery(t, local, srv.URL, "", `{ __typename }`))
		wantLimited("a bad token from the same address", postQuery(t, local, srv.URL, "not-a-token", q))
		// Another address has its own bucket, which bad tokens use too.
		wantServed("anonymous from another address", postQuery(t, remote, srv.URL, "", `{ __typename }`), 200)
		for i := range burst - 1 {
			wantServed("bad token "+strconv.Itoa(i)+" from another address", postQuery(t, remote, srv.URL, "not-a-token", q), 401)
		}
		wantLimited("bad tokens past the burst", postQuery(t, remote, srv.URL, "not-a-token", q))
	})
}

// TestNoRateLimitByDefault: a server configured without a rate limit (the
// tests', the benchmark harness's) serves any number of requests.
func TestNoRateLimitByDefault(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		for range 200 {
			srv.Query(t, `{ localities { totalCount } }`, nil).OK(t, nil)
		}
	})
}
