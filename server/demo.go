package server

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/benkan-project/benkan"
)

// DemoUsersPath is where a server in demo mode lists its demo users, each
// with a fresh token, for the playground's "sign in as" control. A server
// not in demo mode has no such route: it answers 404 like any unknown path.
const DemoUsersPath = "/demo/users"

// Demo is demo mode's sign-in: the server hands out tokens of the demo
// users, the admin's included, to whoever asks. Config.Demo is nil unless
// the operator started the server in demo mode (`serve --demo`); no request
// can turn it on, since the route is registered, or not, when the handler
// is built.
type Demo struct {
	// Users are the demo accounts, in the order the page lists them.
	Users []DemoUser
	// Sign returns a fresh token for subject and when it expires.
	Sign func(subject string) (token string, expires time.Time, err error)
}

// DemoUser is one demo account as the demo data seeds it.
type DemoUser struct {
	// Subject is the `sub` of the user's tokens.
	Subject string
	// DisplayName is the name the page shows.
	DisplayName string
	// Organization is the name of the user's organization.
	Organization string
	// Localities are the communes where the demo gives the user its role;
	// none means everywhere.
	Localities []string
}

// demoUser is one user of the GET DemoUsersPath answer.
type demoUser struct {
	Subject      string   `json:"subject"`
	DisplayName  string   `json:"displayName"`
	Organization string   `json:"organization"`
	Roles        []string `json:"roles"`
	Localities   []string `json:"localities"`
	Token        string   `json:"token"`
	ExpiresAt    string   `json:"expiresAt"`
}

// demoUsers answers GET DemoUsersPath: the demo users that exist in the
// database, each with the roles it holds now (read from the policy, so an
// admin's change shows) and a fresh token. Only pages opened by an IP
// address or as localhost get tokens: a page of another site that a DNS
// rebinding points at this server carries its own host name, and so gets
// none (the same-origin policy keeps other sites from reading the answer
// otherwise).
func demoUsers(demo *Demo, viewers Viewers, limits *limiter, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !limits.admit(w, addrKey(r)) {
			return
		}
		if !localHost(r.Host) {
			writeError(w, http.StatusForbidden, benkan.EFORBIDDEN,
				"demo tokens are given only to pages opened at an IP address or localhost, not at %q: open the playground at http://127.0.0.1:PORT/", hostOnly(r.Host))
			return
		}
		ctx := r.Context()
		out := make([]demoUser, 0, len(demo.Users))
		for _, u := range demo.Users {
			v, err := viewers.Viewer(ctx, u.Subject)
			var be *benkan.Error
			if errors.As(err, &be) && be.Code == benkan.EUNAUTHENTICATED {
				continue // not in this database: the demo data was not loaded into it
			}
			if err != nil {
				log.ErrorContext(ctx, "demo users: viewer", "subject", u.Subject, "err", err)
				writeError(w, http.StatusServiceUnavailable, benkan.EUNAVAILABLE, "the demo users cannot be read now")
				return
			}
			roles := []string{}
			for _, a := range v.Assignments {
				if !slices.Contains(roles, a.Role) {
					roles = append(roles, a.Role)
				}
			}
			token, expires, err := demo.Sign(u.Subject)
			if err != nil {
				log.ErrorContext(ctx, "demo users: sign", "subject", u.Subject, "err", err)
				writeError(w, http.StatusInternalServerError, benkan.EINTERNAL, "internal error")
				return
			}
			out = append(out, demoUser{
				Subject:      u.Subject,
				DisplayName:  u.DisplayName,
				Organization: u.Organization,
				Roles:        roles,
				Localities:   append([]string{}, u.Localities...),
				Token:        token,
				ExpiresAt:    expires.UTC().Format(time.RFC3339),
			})
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(map[string]any{"users": out})
	})
}

// localHost reports whether host (a Host header, with or without port)
// names this machine by an IP address or as localhost: names a DNS
// rebinding cannot use.
func localHost(host string) bool {
	h := strings.ToLower(hostOnly(host))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	return net.ParseIP(h) != nil
}

// hostOnly returns host without its port and IPv6 brackets.
func hostOnly(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
}
