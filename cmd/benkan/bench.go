package main

import (
	"context"
	"flag"
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
	fs := newFlagSetEnv("bench", "[flags]", strings.TrimSpace(bench.Usage), stdout, func(*flag.Flag) bool { return false })
	config := bench.Flags(fs, stdout, stderr, self)
	pos, err := parseArgs(fs, args, func(*flag.Flag) bool { return false }, false)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	cfg, err := config()
	if err != nil {
		return usageError{err.Error()}
	}
	_, err = bench.Run(ctx, cfg)
	return err
}
