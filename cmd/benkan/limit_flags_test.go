package main

import (
	"io"
	"testing"
	"time"

	"github.com/benkan-project/benkan/graph"
	"github.com/benkan-project/benkan/server"
)

// TestLimitFlags: each limit has benkan's default, is set by its BENKAN_*
// variable, and a flag on the command line wins; nonsense is refused.
func TestLimitFlags(t *testing.T) {
	parseLimits := func(args ...string) (*requestLimits, error) {
		fs := newFlagSet("serve", "", io.Discard)
		limits := limitFlags(fs)
		if err := parse(fs, args); err != nil {
			return nil, err
		}
		return limits()
	}
	l, err := parseLimits()
	if err != nil {
		t.Fatal(err)
	}
	if l.graph != graph.DefaultLimits || l.timeout != server.DefaultRequestTimeout || l.rateLimit != server.DefaultRateLimit {
		t.Fatalf("defaults: %+v", l)
	}

	t.Setenv("BENKAN_MAX_ALIASES", "7")
	t.Setenv("BENKAN_MAX_PATTERN_LENGTH", "64")
	t.Setenv("BENKAN_REQUEST_TIMEOUT", "2s")
	t.Setenv("BENKAN_RATE_LIMIT", "0")
	l, err = parseLimits("--max-aliases", "9", "--max-root-fields", "3")
	if err != nil {
		t.Fatal(err)
	}
	if l.graph.MaxAliases != 9 || l.graph.MaxRootFields != 3 || l.graph.MaxPatternLength != 64 || l.timeout != 2*time.Second || l.rateLimit.Rate != 0 {
		t.Fatalf("env and flags: %+v", l)
	}

	for _, args := range [][]string{{"--max-list-size", "0"}, {"--request-timeout", "0s"}, {"--rate-limit", "-1"}, {"--rate-limit", "5", "--rate-burst", "0"}} {
		if _, err := parseLimits(args...); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
