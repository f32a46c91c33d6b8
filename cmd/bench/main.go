// Command bench is benkan's benchmark harness (see package bench and
// BENCHMARKS.md); `benkan bench` is the same command.
//
//	go run ./cmd/bench --start --database-url 'postgres://postgres@127.0.0.1:5432/bench_1m?sslmode=disable'
//
// `go run ./cmd/bench export` measures the memory and speed of exports
// instead (see bench.ExportUsage).
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
	run := bench.Main
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "export" {
		run, args = bench.ExportMain, args[1:]
	}
	if err := run(ctx, args, os.Stdout, os.Stderr, ""); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		os.Exit(1)
	}
}
