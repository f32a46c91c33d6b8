package dashboard

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHandler: what each request to the dashboard's handler gets.
func TestHandler(t *testing.T) {
	h := New(Config{Endpoint: "/graphql", DemoUsers: "/demo/users"})
	for _, tc := range []struct {
		method, path string
		status       int
		cache        string
		contains     string
	}{
		{http.MethodGet, "/", http.StatusOK, cacheRevalidate, `lang="fr"`},
		{http.MethodGet, "/", http.StatusOK, cacheRevalidate, `data-demo-users="/demo/users"`},
		{http.MethodHead, "/", http.StatusOK, cacheRevalidate, ""},
		{http.MethodGet, "/" + jsURL, http.StatusOK, cacheImmutable, "'use strict'"},
		{http.MethodGet, "/" + styleURL, http.StatusOK, cacheImmutable, ":root"},
		{http.MethodGet, "/assets/dashboard.js", http.StatusOK, cacheRevalidate, "'use strict'"},
		{http.MethodGet, "/sw.js", http.StatusOK, cacheRevalidate, "caches"},
		{http.MethodGet, "/assets/sw.js", http.StatusNotFound, "", ""},
		{http.MethodGet, "/assets/nope.js", http.StatusNotFound, "", ""},
		{http.MethodGet, "/other", http.StatusNotFound, "", ""},
		{http.MethodPost, "/", http.StatusMethodNotAllowed, "", ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			if got := rec.Header().Get("Cache-Control"); tc.cache != "" && got != tc.cache {
				t.Errorf("Cache-Control %q, want %q", got, tc.cache)
			}
			if !strings.Contains(rec.Body.String(), tc.contains) {
				t.Errorf("the body lacks %q", tc.contains)
			}
			if tc.path == "/" && tc.status == http.StatusOK {
				if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
					t.Errorf("Content-Security-Policy %q", csp)
				}
			}
		})
	}
}
