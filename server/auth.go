package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/auth"
	"github.com/benkan-project/benkan/policy"
)

// Viewers builds the viewer of a verified token subject.
type Viewers interface {
	Viewer(ctx context.Context, subject string) (*policy.Viewer, error)
}

// TokenVerifier verifies a bearer token and returns its subject.
type TokenVerifier interface {
	Verify(ctx context.Context, token string) (string, error)
}

// authenticate puts the viewer of the request's bearer token in its
// context, or the anonymous viewer when there is no token. A token that is
// present but not valid, or names no user, is answered 401 UNAUTHENTICATED:
// it is never treated as anonymous. Each request first takes a token of
// the rate limit: its user's, or its client address's when it has no
// valid token (a request with a bad token is refused 429 rather than 401
// once its address is past the limit).
func authenticate(verifier TokenVerifier, viewers Viewers, limits *limiter, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		token, present, err := auth.BearerToken(r.Header.Get("Authorization"))
		if err == nil && !present {
			if limits.admit(w, addrKey(r)) {
				next.ServeHTTP(w, r.WithContext(policy.NewContext(ctx, policy.Anonymous())))
			}
			return
		}
		var v *policy.Viewer
		if err == nil {
			var subject string
			if subject, err = verifier.Verify(ctx, token); err == nil {
				v, err = viewers.Viewer(ctx, subject)
			}
		}
		var be *benkan.Error
		switch {
		case err == nil:
			if limits.admit(w, userKey(v.Subject)) {
				next.ServeHTTP(w, r.WithContext(policy.NewContext(ctx, v)))
			}
		case errors.As(err, &be) && be.Code == benkan.EUNAUTHENTICATED:
			if limits.admit(w, addrKey(r)) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="benkan"`)
				writeError(w, http.StatusUnauthorized, benkan.EUNAUTHENTICATED, "%s", be.Message)
			}
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			writeError(w, http.StatusServiceUnavailable, benkan.ETIMEOUT, "the request ran past its deadline")
		case errors.As(err, &be) && be.Code == benkan.EUNAVAILABLE:
			// The viewer's user could not be read: the database is down.
			log.WarnContext(ctx, "authenticate: database unavailable", "err", err)
			w.Header().Set("Retry-After", "2")
			writeError(w, http.StatusServiceUnavailable, benkan.EUNAVAILABLE, "%s", be.Message)
		default:
			log.ErrorContext(ctx, "authenticate", "err", err)
			writeError(w, http.StatusInternalServerError, benkan.EINTERNAL, "internal error")
		}
	})
}
