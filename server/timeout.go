package server

import (
	"context"
	"net/http"
	"time"
)

// DefaultRequestTimeout is how long a /graphql request may run unless
// configured otherwise: the slowest operation of the benchmarks at a
// million incidents takes under 1.5 s.
const DefaultRequestTimeout = 5 * time.Second

// deadline gives each request a context that expires after d: the
// database drivers cancel a statement when its context ends (lib/pq sends
// PostgreSQL a cancel request, modernc's SQLite interrupts), and the
// GraphQL error presenter answers TIMEOUT. d <= 0 sets no deadline.
func deadline(d time.Duration, next http.Handler) http.Handler {
	if d <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
