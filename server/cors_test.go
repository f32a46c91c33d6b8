package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/server"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

func TestParseOrigins(t *testing.T) {
	tests := []struct {
		in   []string
		want string // joined by spaces; "error" for an error
	}{
		{nil, ""},
		{[]string{"https://dash.example.org"}, "https://dash.example.org"},
		{[]string{"https://dash.example.org/, http://localhost:5173", "HTTPS://Other.example.org"}, "https://dash.example.org http://localhost:5173 https://other.example.org"},
		{[]string{"https://a.example.org,https://a.example.org"}, "https://a.example.org"},
		{[]string{" , "}, ""},
		{[]string{"*"}, "error"},
		{[]string{"null"}, "error"},
		{[]string{"https://*.example.org"}, "error"},
		{[]string{"dash.example.org"}, "error"},
		{[]string{"ftp://dash.example.org"}, "error"},
		{[]string{"https://dash.example.org/app"}, "error"},
		{[]string{"https://user@dash.example.org"}, "error"},
		{[]string{"https://dash.example.org?x=1"}, "error"},
	}
	for _, tt := range tests {
		got, err := server.ParseOrigins(tt.in...)
		if tt.want == "error" {
			if err == nil {
				t.Errorf("%q: %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || strings.Join(got, " ") != tt.want {
			t.Errorf("%q: %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestCORS: a page of an allowed origin may call /graphql and
// /export/*, its preflights answered 204 with the methods and headers a
// GraphQL client sends; another origin gets no CORS header at all, and
// neither does anyone when no origin is configured.
func TestCORS(t *testing.T) {
	const allowed = "https://dash.example.org"
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.StartWith(t, db, apitest.Options{CORS: server.CORS{Origins: []string{allowed, "http://localhost:5173"}}})
		token := "Bearer " + srv.Token(t, apitest.Admin)

		preflight := func(base, path, origin string) *http.Response {
			req := mustRequest(t, http.MethodOptions, base+path)
			res, _ := fetch(t, req, "Origin", origin, "Access-Control-Request-Method", "POST",
				"Access-Control-Request-Headers", "authorization,content-type,x-benkan-preview-as")
			return res
		}
		call := func(base, origin string) (*http.Response, string) {
			req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(`{"query": "{ __typename }"}`))
			req.Header.Set("Content-Type", "application/json")
			res, body := fetch(t, req, "Origin", origin, "Authorization", token)
			return res, string(body)
		}

		for _, path := range []string{"/graphql", "/export/incidents.csv"} {
			t.Run("preflight of an allowed origin "+path, func(t *testing.T) {
				res := preflight(srv.URL, path, allowed)
				h := res.Header
				if res.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != allowed {
					t.Fatalf("status %d, Allow-Origin %q", res.StatusCode, h.Get("Access-Control-Allow-Origin"))
				}
				methods := h.Get("Access-Control-Allow-Methods")
				if !strings.Contains(methods, "GET") || (path == "/graphql") != strings.Contains(methods, "POST") {
					t.Errorf("Allow-Methods %q", methods)
				}
				headers := strings.ToLower(h.Get("Access-Control-Allow-Headers"))
				for _, want := range []string{"authorization", "content-type", "x-benkan-preview-as", "apollographql-client-name"} {
					if !strings.Contains(headers, want) {
						t.Errorf("Allow-Headers %q lacks %s", headers, want)
					}
				}
				if h.Get("Access-Control-Max-Age") == "" || !varies(h, "Origin") {
					t.Errorf("Max-Age %q, Vary %q", h.Get("Access-Control-Max-Age"), h.Values("Vary"))
				}
				if h.Get("Access-Control-Allow-Credentials") != "" {
					t.Errorf("Allow-Credentials %q: tokens are not cookies", h.Get("Access-Control-Allow-Credentials"))
				}
			})
			t.Run("preflight of another origin "+path, func(t *testing.T) {
				for _, origin := range []string{"https://evil.example.org", "https://dash.example.org.evil.example", "null", "http://dash.example.org"} {
					res := preflight(srv.URL, path, origin)
					for name := range res.Header {
						if strings.HasPrefix(name, "Access-Control-") {
							t.Errorf("origin %s: %s: %q", origin, name, res.Header.Get(name))
						}
					}
					if res.StatusCode < 400 && res.StatusCode != http.StatusOK && res.StatusCode != http.StatusNoContent {
						t.Errorf("origin %s: status %d", origin, res.StatusCode)
					}
				}
			})
		}
		t.Run("request of an allowed origin", func(t *testing.T) {
			res, body := call(srv.URL, allowed)
			if res.StatusCode != 200 || !strings.Contains(body, `"Query"`) {
				t.Fatalf("status %d: %s", res.StatusCode, body)
			}
			if res.Header.Get("Access-Control-Allow-Origin") != allowed || !varies(res.Header, "Origin") {
				t.Errorf("Allow-Origin %q, Vary %q", res.Header.Get("Access-Control-Allow-Origin"), res.Header.Values("Vary"))
			}
			if !strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "X-Request-ID") {
				t.Errorf("Expose-Headers %q", res.Header.Get("Access-Control-Expose-Headers"))
			}
		})
		t.Run("a refused request of an allowed origin is readable", func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(`{"query": "{ __typename }"}`))
			req.Header.Set("Content-Type", "application/json")
			res, _ := fetch(t, req, "Origin", allowed, "Authorization", "Bearer not-a-token")
			if res.StatusCode != http.StatusUnauthorized || res.Header.Get("Access-Control-Allow-Origin") != allowed {
				t.Fatalf("status %d, Allow-Origin %q", res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"))
			}
		})
		t.Run("request of another origin", func(t *testing.T) {
			res, _ := call(srv.URL, "https://evil.example.org")
			if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("Allow-Origin %q", got)
			}
		})
		t.Run("the playground is same-origin only", func(t *testing.T) {
			res, _ := fetch(t, mustRequest(t, http.MethodGet, srv.URL+"/"), "Origin", allowed)
			if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("Allow-Origin %q", got)
			}
		})
	})
}

// TestNoCORSByDefault: without --cors-origin, no response carries a CORS
// header, whatever the Origin.
func TestNoCORSByDefault(t *testing.T) {
	const allowed = "https://dash.example.org"
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		plain := apitest.Start(t, db)
		token := "Bearer " + plain.Token(t, apitest.Admin)
		for _, path := range []string{"/graphql", "/export/incidents.csv"} {
			req := mustRequest(t, http.MethodOptions, plain.URL+path)
			res, _ := fetch(t, req, "Origin", allowed, "Access-Control-Request-Method", "GET")
			req, _ = http.NewRequest(http.MethodGet, plain.URL+path+"?query=%7B__typename%7D", nil)
			res2, _ := fetch(t, req, "Origin", allowed, "Authorization", token)
			for _, r := range []*http.Response{res, res2} {
				for name := range r.Header {
					if strings.HasPrefix(name, "Access-Control-") {
						t.Errorf("no origin configured: %s %s: %s: %q", r.Request.Method, path, name, r.Header.Get(name))
					}
				}
			}
		}
	})
}
