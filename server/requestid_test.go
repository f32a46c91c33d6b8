package server_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/server"
)

// syncBuffer is a log destination safe for concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRequestID: every response carries X-Request-ID (the client's when
// sane, else a fresh one), every log line of the request names it, and an
// INTERNAL error written by the HTTP layer carries it in its extensions.
func TestRequestID(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := server.Handler(server.Config{
		GraphQL: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			slog.New(benkan.Logger(log).Handler()).InfoContext(r.Context(), "inside graphql")
			if r.URL.Query().Get("panic") != "" {
				panic("boom")
			}
			_, _ = w.Write([]byte(`{"data":{}}`))
		}),
		Logger: log,
	})
	ts := httptest.NewServer(h)
	defer ts.Close()
	tests := []struct {
		name, path, sent string
		keep             bool
	}{
		{"generated", "/graphql", "", false},
		{"kept", "/graphql", "abc-123_x.y:z", true},
		{"probe", "/healthz", "probe-1", true},
		{"not found", "/nope", "", false},
		{"space", "/graphql", "a b", false},
		{"newline forged in the log", "/graphql", "x\nlevel=ERROR", false},
		{"too long", "/graphql", strings.Repeat("x", 65), false},
		{"panic", "/graphql?panic=1", "panic-7", true},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, ts.URL+tt.path, nil)
			if tt.sent != "" && !strings.ContainsAny(tt.sent, "\n") {
				req.Header.Set("X-Request-ID", tt.sent)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body bytes.Buffer
			_, _ = body.ReadFrom(res.Body)
			res.Body.Close()
			id := res.Header.Get("X-Request-ID")
			switch {
			case tt.keep && id != tt.sent:
				t.Fatalf("X-Request-ID %q, want the client's %q", id, tt.sent)
			case !tt.keep && (id == "" || id == tt.sent || !benkan.ValidRequestID(id)):
				t.Fatalf("X-Request-ID %q for a request that sent %q", id, tt.sent)
			}
			if seen[id] {
				t.Fatalf("request id %q given twice", id)
			}
			seen[id] = true
			if !strings.Contains(logs.String(), "request_id="+id) {
				t.Errorf("no log line names request %s:\n%s", id, logs.String())
			}
			if tt.name == "panic" {
				if res.StatusCode != 500 || !strings.Contains(body.String(), `"requestId":"panic-7"`) {
					t.Errorf("panic: %d %s", res.StatusCode, body.String())
				}
			}
		})
	}
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(line, "msg=request ") && !strings.Contains(line, "request_id=") {
			t.Errorf("a request log line without its request id: %s", line)
		}
	}
}
