// Package playground serves a GraphiQL playground for the benkan GraphQL API
// that works fully offline.
//
// Every script and stylesheet the page needs (GraphiQL, React, ReactDOM and a
// small bootstrap script) is embedded in the binary with go:embed and served
// by the handler itself under an "assets/" sub-path, so the page makes no
// request to a CDN or any other host. The third-party files live unchanged in
// the vendor directory; see vendor/README.md for their versions and hashes and
// vendor/update.sh to re-download them.
//
// The page is served with a strict Content-Security-Policy: scripts only from
// the server itself and no inline scripts.
package playground

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// DefaultQuery is the editor's text in a tab the user opens (the example
// tabs open first; see Examples).
const DefaultQuery = `# Write a query here; the example tabs show the main use cases.
# Sign in above (or paste a token): requests carry it as "Authorization: Bearer <token>".
`

//go:embed page.html
var pageSource string

// The vendor directory must stay flat: module zips drop files in
// subdirectories of a directory named "vendor".
//
//go:embed vendor/graphiql.min.css vendor/graphiql.min.js
//go:embed vendor/react.production.min.js vendor/react-dom.production.min.js
//go:embed static/playground.css static/playground.js
var files embed.FS

const (
	assetsDir = "assets/"

	contentTypeJS   = "text/javascript; charset=utf-8"
	contentTypeCSS  = "text/css; charset=utf-8"
	contentTypeHTML = "text/html; charset=utf-8"

	// Asset URLs in the page carry their content hash, so a response for the
	// current hash never changes and can be cached for a year.
	cacheImmutable = "public, max-age=31536000, immutable"
	// The page, and assets asked for without the current hash, are
	// revalidated with their ETag on every use.
	cacheRevalidate = "no-cache"
)

// asset is one embedded file served under assets/.
type asset struct {
	name        string // file name under assets/
	contentType string
	data        []byte
	version     string // short content hash, used as ?v= in URLs
	etag        string // strong ETag: quoted content hash
}

// url returns the asset's URL relative to the playground root.
func (a *asset) url() string {
	return assetsDir + a.name + "?v=" + a.version
}

// Order matters: styles and scripts are included in the page in this order,
// and the bootstrap script needs React, ReactDOM and GraphiQL loaded first.
var (
	styleFiles  = []string{"vendor/graphiql.min.css", "static/playground.css"}
	scriptFiles = []string{
		"vendor/react.production.min.js",
		"vendor/react-dom.production.min.js",
		"vendor/graphiql.min.js",
		"static/playground.js",
	}
)

var (
	// assets maps a file name under assets/ to the file.
	assets = map[string]*asset{}
	// styleURLs and scriptURLs are the page's relative asset URLs, in order.
	styleURLs, scriptURLs []string

	pageTemplate = template.Must(template.New("page").Parse(pageSource))

	// examplesJSON is Examples as JSON, for the page's data-examples;
	// examplesVersion its hash, by which the page tells that the examples
	// changed since it last opened them.
	examplesJSON, examplesVersion string
)

func init() {
	styleURLs = loadAssets(styleFiles, contentTypeCSS)
	scriptURLs = loadAssets(scriptFiles, contentTypeJS)
	b, err := json.Marshal(examples)
	if err != nil {
		panic("playground: examples: " + err.Error())
	}
	examplesJSON = string(b)
	examplesVersion, _ = contentHash(b)
}

// loadAssets reads the embedded files, registers them in assets and returns
// their URLs relative to the playground root.
func loadAssets(names []string, contentType string) []string {
	urls := make([]string, 0, len(names))
	for _, name := range names {
		data, err := files.ReadFile(name)
		if err != nil {
			panic(fmt.Sprintf("playground: embedded file %s: %v", name, err))
		}
		a := &asset{
			name:        path.Base(name),
			contentType: contentType,
			data:        data,
		}
		a.version, a.etag = contentHash(data)
		if _, dup := assets[a.name]; dup {
			panic("playground: duplicate asset name " + a.name)
		}
		assets[a.name] = a
		urls = append(urls, a.url())
	}
	return urls
}

// contentHash returns a short hex content hash for URLs and a strong ETag.
func contentHash(data []byte) (version, etag string) {
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	return h[:16], `"sha256-` + h[:32] + `"`
}

// Config configures a playground.
type Config struct {
	// Title is the page's title and logo.
	Title string
	// Endpoint is where the page sends GraphQL requests, normally a path
	// on the same server such as "/graphql".
	Endpoint string
	// DemoUsers, set in demo mode only, is the path of the server's list
	// of demo users with fresh tokens: the page then offers "sign in as".
	// Empty: the page takes a token.
	DemoUsers string
}

// page is the rendered HTML page of one Handler.
type page struct {
	html []byte
	etag string
	csp  string
}

// Handler returns New(Config{Title: title, Endpoint: endpoint}): a
// playground that takes a token.
func Handler(title, endpoint string) http.Handler {
	return New(Config{Title: title, Endpoint: endpoint})
}

// New returns an http.Handler that serves a GraphiQL playground sending
// its requests to cfg.Endpoint, with cfg.Title as the page title and logo.
//
// The page is served at the handler's root and its assets under "assets/"
// below it, all referenced by relative URLs, so the handler works when
// mounted at "/" as well as under a prefix with http.StripPrefix. Mount it
// on a pattern ending in a slash, so that http.ServeMux redirects the bare
// prefix to it and the relative URLs resolve below the prefix:
//
//	mux.Handle("/", playground.Handler("benkan", "/graphql"))
//	mux.Handle("/playground/", http.StripPrefix("/playground", playground.Handler("benkan", "/graphql")))
//
// The endpoint is normally a path on the same server, such as "/graphql".
// An absolute http or https URL also works; its origin is then added to the
// page's connect-src. A bar above GraphiQL signs in: in demo mode
// (cfg.DemoUsers) as one of the demo users, and always with a pasted token.
// The token is kept in the browser tab's session storage, so that two tabs
// can be signed in as two users, and added to every request as
// "Authorization: Bearer <token>" (one set in the Headers tab wins). The
// schema is always fetched without it, since introspection is public and a
// stale token must not hide the docs. The page opens the Examples, one tab
// each.
//
// Only GET and HEAD are allowed; other methods get 405 Method Not Allowed.
// Unknown paths, including unknown assets, get 404 Not Found.
func New(cfg Config) http.Handler {
	var buf bytes.Buffer
	err := pageTemplate.Execute(&buf, struct {
		Title, Endpoint, DemoUsers, DefaultQuery string
		Examples, ExamplesVersion                string
		Styles, Scripts                          []string
	}{cfg.Title, cfg.Endpoint, cfg.DemoUsers, DefaultQuery, examplesJSON, examplesVersion, styleURLs, scriptURLs})
	if err != nil {
		// The template and its data are fixed; this cannot fail at run time.
		panic("playground: rendering page: " + err.Error())
	}
	p := &page{html: buf.Bytes(), csp: contentSecurityPolicy(cfg.Endpoint)}
	_, p.etag = contentHash(p.html)
	return p
}

// contentSecurityPolicy returns the page's CSP. Scripts may come only from
// the server itself. GraphiQL and its editors set inline styles, so style-src
// allows 'unsafe-inline'; its stylesheet embeds fonts and icons as data: URLs.
func contentSecurityPolicy(endpoint string) string {
	connect := "'self'"
	if u, err := url.Parse(endpoint); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		connect += " " + u.Scheme + "://" + u.Host
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'unsafe-inline'",
		"font-src 'self' data:",
		"img-src 'self' data:",
		"connect-src " + connect,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// ServeHTTP serves the page at the root and the embedded files under assets/.
func (p *page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")

	switch name := strings.TrimPrefix(r.URL.Path, "/"); {
	case name == "":
		p.servePage(w, r)
	case strings.HasPrefix(name, assetsDir):
		a, ok := assets[strings.TrimPrefix(name, assetsDir)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		a.serve(w, r)
	default:
		http.NotFound(w, r)
	}
}

// servePage writes the HTML page with its security headers.
func (p *page) servePage(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", contentTypeHTML)
	h.Set("Content-Security-Policy", p.csp)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", cacheRevalidate)
	h.Set("ETag", p.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(p.html))
}

// serve writes the asset. It is cached for a year when asked for with its
// current content hash, as the page does, and revalidated otherwise.
func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	if r.URL.Query().Get("v") == a.version {
		h.Set("Cache-Control", cacheImmutable)
	} else {
		h.Set("Cache-Control", cacheRevalidate)
	}
	h.Set("ETag", a.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.data))
}
