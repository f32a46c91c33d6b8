package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	"github.com/benkan-project/benkan/server"
	"github.com/benkan-project/benkan/storage"
)

// envBench turns on the bench-only mode of serve: BENKAN_BENCH=1. It is read
// from the environment only, and is not the variable of any flag.
const envBench = "BENKAN_BENCH"

// benchMode is serve's bench-only mode (BENKAN_BENCH=1): statement counts
// per request, /debug/bench, and on request access control switched off
// and a pprof listener. A nil *benchMode is the normal server.
type benchMode struct {
	noAccessControl bool
	noReadAudit     bool
	pprofAddr       string
}

// newBenchMode checks the bench-only flags against BENKAN_BENCH and returns
// the bench mode, or nil when BENKAN_BENCH is not 1.
func newBenchMode(noAccessControl bool, pprofAddr string) (*benchMode, error) {
	if os.Getenv(envBench) != "1" {
		if noAccessControl {
			return nil, fmt.Errorf("--no-access-control is for benchmarks only: it serves every row and field to anyone without a token; it is refused unless %s=1", envBench)
		}
		if pprofAddr != "" {
			return nil, fmt.Errorf("--pprof-addr is for benchmarks only: it is refused unless %s=1", envBench)
		}
		return nil, nil
	}
	if pprofAddr != "" {
		if err := loopbackOnly(pprofAddr); err != nil {
			return nil, fmt.Errorf("--pprof-addr: %w", err)
		}
	}
	return &benchMode{noAccessControl: noAccessControl, pprofAddr: pprofAddr}, nil
}

// loopbackOnly refuses an address that is not on the loopback interface.
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s is not a loopback address (use 127.0.0.1:PORT)", addr)
	}
	return nil
}

// warn logs, loudly, what the bench mode changes.
func (b *benchMode) warn(log *slog.Logger) {
	if b == nil {
		return
	}
	log.Warn("BENCH MODE (" + envBench + "=1): SQL statements are counted per request and " + server.BenchPath + " reports memory and the statements of each operation; never run this in production")
	if b.noReadAudit {
		log.Warn("!!! READS OF SENSITIVE FIELDS ARE NOT AUDITED (--no-read-audit). Benchmarks only. !!!")
	}
	if b.noAccessControl {
		log.Warn("!!! ACCESS CONTROL IS OFF (--no-access-control): no authentication, no row filters, no field masks: every client reads everything. Benchmarks only. !!!")
	}
}

// wrapDriver makes the database driver record the statements of requests.
func (b *benchMode) wrapDriver(cfg *storage.Config) {
	if b != nil {
		cfg.WrapDriver = storage.RecordStatements
	}
}

// handler is server.Handler, with the bench additions in bench mode.
func (b *benchMode) handler(cfg server.Config) http.Handler {
	if b == nil {
		return server.Handler(cfg)
	}
	return server.BenchHandler(cfg, server.Bench{NoAccessControl: b.noAccessControl, NoReadAudit: b.noReadAudit})
}

// startPprof serves net/http/pprof on the loopback address of --pprof-addr
// until ctx ends; it does nothing without one.
func (b *benchMode) startPprof(ctx context.Context, log *slog.Logger) error {
	if b == nil || b.pprofAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", b.pprofAddr)
	if err != nil {
		return fmt.Errorf("--pprof-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("pprof listener", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	log.Warn("BENCH MODE: pprof listening", "addr", "http://"+ln.Addr().String()+"/debug/pprof/")
	return nil
}
