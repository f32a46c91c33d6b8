// Package server is benkan's HTTP layer: it routes /graphql to the GraphQL
// handler behind request guards, serves CSV exports of connections
// (/export/FIELD.csv) through that handler, the playground, the partner
// dashboard (/dashboard/), health and
// readiness probes, and runs the HTTP server with a graceful shutdown.
// Responses are gzipped for clients that accept it (compress), GraphQL
// and export responses are never cached (Cache-Control: no-store), and
// the origins listed in Config.CORS may call /graphql and /export/* from
// a browser. In demo mode only (Config.Demo), GET /demo/users hands the
// playground the demo users with fresh tokens.
//
// It calls graph for GraphQL and never touches the database directly except
// through the readiness check it is given.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/web/dashboard"
	"github.com/benkan-project/benkan/web/playground"
)

// DashboardPath is where the partner dashboard is served (Config.Dashboard);
// the bare path redirects to it with a slash.
const DashboardPath = "/dashboard"

// Config configures the HTTP handler.
type Config struct {
	// GraphQL handles GraphQL requests at /graphql.
	GraphQL http.Handler
	// Verifier checks the bearer tokens of /graphql requests.
	Verifier TokenVerifier
	// Viewers builds the viewer of a token's subject.
	Viewers Viewers
	// Previews builds the viewer of a request previewed as another user
	// (see PreviewHeader); a request asking for a preview is FORBIDDEN
	// when nil.
	Previews Previews
	// Ready reports whether the service can serve requests (its database
	// answers); /readyz calls it.
	Ready func(context.Context) error
	// MaxBodyBytes bounds the size of a request body; 1 MiB if zero.
	MaxBodyBytes int64
	// RequestTimeout bounds how long a /graphql request may run, its SQL
	// statements included (they are cancelled); DefaultRequestTimeout if
	// zero, none if negative.
	RequestTimeout time.Duration
	// RateLimit limits the requests of each user and, without a valid
	// token, of each client address; off when its Rate is zero (the zero
	// value: tests and the benchmark harness are never throttled).
	RateLimit RateLimit
	// Playground serves the GraphQL playground at /.
	Playground bool
	// Dashboard serves the partner dashboard at /dashboard/.
	Dashboard bool
	// CORS lists the other origins whose pages may call /graphql and
	// /export/*; none when empty.
	CORS CORS
	// Demo, set only in demo mode, serves GET DemoUsersPath: the demo
	// users with fresh tokens, which the playground's "sign in as" control
	// lists. Nil (production): the route does not exist (404).
	Demo *Demo
	// Logger logs requests and errors; slog.Default() if nil.
	Logger *slog.Logger
}

// Handler returns benkan's HTTP handler.
func Handler(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Logger = benkan.Logger(cfg.Logger)
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	limits := newLimiter(cfg.RateLimit, time.Now)
	mux := http.NewServeMux()
	mux.Handle("/graphql", cfg.CORS.handler("GET, POST", noStore(deadline(cfg.RequestTimeout, guard(cfg.MaxBodyBytes, authenticate(cfg.Verifier, cfg.Viewers, limits, cfg.Logger, preview(cfg.Previews, cfg.Logger, cfg.GraphQL)))))))
	exports := cfg.CORS.handler("GET", noStore(authenticate(cfg.Verifier, cfg.Viewers, limits, cfg.Logger, export(cfg.GraphQL, cfg.RequestTimeout, cfg.Logger))))
	mux.Handle("GET /export/{file}", exports)
	if len(cfg.CORS.Origins) > 0 { // CORS preflights; any other OPTIONS is 405
		mux.Handle("OPTIONS /export/{file}", cfg.CORS.handler("GET", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Allow", "GET")
			writeError(w, http.StatusMethodNotAllowed, benkan.EBADREQUEST, "an export is read with GET")
		})))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", readyz(cfg.Ready, cfg.Logger))
	pg := playground.Config{Title: "benkan", Endpoint: "/graphql"}
	db := dashboard.Config{Endpoint: "/graphql"}
	if cfg.Demo != nil {
		mux.Handle("GET "+DemoUsersPath, demoUsers(cfg.Demo, cfg.Viewers, limits, cfg.Logger))
		pg.DemoUsers = DemoUsersPath
		db.DemoUsers = DemoUsersPath
	}
	if cfg.Dashboard {
		mux.Handle(DashboardPath+"/", http.StripPrefix(DashboardPath, dashboard.New(db)))
	}
	if cfg.Playground {
		mux.Handle("/", playground.New(pg))
	} else {
		mux.Handle("/", http.NotFoundHandler())
	}
	return requestID(recoverer(cfg.Logger, logRequests(cfg.Logger, securityHeaders(compress(mux)))))
}

func readyz(ready func(context.Context) error, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if ready != nil {
			if err := ready(ctx); err != nil {
				log.WarnContext(ctx, "not ready", "err", err)
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte("database unreachable\n"))
				return
			}
		}
		_, _ = w.Write([]byte("ready\n"))
	}
}

// Run serves h on addr until ctx is cancelled, then stops accepting
// connections and waits up to grace for in-flight requests to finish.
// ready, if not nil, receives the address actually listened on.
func Run(ctx context.Context, addr string, h http.Handler, grace time.Duration, log *slog.Logger, ready chan<- string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "addr", "http://"+ln.Addr().String())
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: waiting for in-flight requests", "grace", grace)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
