package main

import (
	"context"
	"io"
	"os"

	"github.com/benkan-project/benkan/bench"
)

// benchCmd is `benkan bench`: the benchmark harness, which starts this
// very binary with --start.
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		self = ""
	}
	return bench.Main(ctx, args, stdout, stderr, self)
}
