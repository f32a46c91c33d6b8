package playground

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// get sends a request to h and returns the response and its body.
func get(t *testing.T, h http.Handler, method, target string, header http.Header) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, target, err)
	}
	return res, string(body)
}

var assetRefRE = regexp.MustCompile(`(?:src|href)="([^"]+)"`)

// assetRefs returns the script and stylesheet URLs the page references,
// leaving out data: URLs.
func assetRefs(t *testing.T, html string) []string {
	t.Helper()
	var refs []string
	for _, m := range assetRefRE.FindAllStringSubmatch(html, -1) {
		if strings.HasPrefix(m[1], "data:") {
			continue
		}
		refs = append(refs, strings.ReplaceAll(m[1], "&amp;", "&"))
	}
	return refs
}

func TestPage(t *testing.T) {
	h := Handler("benkan <test>", "/graphql")
	for _, tc := range []struct {
		method string
		target string
	}{
		{http.MethodGet, "/"},
		{http.MethodHead, "/"},
	} {
		t.Run(tc.method, func(t *testing.T) {
			res, body := get(t, h, tc.method, tc.target, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", res.StatusCode)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type = %q, want text/html", ct)
			}
			csp := res.Header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("Content-Security-Policy = %q, missing %q", csp, want)
				}
			}
			for _, directive := range strings.Split(csp, ";") {
				directive = strings.TrimSpace(directive)
				if strings.HasPrefix(directive, "script-src") && directive != "script-src 'self'" {
					t.Errorf("script-src directive = %q, want only 'self'", directive)
				}
			}
			if res.Header.Get("ETag") == "" {
				t.Error("no ETag")
			}
			if tc.method == http.MethodHead && body != "" {
				t.Errorf("HEAD returned a body of %d bytes", len(body))
			}
		})
	}

	_, html := get(t, h, http.MethodGet, "/", nil)
	for _, want := range []string{
		"<title>benkan &lt;test&gt;</title>",
		`data-endpoint="/graphql"`,
		`data-demo-users=""`,
		"query IncidentFeed",
		`<header id="benkan-auth"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page does not contain %q", want)
		}
	}
	if strings.Contains(html, "<script>") || regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]`).MatchString(html) {
		t.Error("page has an inline script")
	}
	if m := regexp.MustCompile(`(?i)https?://`).FindString(html); m != "" {
		t.Errorf("page references an absolute URL (%q): it must load nothing from other hosts", m)
	}
}

func TestReferencedAssets(t *testing.T) {
	h := Handler("benkan", "/graphql")
	_, html := get(t, h, http.MethodGet, "/", nil)
	refs := assetRefs(t, html)
	if len(refs) != len(styleFiles)+len(scriptFiles) {
		t.Fatalf("page references %d assets %q, want %d", len(refs), refs, len(styleFiles)+len(scriptFiles))
	}
	base, _ := url.Parse("http://example.test/")
	for _, ref := range refs {
		t.Run(ref, func(t *testing.T) {
			u, err := base.Parse(ref)
			if err != nil {
				t.Fatalf("bad URL: %v", err)
			}
			if u.Host != base.Host || strings.HasPrefix(ref, "/") {
				t.Fatalf("asset URL %q is not relative to the page", ref)
			}
			res, body := get(t, h, http.MethodGet, u.RequestURI(), nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", res.StatusCode)
			}
			if body == "" {
				t.Fatal("empty body")
			}
			wantCT := map[string]string{".js": "text/javascript", ".css": "text/css"}[u.Path[strings.LastIndex(u.Path, "."):]]
			if ct := res.Header.Get("Content-Type"); wantCT == "" || !strings.HasPrefix(ct, wantCT) {
				t.Errorf("Content-Type = %q, want %q", ct, wantCT)
			}
			if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
				t.Errorf("Cache-Control = %q, want a long max-age", cc)
			}
			etag := res.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			if res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no X-Content-Type-Options: nosniff")
			}

			// Revalidation with the ETag gets 304 Not Modified.
			res, body = get(t, h, http.MethodGet, u.RequestURI(), http.Header{"If-None-Match": {etag}})
			if res.StatusCode != http.StatusNotModified || body != "" {
				t.Errorf("If-None-Match: status = %d with %d bytes, want 304 and no body", res.StatusCode, len(body))
			}
		})
	}
}

func TestAssetWithoutCurrentHashIsRevalidated(t *testing.T) {
	h := Handler("benkan", "/graphql")
	for _, target := range []string{"/assets/playground.js", "/assets/playground.js?v=0000000000000000"} {
		res, body := get(t, h, http.MethodGet, target, nil)
		if res.StatusCode != http.StatusOK || body == "" {
			t.Fatalf("%s: status = %d with %d bytes, want 200 and a body", target, res.StatusCode, len(body))
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("%s: Cache-Control = %q, want no-cache", target, cc)
		}
	}
}

func TestErrors(t *testing.T) {
	h := Handler("benkan", "/graphql")
	for _, tc := range []struct {
		name   string
		method string
		target string
		want   int
	}{
		{"POST page", http.MethodPost, "/", http.StatusMethodNotAllowed},
		{"PUT page", http.MethodPut, "/", http.StatusMethodNotAllowed},
		{"DELETE asset", http.MethodDelete, "/assets/graphiql.min.js", http.StatusMethodNotAllowed},
		{"OPTIONS page", http.MethodOptions, "/", http.StatusMethodNotAllowed},
		{"unknown asset", http.MethodGet, "/assets/nope.js", http.StatusNotFound},
		{"assets directory", http.MethodGet, "/assets/", http.StatusNotFound},
		{"vendor path", http.MethodGet, "/assets/vendor/graphiql.min.js", http.StatusNotFound},
		{"license not served", http.MethodGet, "/assets/LICENSE.react", http.StatusNotFound},
		{"traversal", http.MethodGet, "/assets/../playground.go", http.StatusNotFound},
		{"unknown page", http.MethodGet, "/index.php", http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, _ := get(t, h, tc.method, tc.target, nil)
			if res.StatusCode != tc.want {
				t.Errorf("%s %s: status = %d, want %d", tc.method, tc.target, res.StatusCode, tc.want)
			}
			if tc.want == http.StatusMethodNotAllowed && res.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q, want %q", res.Header.Get("Allow"), "GET, HEAD")
			}
		})
	}
}

func TestMountedUnderPrefix(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/playground/", http.StripPrefix("/playground", Handler("benkan", "/graphql")))

	res, _ := get(t, mux, http.MethodGet, "/playground", nil)
	if res.StatusCode/100 != 3 || res.Header.Get("Location") != "/playground/" {
		t.Errorf("GET /playground: status = %d, Location = %q; want a redirect to /playground/", res.StatusCode, res.Header.Get("Location"))
	}

	res, html := get(t, mux, http.MethodGet, "/playground/", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /playground/: status = %d, want 200", res.StatusCode)
	}
	base, _ := url.Parse("http://example.test/playground/")
	for _, ref := range assetRefs(t, html) {
		u, _ := base.Parse(ref)
		if res, _ := get(t, mux, http.MethodGet, u.RequestURI(), nil); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status = %d, want 200", u.RequestURI(), res.StatusCode)
		}
	}
}

func TestCrossOriginEndpoint(t *testing.T) {
	res, _ := get(t, Handler("benkan", "https://api.example.test/graphql"), http.MethodGet, "/", nil)
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "connect-src 'self' https://api.example.test;") {
		t.Errorf("Content-Security-Policy = %q, want connect-src to allow the endpoint's origin", csp)
	}
}

// TestVendoredFilesMatchReadme keeps vendor/README.md honest: every embedded
// third-party file must have the sha256 the README states for it.
func TestVendoredFilesMatchReadme(t *testing.T) {
	readme, err := os.ReadFile("vendor/README.md")
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^([0-9a-f]{64})  (\S+)$`).FindAllStringSubmatch(string(readme), -1) {
		sums[m[2]] = m[1]
	}
	for _, name := range append(append([]string{}, styleFiles...), scriptFiles...) {
		if !strings.HasPrefix(name, "vendor/") {
			continue
		}
		data, err := files.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		base := strings.TrimPrefix(name, "vendor/")
		if want, ok := sums[base]; !ok {
			t.Errorf("vendor/README.md gives no sha256 for %s", base)
		} else if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: sha256 %s, vendor/README.md says %s", base, got, want)
		}
	}
}

// TestDemoPage: in demo mode the page names the server's list of demo
// users, for its "sign in as" control; the examples are in the page, in
// order, as JSON.
func TestDemoPage(t *testing.T) {
	h := New(Config{Title: "benkan", Endpoint: "/graphql", DemoUsers: "/demo/users"})
	_, page := get(t, h, http.MethodGet, "/", nil)
	if !strings.Contains(page, `data-demo-users="/demo/users"`) {
		t.Errorf("the demo page does not name the demo users")
	}
	m := regexp.MustCompile(`data-examples="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no data-examples")
	}
	var got []Example
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &got); err != nil {
		t.Fatalf("data-examples: %v", err)
	}
	if !reflect.DeepEqual(got, Examples()) || len(got) == 0 || got[0].Name != "10-incident-feed" {
		t.Errorf("data-examples holds %d examples, want Examples() in order", len(got))
	}
}
