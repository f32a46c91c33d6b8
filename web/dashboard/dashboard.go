// Package dashboard serves benkan's built-in partner dashboard: one page
// that signs in with a token and draws the aggregate counts the GraphQL API
// answers that token, so that each partner sees exactly what its role may.
//
// Like the playground, every file the page needs is embedded with go:embed
// and served by the handler itself, referenced by relative URLs carrying
// their content hash: the page makes no request to another host, its
// assets are cached for a year, and the page itself is revalidated with its
// ETag. It is served with a strict Content-Security-Policy (scripts and
// styles only from the server, no inline code). The charts are hand-written
// SVG: no chart library, so the first load stays far under the 150 KB
// budget (TestDashboardFirstLoadBudget in server measures it).
//
// A service worker (sw.js) keeps the last page and assets for when the
// network drops; the page keeps its last answers in localStorage.
package dashboard

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed page.html
var pageSource string

//go:embed static/dashboard.css static/dashboard.js static/sw.js
var files embed.FS

const (
	assetsDir = "assets/"
	// workerName is the service worker's path below the dashboard's root:
	// served there, not under assets/, so that its scope is the whole page.
	workerName = "sw.js"

	contentTypeJS   = "text/javascript; charset=utf-8"
	contentTypeCSS  = "text/css; charset=utf-8"
	contentTypeHTML = "text/html; charset=utf-8"

	// Asset URLs carry their content hash, so a response for the current
	// hash never changes and can be cached for a year.
	cacheImmutable = "public, max-age=31536000, immutable"
	// The page, the worker and assets asked for without the current hash
	// are revalidated with their ETag on every use.
	cacheRevalidate = "no-cache"
)

// asset is one embedded file.
type asset struct {
	name        string
	contentType string
	data        []byte
	version     string // short content hash, the ?v= of its URL
	etag        string
}

var (
	assets                = map[string]*asset{}
	styleURL, jsURL       string
	worker                *asset
	pageTemplate          = template.Must(template.New("page").Parse(pageSource))
	contentSecurityPolicy = strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"connect-src 'self'",
		"worker-src 'self'",
		"manifest-src 'none'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
)

func init() {
	styleURL = load("static/dashboard.css", contentTypeCSS).url()
	jsURL = load("static/dashboard.js", contentTypeJS).url()
	worker = load("static/sw.js", contentTypeJS)
	delete(assets, worker.name)
}

// load reads an embedded file and registers it under assets/.
func load(name, contentType string) *asset {
	data, err := files.ReadFile(name)
	if err != nil {
		panic(fmt.Sprintf("dashboard: embedded file %s: %v", name, err))
	}
	a := &asset{name: path.Base(name), contentType: contentType, data: data}
	a.version, a.etag = contentHash(data)
	assets[a.name] = a
	return a
}

// url returns the asset's URL relative to the dashboard's root.
func (a *asset) url() string { return assetsDir + a.name + "?v=" + a.version }

// contentHash returns a short hex content hash for URLs and a strong ETag.
func contentHash(data []byte) (version, etag string) {
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	return h[:16], `"sha256-` + h[:32] + `"`
}

// Config configures the dashboard.
type Config struct {
	// Endpoint is the GraphQL endpoint's path on the same server, such as
	// "/graphql"; the CSP lets the page reach its own origin only.
	Endpoint string
	// DemoUsers, set in demo mode only, is the path of the server's list
	// of demo users with fresh tokens (the playground's "sign in as").
	// Empty: the page takes a token.
	DemoUsers string
}

// page is the rendered page of one Handler.
type page struct {
	html []byte
	etag string
}

// New returns the dashboard's handler: the page at its root, the assets
// under "assets/" and the service worker at "sw.js", all by relative URLs,
// so it is mounted under a prefix with http.StripPrefix on a pattern that
// ends in a slash:
//
//	mux.Handle("/dashboard/", http.StripPrefix("/dashboard", dashboard.New(cfg)))
//
// Only GET and HEAD are allowed (405 otherwise); unknown paths get 404.
func New(cfg Config) http.Handler {
	var buf bytes.Buffer
	err := pageTemplate.Execute(&buf, struct {
		Endpoint, DemoUsers, Style, Script, Worker string
	}{cfg.Endpoint, cfg.DemoUsers, styleURL, jsURL, workerName + "?v=" + worker.version})
	if err != nil {
		// The template and its data are fixed; this cannot fail at run time.
		panic("dashboard: rendering page: " + err.Error())
	}
	p := &page{html: buf.Bytes()}
	_, p.etag = contentHash(p.html)
	return p
}

// ServeHTTP serves the page, its assets and its service worker.
func (p *page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	switch name := strings.TrimPrefix(r.URL.Path, "/"); {
	case name == "":
		h.Set("Content-Type", contentTypeHTML)
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", cacheRevalidate)
		h.Set("ETag", p.etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(p.html))
	case name == workerName:
		// A worker is always revalidated: browsers check it themselves.
		worker.serve(w, r, false)
	case strings.HasPrefix(name, assetsDir):
		a, ok := assets[strings.TrimPrefix(name, assetsDir)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		a.serve(w, r, r.URL.Query().Get("v") == a.version)
	default:
		http.NotFound(w, r)
	}
}

// serve writes the asset, cached for a year when immutable.
func (a *asset) serve(w http.ResponseWriter, r *http.Request, immutable bool) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	if immutable {
		h.Set("Cache-Control", cacheImmutable)
	} else {
		h.Set("Cache-Control", cacheRevalidate)
	}
	h.Set("ETag", a.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.data))
}
