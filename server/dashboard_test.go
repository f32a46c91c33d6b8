package server_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/server"
)

// dashboardBudget is the most the dashboard's first load (HTML, scripts,
// styles, fonts: everything the page asks for before any data) may weigh
// on the wire, compressed (issue 13: a slow, expensive connection).
const dashboardBudget = 150 * 1024

// assetRefs are the page's same-origin references to its files.
var assetRefs = regexp.MustCompile(`(?:href|src|data-worker)="([^"]+)"`)

// TestDashboardFirstLoadBudget loads /dashboard/ through the server's
// handler as a browser would on its first visit (Accept-Encoding: gzip),
// then every file the page references, and adds up the bytes of the
// bodies sent: it fails above dashboardBudget and prints the figure. It
// also checks that the files are cached afterwards: the assets for a year,
// the page revalidated by its ETag (304 Not Modified).
func TestDashboardFirstLoadBudget(t *testing.T) {
	h := server.Handler(server.Config{GraphQL: http.NotFoundHandler(), Dashboard: true, Logger: quiet})
	get := func(path string, header ...string) *http.Response {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result()
	}
	res := get("/dashboard/")
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("GET /dashboard/: %d, Content-Encoding %q", res.StatusCode, res.Header.Get("Content-Encoding"))
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "connect-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Errorf("Content-Security-Policy %q, want a strict one", csp)
	}
	if again := get("/dashboard/", "If-None-Match", res.Header.Get("ETag")); again.StatusCode != http.StatusNotModified {
		t.Errorf("GET /dashboard/ with its ETag: %d, want 304", again.StatusCode)
	}
	total := len(body)
	html := decompressed(t, body)
	refs := assetRefs.FindAllStringSubmatch(html, -1)
	files := 0
	for _, m := range refs {
		ref := m[1]
		if strings.HasPrefix(ref, "data:") || strings.HasPrefix(ref, "#") {
			continue
		}
		if strings.Contains(ref, "//") {
			t.Errorf("the page refers to %s on another host", ref)
			continue
		}
		r := get("/dashboard/" + ref)
		b, _ := io.ReadAll(r.Body)
		if r.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", ref, r.StatusCode)
		}
		if strings.HasPrefix(ref, "assets/") && r.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: Cache-Control %q, want cached for a year", ref, r.Header.Get("Cache-Control"))
		}
		t.Logf("%-40s %6d bytes on the wire (%s)", ref, len(b), r.Header.Get("Content-Encoding"))
		total += len(b)
		files++
	}
	if files < 3 {
		t.Fatalf("the page refers to %d files, want its script, style and worker: %s", files, html)
	}
	t.Logf("dashboard first load: %d bytes compressed (%.1f KB) in %d requests, budget %d KB", total, float64(total)/1024, files+1, dashboardBudget/1024)
	if total > dashboardBudget {
		t.Errorf("the dashboard's first load weighs %d bytes compressed, over the budget of %d", total, dashboardBudget)
	}
}

// TestDashboardSwitchedOff: without Config.Dashboard there is no page.
func TestDashboardSwitchedOff(t *testing.T) {
	h := server.Handler(server.Config{GraphQL: http.NotFoundHandler(), Logger: quiet})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/dashboard/", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("GET /dashboard/ without the dashboard: %d", rec.Code)
	}
}

// decompressed gunzips body.
func decompressed(t *testing.T, body []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return string(out)
}
