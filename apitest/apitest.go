// Package apitest drives a real benkan server over HTTP in tests: a real
// database (see storagetest), the real GraphQL handler and the real HTTP
// layer behind an httptest server. Nothing is mocked.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/benkan-project/benkan/auth"
	"github.com/benkan-project/benkan/graph"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/server"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/web/dashboard"
)

// Server is a running benkan server over one test database.
type Server struct {
	// URL is the server's base URL.
	URL string
	// DB is the database it serves.
	DB *storage.DB
	// Engine is the server's policy engine, for tests that look at viewers.
	Engine *policy.Engine
	// Policy is the server's policy store: tests change the policy with it.
	Policy *store.Store

	secret  []byte
	token   string // Query's token: the admin's
	preview string // Query's server.PreviewHeader, if any
}

// Admin is the subject of the user Start creates with the admin role
// everywhere; Query acts as this user.
const Admin = "test-admin"

// Start starts a server over db for the duration of t, with the default
// policy and a user Admin holding the admin role everywhere.
func Start(t testing.TB, db *storage.DB) *Server {
	t.Helper()
	return StartWith(t, db, Options{})
}

// Options change what Start configures; their zero values are Start's.
type Options struct {
	// Limits are the GraphQL server's limits (graph.DefaultLimits where zero).
	Limits graph.Limits
	// RequestTimeout is the server's per-request deadline.
	RequestTimeout time.Duration
	// RateLimit is the server's rate limit (off by default).
	RateLimit server.RateLimit
	// NoIntrospection serves as `--introspection=false` does.
	NoIntrospection bool
	// CORS is the server's CORS allow-list (none by default).
	CORS server.CORS
	// Operations is the allow-list of operations, as
	// `--operations-allowlist` sets it (none: automatic persisted queries).
	Operations *graph.Operations
	// Dashboard serves the dashboard, as `--dashboard` does: its documents
	// then run under Operations, as benkan serve runs them.
	Dashboard bool
	// PolicyApproval serves in four-eyes mode, as `--policy-approval` does
	// (the test admin is still assigned at start, as benkan's own setup).
	PolicyApproval bool
	// Extensions are registered on the GraphQL server after benkan's own
	// (graph.Config.Extensions).
	Extensions []graphql.HandlerExtension
}

// StartWith is Start with options.
func StartWith(t testing.TB, db *storage.DB, o Options) *Server {
	t.Helper()
	ctx := context.Background()
	engine := policy.NewEngine(db.Client)
	policies, err := store.OpenForWith(ctx, db, engine, store.Options{Approval: o.PolicyApproval})
	if err != nil {
		t.Fatalf("policy store: %v", err)
	}
	secret := auth.RandomSecret()
	verifier, err := auth.NewVerifier(ctx, auth.Config{Secret: secret})
	if err != nil {
		t.Fatalf("verifier: %v", err)
	}
	if err := db.Client.User.Create().SetSubject(Admin).SetDisplayName("Test admin").Exec(policy.SystemContext(ctx)); err != nil {
		t.Fatalf("create admin: %v", err)
	}
	if err := policies.EnsureAssigned(store.AsOperator(ctx, "apitest"), "the test admin", []store.Assignment{{Subject: Admin, Role: "admin", Domain: "*"}}); err != nil {
		t.Fatalf("assign admin: %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, fuzz := t.(*testing.F); fuzz && testing.Verbose() {
		// A fuzz target's server outlives f's own logging: f.Log may not
		// be called while the fuzz function runs.
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	} else if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	h := server.Handler(server.Config{
		GraphQL:        graph.NewServer(db.Client, graph.Config{Introspection: !o.NoIntrospection, Logger: log, PseudonymKey: auth.RandomSecret(), Limits: o.Limits, Policy: policies, Operations: o.Operations, OwnDocuments: dashboard.DocumentsIfServed(o.Dashboard), Extensions: o.Extensions}),
		Verifier:       verifier,
		Viewers:        engine,
		Previews:       engine,
		Ready:          db.Ping,
		RequestTimeout: o.RequestTimeout,
		RateLimit:      o.RateLimit,
		Playground:     true,
		Dashboard:      o.Dashboard,
		CORS:           o.CORS,
		Logger:         log,
	})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	s := &Server{URL: ts.URL, DB: db, Engine: engine, Policy: policies, secret: secret}
	s.token = s.Token(t, Admin)
	return s
}

// Token returns a valid token for subject.
func (s *Server) Token(t testing.TB, subject string) string {
	t.Helper()
	tok, err := auth.Sign(s.secret, auth.DefaultIssuer, auth.DefaultAudience, subject, time.Hour, time.Now())
	if err != nil {
		t.Fatalf("sign token: %v", err)
	}
	return tok
}

// As returns a copy of s whose Query acts as subject (no token at all when
// subject is empty).
func (s *Server) As(t testing.TB, subject string) *Server {
	c := *s
	c.token = ""
	if subject != "" {
		c.token = s.Token(t, subject)
	}
	return &c
}

// WithToken returns a copy of s whose Query sends this raw token.
func (s *Server) WithToken(token string) *Server {
	c := *s
	c.token = token
	return &c
}

// PreviewAs returns a copy of s whose requests carry server.PreviewHeader
// with value (none when value is empty): they run as the user or role it
// names, if s's token may preview.
func (s *Server) PreviewAs(value string) *Server {
	c := *s
	c.preview = value
	return &c
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Response is a GraphQL response as the client received it.
type Response struct {
	// Status is the HTTP status.
	Status int
	// Body is the raw body, for searches of what must not be there.
	Body []byte
	// Data is the "data" member.
	Data json.RawMessage `json:"data"`
	// Errors is the "errors" member.
	Errors []Error `json:"errors"`
	// Extensions is the "extensions" member.
	Extensions map[string]any `json:"extensions"`
}

// Error is one GraphQL error.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code returns the error's extensions.code.
func (e Error) Code() string {
	c, _ := e.Extensions["code"].(string)
	return c
}

// Query posts a GraphQL query with variables and decodes the response.
func (s *Server) Query(t testing.TB, query string, vars map[string]any) *Response {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatalf("encode request: %v", err)
	}
	return s.Post(t, "application/json", body)
}

// Post posts a raw body to /graphql and decodes the response.
func (s *Server) Post(t testing.TB, contentType string, body []byte) *Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Content-Type", contentType)
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	if s.preview != "" {
		req.Header.Set(server.PreviewHeader, s.preview)
	}
	return s.Do(t, req)
}

// Do sends req and decodes its response as a GraphQL response.
func (s *Server) Do(t testing.TB, req *http.Request) *Response {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	r := &Response{Status: res.StatusCode, Body: raw}
	if err := json.Unmarshal(raw, r); err != nil {
		t.Fatalf("response is not JSON (status %d): %v\n%s", res.StatusCode, err, raw)
	}
	return r
}

// OK fails the test unless the response has data and no errors, and
// decodes the data into v (if v is not nil).
func (r *Response) OK(t testing.TB, v any) {
	t.Helper()
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		t.Fatalf("status %d, errors: %s", r.Status, r.Body)
	}
	if v != nil {
		if err := json.Unmarshal(r.Data, v); err != nil {
			t.Fatalf("decode data: %v\n%s", err, r.Data)
		}
	}
}

// Code fails the test unless the response has exactly one error, with the
// given code, and returns that error.
func (r *Response) Code(t testing.TB, code string) Error {
	t.Helper()
	if len(r.Errors) != 1 {
		t.Fatalf("want one error with code %s, got status %d: %s", code, r.Status, r.Body)
	}
	if got := r.Errors[0].Code(); got != code {
		t.Fatalf("want error code %s, got %q: %s", code, got, r.Body)
	}
	if r.Status >= 500 {
		t.Fatalf("status %d for a client error: %s", r.Status, r.Body)
	}
	return r.Errors[0]
}

// Assign gives subject role in domain ("*" or a locality id), as an
// operator would, if the policy does not hold it yet; it holds on the
// server when Assign returns.
func (s *Server) Assign(ctx context.Context, subject, role, domain string) error {
	return s.Policy.EnsureAssigned(store.AsOperator(ctx, "apitest"), "a test's role", []store.Assignment{{Subject: subject, Role: role, Domain: domain}})
}

// Apply applies changes to the policy as an operator.
func (s *Server) Apply(ctx context.Context, reason string, changes ...store.Change) error {
	_, err := s.Policy.Apply(store.AsOperator(ctx, "apitest"), changes, reason)
	return err
}

// Get sends GET path (with its query string) with s's token and preview
// header, for the HTTP endpoints that are not GraphQL (exports), and
// returns the response with its body read.
func (s *Server) Get(t testing.TB, path string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	if s.preview != "" {
		req.Header.Set(server.PreviewHeader, s.preview)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	return res, body
}
