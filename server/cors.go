package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// CORS lets browser pages of other origins (a partner's dashboard) call
// /graphql and /export/*. Only the origins listed are allowed, compared
// exactly; there is no wildcard, and no credentials mode: benkan's tokens
// travel in the Authorization header, which a page sets itself, never in
// cookies. With no origins (the default), no response carries a CORS
// header and browsers keep other origins out.
type CORS struct {
	// Origins are the allowed origins, as ParseOrigins returns them.
	Origins []string
}

// corsAllowHeaders are the request headers a page may send: the token,
// the JSON body's type, a preview (PreviewHeader; still for tokens that
// may preview only), and the headers Apollo Client sends (client
// awareness, and the CSRF-prevention header of Apollo's servers).
var corsAllowHeaders = strings.Join([]string{
	"Authorization", "Content-Type", "Accept", PreviewHeader,
	"Apollo-Require-Preflight", "Apollographql-Client-Name", "Apollographql-Client-Version",
	"X-Apollo-Operation-Name", requestIDHeader,
}, ", ")

// corsExposeHeaders are the response headers a page may read besides the
// safelisted ones: the request id to quote in a report, when to retry, and
// the file name of an export.
var corsExposeHeaders = strings.Join([]string{requestIDHeader, "Retry-After", "Content-Disposition", "WWW-Authenticate"}, ", ")

// corsMaxAge is how long, in seconds, a browser may cache a preflight's
// answer (browsers cap it at 2 hours or less).
const corsMaxAge = "600"

// ParseOrigins checks and normalises allowed origins: each is
// scheme://host[:port], http or https, without path, query or user; "*" and
// "null" are refused, since the point is an explicit list. Values may
// hold several origins separated by commas; blanks are skipped.
func ParseOrigins(values ...string) ([]string, error) {
	var origins []string
	for _, v := range values {
		for o := range strings.SplitSeq(v, ",") {
			o = strings.TrimSpace(o)
			if o == "" {
				continue
			}
			if o == "*" || o == "null" {
				return nil, fmt.Errorf("CORS origin %q: list each origin allowed, like https://dashboard.example.org (no wildcard)", o)
			}
			u, err := url.Parse(o)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
				strings.TrimSuffix(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" || strings.Contains(u.Host, "*") {
				return nil, fmt.Errorf("CORS origin %q: want scheme://host[:port], like https://dashboard.example.org", o)
			}
			o = strings.ToLower(u.Scheme + "://" + u.Host)
			if !slices.Contains(origins, o) {
				origins = append(origins, o)
			}
		}
	}
	return origins, nil
}

// handler answers the preflights of allowed origins and adds the CORS
// headers to their requests; every response says Vary: Origin, since its
// headers depend on it. methods are the methods the route serves.
func (c CORS) handler(methods string, next http.Handler) http.Handler {
	if len(c.Origins) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		if origin == "" || !slices.Contains(c.Origins, origin) {
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", methods)
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		next.ServeHTTP(w, r)
	})
}

// noStore marks the responses of next as never to be stored by a cache:
// they are what one user may see, now.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
