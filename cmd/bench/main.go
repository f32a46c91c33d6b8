// Command bench is benkan's benchmark harness (see package bench and
// BENCHMARKS.md); `benkan bench` is the same command.
//
//	go run ./cmd/bench --start --database-url 'postgres://postgres@127.0.0.1:5432/bench_1m?sslmode=disable'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/benkan-project/benkan/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := bench.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, ""); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		os.Exit(1)
	}
}
