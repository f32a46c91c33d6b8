package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/auth"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/server"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// demoServer serves db with the real policy engine and verifier, in demo
// mode when demo is true, with two users of the database: demo.coord
// (amdh_coordinator) and demo.partner (dihr_partner). It returns the
// server and its verifier.
func demoServer(t *testing.T, db *storage.DB, demo bool) (*httptest.Server, *auth.Verifier) {
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
	for _, s := range []string{"demo.coord", "demo.partner"} {
		db.Client.User.Create().SetSubject(s).SetDisplayName(s).ExecX(sys)
	}
	if err := policies.EnsureAssigned(store.AsOperator(ctx, "test"), "demo users", []store.Assignment{
		{Subject: "demo.coord", Role: "amdh_coordinator", Domain: "*"},
		{Subject: "demo.partner", Role: "dihr_partner", Domain: "*"},
	}); err != nil {
		t.Fatal(err)
	}
	cfg := server.Config{
		GraphQL:    http.NotFoundHandler(),
		Verifier:   verifier,
		Viewers:    engine,
		Ready:      db.Ping,
		Playground: true,
		CORS:       server.CORS{Origins: []string{"https://dash.example.org"}},
		Logger:     quiet,
	}
	if demo {
		cfg.Demo = &server.Demo{
			Users: []server.DemoUser{
				{Subject: "demo.coord", DisplayName: "Coordinatrice fictive", Organization: "AMDH"},
				{Subject: "demo.absent", DisplayName: "Not in the database", Organization: "AMDH"},
				{Subject: "demo.partner", DisplayName: "Partenaire fictif", Organization: "DIHR", Localities: []string{"Niono"}},
			},
			Sign: func(subject string) (string, time.Time, error) {
				now := time.Now()
				tok, err := auth.Sign(secret, auth.DefaultIssuer, auth.DefaultAudience, subject, time.Hour, now)
				return tok, now.Add(time.Hour), err
			},
		}
	}
	ts := httptest.NewServer(server.Handler(cfg))
	t.Cleanup(ts.Close)
	return ts, verifier
}

// demoGet sends method to path on ts with the given headers ("Host" sets
// the request's host) and returns the response and its body.
func demoGet(t *testing.T, ts *httptest.Server, method, path string, headers map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

// TestDemoUsersOnlyInDemoMode: a server not in demo mode has no demo
// endpoint, whatever a request says or carries, and its playground offers
// no "sign in as"; nothing of a token is ever in the answer.
func TestDemoUsersOnlyInDemoMode(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ts, _ := demoServer(t, db, false)
		attempts := []struct {
			method, path string
			headers      map[string]string
		}{
			{http.MethodGet, server.DemoUsersPath, nil},
			{http.MethodHead, server.DemoUsersPath, nil},
			{http.MethodPost, server.DemoUsersPath, map[string]string{"Content-Type": "application/json"}},
			{http.MethodGet, server.DemoUsersPath + "/", nil},
			{http.MethodGet, server.DemoUsersPath + "?demo=true", nil},
			{http.MethodGet, "/demo/users.json", nil},
			{http.MethodGet, "/demo", nil},
			{http.MethodGet, server.DemoUsersPath, map[string]string{"X-Benkan-Demo": "true", "Cookie": "demo=1", "Host": "localhost"}},
			{http.MethodGet, server.DemoUsersPath, map[string]string{"Origin": "https://dash.example.org"}},
			{http.MethodOptions, server.DemoUsersPath, map[string]string{"Origin": "https://dash.example.org", "Access-Control-Request-Method": "GET"}},
		}
		for _, a := range attempts {
			res, body := demoGet(t, ts, a.method, a.path, a.headers)
			if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("%s %s %v: status %d, want 404 (or 405)", a.method, a.path, a.headers, res.StatusCode)
			}
			if strings.Contains(body, "eyJ") || strings.Contains(body, "token") || strings.Contains(body, "demo.coord") {
				t.Errorf("%s %s: the answer names a user or a token: %q", a.method, a.path, body)
			}
		}
		_, page := demoGet(t, ts, http.MethodGet, "/", nil)
		if !strings.Contains(page, `data-demo-users=""`) {
			t.Errorf("the playground of a server not in demo mode offers a demo sign-in")
		}
	})
}

// TestDemoUsers: in demo mode the endpoint lists the demo users of the
// database, each with its roles as the policy holds them and a fresh token
// that the server accepts as that user; users missing from the database
// are left out; the answer is never cached, not readable by other origins,
// and not given to a page opened at a host name a DNS rebinding could use.
func TestDemoUsers(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ts, verifier := demoServer(t, db, true)
		res, body := demoGet(t, ts, http.MethodGet, server.DemoUsersPath, map[string]string{"Origin": "https://dash.example.org"})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", server.DemoUsersPath, res.StatusCode, body)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q, want no-store", cc)
		}
		for name := range res.Header {
			if strings.HasPrefix(name, "Access-Control-") {
				t.Errorf("the demo tokens are readable cross-origin: %s: %q", name, res.Header.Get(name))
			}
		}
		var out struct {
			Users []struct {
				Subject, DisplayName, Organization, Token, ExpiresAt string
				Roles, Localities                                    []string
			}
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, body)
		}
		var subjects []string
		for _, u := range out.Users {
			subjects = append(subjects, u.Subject)
			got, err := verifier.Verify(context.Background(), u.Token)
			if err != nil || got != u.Subject {
				t.Errorf("%s: its token verifies as %q, %v", u.Subject, got, err)
			}
			exp, err := time.Parse(time.RFC3339, u.ExpiresAt)
			if err != nil || time.Until(exp) < 50*time.Minute || time.Until(exp) > 61*time.Minute {
				t.Errorf("%s: expiresAt %q, %v", u.Subject, u.ExpiresAt, err)
			}
		}
		if !slices.Equal(subjects, []string{"demo.coord", "demo.partner"}) {
			t.Fatalf("users %q, want those of the database, in order", subjects)
		}
		if c, p := out.Users[0], out.Users[1]; !slices.Equal(c.Roles, []string{"amdh_coordinator"}) || !slices.Equal(p.Roles, []string{"dihr_partner"}) ||
			p.Organization != "DIHR" || p.DisplayName != "Partenaire fictif" || !slices.Equal(p.Localities, []string{"Niono"}) || c.Localities == nil {
			t.Errorf("users %+v", out.Users)
		}
		// Fresh tokens at each request.
		_, again := demoGet(t, ts, http.MethodGet, server.DemoUsersPath, nil)
		if strings.Contains(again, out.Users[0].Token) {
			t.Errorf("a second request got the same token")
		}

		for _, tc := range []struct {
			host string
			want int
		}{
			{"127.0.0.1:8080", http.StatusOK},
			{"localhost:8080", http.StatusOK},
			{"LOCALHOST", http.StatusOK},
			{"benkan.localhost:8080", http.StatusOK},
			{"[::1]:8080", http.StatusOK},
			{"192.168.1.20:8080", http.StatusOK},
			{"evil.example:8080", http.StatusForbidden},
			{"127.0.0.1.nip.io", http.StatusForbidden},
			{"localhost.evil.example", http.StatusForbidden},
		} {
			res, body := demoGet(t, ts, http.MethodGet, server.DemoUsersPath, map[string]string{"Host": tc.host})
			if res.StatusCode != tc.want {
				t.Errorf("Host %s: status %d, want %d: %s", tc.host, res.StatusCode, tc.want, body)
			}
			if tc.want == http.StatusForbidden && (strings.Contains(body, "eyJ") || !strings.Contains(body, `"FORBIDDEN"`)) {
				t.Errorf("Host %s: %s", tc.host, body)
			}
		}

		if res, _ := demoGet(t, ts, http.MethodPost, server.DemoUsersPath, nil); res.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST %s: %d, want 405", server.DemoUsersPath, res.StatusCode)
		}
		_, page := demoGet(t, ts, http.MethodGet, "/", nil)
		if !strings.Contains(page, `data-demo-users="`+server.DemoUsersPath+`"`) {
			t.Errorf("the playground in demo mode does not offer the demo sign-in")
		}
	})
}
