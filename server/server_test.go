package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/violationtype"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/server"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// send sends a request and returns the status, headers and body.
func send(t *testing.T, method, url, contentType string, body []byte) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, string(b)
}

func wantSecurityHeaders(t *testing.T, h http.Header) {
	t.Helper()
	for name, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
		"Referrer-Policy":        "no-referrer",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("header %s: %q, want %q", name, got, want)
		}
	}
}

func TestProbes(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		tests := []struct {
			path   string
			status int
			body   string
		}{
			{"/healthz", 200, "ok\n"},
			{"/readyz", 200, "ready\n"},
		}
		for _, tt := range tests {
			status, h, body := send(t, http.MethodGet, srv.URL+tt.path, "", nil)
			if status != tt.status || body != tt.body {
				t.Errorf("GET %s: %d %q, want %d %q", tt.path, status, body, tt.status, tt.body)
			}
			wantSecurityHeaders(t, h)
		}

		// The database goes away: not ready, but still alive.
		if err := db.SQL.Close(); err != nil {
			t.Fatal(err)
		}
		if status, h, body := send(t, http.MethodGet, srv.URL+"/readyz", "", nil); status != http.StatusServiceUnavailable ||
			body != "database unreachable\n" {
			t.Errorf("GET /readyz with the database closed: %d %q, want 503", status, body)
		} else {
			wantSecurityHeaders(t, h)
		}
		if status, _, body := send(t, http.MethodGet, srv.URL+"/healthz", "", nil); status != http.StatusOK || body != "ok\n" {
			t.Errorf("GET /healthz with the database closed: %d %q, want 200", status, body)
		}
	})
}

func TestPlayground(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		status, h, body := send(t, http.MethodGet, srv.URL+"/", "", nil)
		if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			t.Fatalf("GET /: %d %s", status, h.Get("Content-Type"))
		}
		for _, want := range []string{"<title>benkan</title>", `data-endpoint="/graphql"`, `<div id="graphiql"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the playground page lacks %s", want)
			}
		}
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("Content-Security-Policy %q", csp)
		}
		wantSecurityHeaders(t, h)
	})

	t.Run("switched off", func(t *testing.T) {
		h := server.Handler(server.Config{GraphQL: http.NotFoundHandler(), Logger: quiet})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		if rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "graphiql") {
			t.Fatalf("GET / without the playground: %d %q", rec.Code, rec.Body)
		}
	})
}

// TestGuard: requests that are not GraphQL requests are refused before
// GraphQL sees them, with a GraphQL error carrying a stable code, and
// nothing they carry is executed.
func TestGuard(t *testing.T) {
	const mutation = `{"query": "mutation { createViolationType(input: {code: \"guarded\", labelFr: \"x\", labelEn: \"y\"}) { id } }"}`
	const maxBody = 1 << 20
	// padded returns a valid request body of exactly n bytes, padded with
	// JSON whitespace (a string that long would be over the string limit).
	padded := func(n int) []byte {
		head, tail := `{"query": "{ __typename }"`, `}`
		return []byte(head + strings.Repeat(" ", n-len(head)-len(tail)) + tail)
	}
	tests := []struct {
		name        string
		method      string
		contentType string
		body        []byte
		status      int
		code        string // "" for a request that is served
	}{
		{"malformed JSON", "POST", "application/json", []byte(`{"query": `), 400, "BAD_REQUEST"},
		{"trailing garbage", "POST", "application/json", []byte(`{"query": "{ __typename }"} x`), 400, "BAD_REQUEST"},
		{"empty body", "POST", "application/json", nil, 400, "BAD_REQUEST"},
		{"JSON array", "POST", "application/json", []byte(`[{"query": "{ __typename }"}]`), 400, "BAD_REQUEST"},
		{"JSON string", "POST", "application/json", []byte(`"{ __typename }"`), 400, "BAD_REQUEST"},
		{"JSON null", "POST", "application/json", []byte(`null`), 400, "BAD_REQUEST"},
		{"query is a number", "POST", "application/json", []byte(`{"query": 5}`), 400, "BAD_REQUEST"},
		{"query is an object", "POST", "application/json", []byte(`{"query": {"text": "{ __typename }"}}`), 400, "BAD_REQUEST"},
		{"variables is an array", "POST", "application/json", []byte(`{"query": "{ __typename }", "variables": [1]}`), 400, "BAD_REQUEST"},
		{"no query", "POST", "application/json", []byte(`{"variables": {}}`), 400, "BAD_REQUEST"},
		{"empty object", "POST", "application/json", []byte(`{}`), 400, "BAD_REQUEST"},
		{"query null", "POST", "application/json", []byte(`{"query": null}`), 400, "BAD_REQUEST"},
		{"text/plain", "POST", "text/plain", []byte(mutation), 415, "BAD_REQUEST"},
		{"no content type", "POST", "", []byte(mutation), 415, "BAD_REQUEST"},
		{"application/graphql", "POST", "application/graphql", []byte(`mutation { createViolationType(input: {code: "guarded", labelFr: "x", labelEn: "y"}) { id } }`), 415, "BAD_REQUEST"},
		{"form", "POST", "application/x-www-form-urlencoded", []byte(`query=mutation`), 415, "BAD_REQUEST"},
		{"bad media type", "POST", "application/json; charset", []byte(mutation), 415, "BAD_REQUEST"},
		{"PUT", "PUT", "application/json", []byte(mutation), 405, "BAD_REQUEST"},
		{"DELETE", "DELETE", "application/json", []byte(mutation), 405, "BAD_REQUEST"},
		{"PATCH", "PATCH", "application/json", []byte(mutation), 405, "BAD_REQUEST"},
		{"over 1 MiB", "POST", "application/json", padded(maxBody + 1), 413, "REQUEST_TOO_LARGE"},
		{"far over 1 MiB", "POST", "application/json", padded(8 * maxBody), 413, "REQUEST_TOO_LARGE"},
		{"exactly 1 MiB", "POST", "application/json", padded(maxBody), 200, ""},
		{"JSON with a charset", "POST", "application/json; charset=utf-8", []byte(`{"query": "{ __typename }"}`), 200, ""},
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				req, err := http.NewRequest(tt.method, srv.URL+"/graphql", bytes.NewReader(tt.body))
				if err != nil {
					t.Fatal(err)
				}
				if tt.contentType != "" {
					req.Header.Set("Content-Type", tt.contentType)
				}
				// As the admin, so that the guard alone can refuse it.
				req.Header.Set("Authorization", "Bearer "+srv.Token(t, apitest.Admin))
				r := srv.Do(t, req)
				if r.Status != tt.status {
					t.Fatalf("status %d, want %d: %.300s", r.Status, tt.status, r.Body)
				}
				if tt.code == "" {
					r.OK(t, nil)
					if !strings.Contains(string(r.Data), `"__typename":"Query"`) {
						t.Fatalf("data %s", r.Data)
					}
					return
				}
				e := r.Code(t, tt.code)
				if e.Message == "" {
					t.Error("empty message")
				}
				if len(r.Body) > 1000 {
					t.Errorf("the error response is %d bytes: it echoes the request?", len(r.Body))
				}
				if n := db.Client.ViolationType.Query().Where(violationtype.Code("guarded")).CountX(policy.SystemContext(context.Background())); n != 0 {
					t.Fatalf("the refused request's mutation ran")
				}
			})
		}

		t.Run("405 lists the allowed methods", func(t *testing.T) {
			status, h, _ := send(t, http.MethodPut, srv.URL+"/graphql", "application/json", []byte(mutation))
			if status != 405 || h.Get("Allow") != "GET, POST, OPTIONS" {
				t.Fatalf("PUT: %d, Allow %q", status, h.Get("Allow"))
			}
			wantSecurityHeaders(t, h)
		})
		t.Run("413 carries the security headers", func(t *testing.T) {
			status, h, _ := send(t, http.MethodPost, srv.URL+"/graphql", "application/json", padded(maxBody+1))
			if status != 413 {
				t.Fatalf("status %d", status)
			}
			wantSecurityHeaders(t, h)
		})
		t.Run("GraphQL responses carry the security headers", func(t *testing.T) {
			status, h, _ := send(t, http.MethodPost, srv.URL+"/graphql", "application/json", []byte(`{"query": "{ __typename }"}`))
			if status != 200 {
				t.Fatalf("status %d", status)
			}
			wantSecurityHeaders(t, h)
		})
		t.Run("the guarded mutation runs when well sent", func(t *testing.T) {
			srv.Post(t, "application/json", []byte(mutation)).OK(t, nil)
			if n := db.Client.ViolationType.Query().Where(violationtype.Code("guarded")).CountX(policy.SystemContext(context.Background())); n != 1 {
				t.Fatalf("%d rows, want 1", n)
			}
		})
	})
}

// TestPanicIsInternal: a panic in a handler is answered with INTERNAL and
// nothing of the panic reaches the client.
func TestPanicIsInternal(t *testing.T) {
	h := server.Handler(server.Config{
		GraphQL: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret detail: pq: relation incidents") }),
		Logger:  quiet,
	})
	ts := httptest.NewServer(h)
	defer ts.Close()
	status, hdr, body := send(t, http.MethodPost, ts.URL+"/graphql", "application/json", []byte(`{"query": "{ __typename }"}`))
	if status != http.StatusInternalServerError || !strings.Contains(body, `"code":"INTERNAL"`) {
		t.Fatalf("%d %s", status, body)
	}
	if strings.Contains(body, "secret") || strings.Contains(body, "pq:") || strings.Contains(body, "goroutine") {
		t.Fatalf("the response leaks the panic: %s", body)
	}
	wantSecurityHeaders(t, hdr)
}

// runServer starts server.Run with h and returns its address and the
// channel Run's result arrives on.
func runServer(t *testing.T, ctx context.Context, h http.Handler, grace time.Duration) (string, <-chan error) {
	t.Helper()
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	go func() { errc <- server.Run(ctx, "127.0.0.1:0", h, grace, quiet, ready) }()
	select {
	case addr := <-ready:
		return addr, errc
	case err := <-errc:
		t.Fatalf("Run returned before listening: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not report its address")
	}
	return "", nil
}

type result struct {
	status int
	body   string
	err    error
	at     time.Time
}

func getAsync(url string) <-chan result {
	out := make(chan result, 1)
	go func() {
		res, err := http.Get(url)
		if err != nil {
			out <- result{err: err, at: time.Now()}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		out <- result{status: res.StatusCode, body: string(b), err: err, at: time.Now()}
	}()
	return out
}

// TestGracefulShutdown: cancelling Run's context lets a request in flight
// finish with its answer, then Run returns nil and the port is closed.
func TestGracefulShutdown(t *testing.T) {
	const work = 300 * time.Millisecond
	started := make(chan struct{}, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		time.Sleep(work)
		_, _ = io.WriteString(w, "done")
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, errc := runServer(t, ctx, h, 5*time.Second)

	res := getAsync("http://" + addr + "/slow")
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the request never reached the handler")
	}
	cancelled := time.Now()
	cancel()

	var r result
	select {
	case r = <-res:
	case <-time.After(5 * time.Second):
		t.Fatal("the in-flight request did not complete")
	}
	if r.err != nil || r.status != http.StatusOK || r.body != "done" {
		t.Fatalf("in-flight request: status %d, body %q, err %v", r.status, r.body, r.err)
	}
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("Run returned %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the request completed")
	}
	if waited := time.Since(cancelled); waited < work/2 {
		t.Errorf("Run returned %v after the cancel: it did not wait for the request", waited)
	}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Fatal("the server still accepts connections after Run returned")
	}
}

// TestShutdownGraceRunsOut: a request that outlives the grace period makes
// Run return an error once the grace period is over, not wait for it.
func TestShutdownGraceRunsOut(t *testing.T) {
	started, release := make(chan struct{}, 1), make(chan struct{})
	defer close(release)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-release
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, errc := runServer(t, ctx, h, 100*time.Millisecond)
	_ = getAsync("http://" + addr + "/stuck")
	<-started
	cancel()
	select {
	case err := <-errc:
		if err == nil || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Run returned %v, want a shutdown deadline error", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Run waited past its grace period")
	}
}

func TestRunCannotListen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = server.Run(ctx, ln.Addr().String(), http.NotFoundHandler(), time.Second, quiet, nil)
	if err == nil || !strings.Contains(err.Error(), "listen") {
		t.Fatalf("Run on a busy port returned %v, want a listen error", err)
	}
}
