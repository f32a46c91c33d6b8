package main

import (
	"context"
	"io"
	"os"
	"strings"

	"github.com/benkan-project/benkan/bench"
)

// benchCmd is `benkan bench`: the benchmark harness, which starts this
// very binary with --start. Its flags are the harness's (bench.Flags), read
// from the command line only: the harness reads BENKAN_DATABASE_URL itself.
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		self = ""
	}
	fs := newFlagSetEnv("bench", "[flags]", strings.TrimSpace(bench.Usage), stdout, noFlags)
	config := bench.Flags(fs, stdout, stderr, self)
	if err := parseEnv(fs, args, noFlags); err != nil {
		return err
	}
	cfg, err := config()
	if err != nil {
		return usageError{err.Error()}
	}
	_, err = bench.Run(ctx, cfg)
	return err
}
