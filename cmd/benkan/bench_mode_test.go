package main

import (
	"strings"
	"testing"
)

// TestNoAccessControlRefusedOutsideBenchmarks: --no-access-control (and
// --no-read-audit, and the pprof listener) are refused unless BENKAN_BENCH=1, before anything
// is opened or served.
func TestNoAccessControlRefusedOutsideBenchmarks(t *testing.T) {
	t.Setenv(envJWTSecret, testSecret)
	dir := t.TempDir()
	for _, bench := range []string{"", "0", "true", "yes"} {
		t.Setenv(envBench, bench)
		tests := []struct {
			args []string
			want string
		}{
			{[]string{"serve", "--data-dir", dir, "--no-access-control"}, "--no-access-control is for benchmarks only"},
			{[]string{"serve", "--data-dir", dir, "--pprof-addr", "127.0.0.1:0"}, "--pprof-addr is for benchmarks only"},
			{[]string{"serve", "--data-dir", dir, "--no-read-audit"}, "--no-read-audit is for benchmarks only"},
		}
		for _, tt := range tests {
			_, err := runCmd(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "BENKAN_BENCH=1") {
				t.Errorf("BENKAN_BENCH=%q, %v: err = %v, want it to mention %q and BENKAN_BENCH=1", bench, tt.args, err, tt.want)
			}
		}
	}
	// Set through its environment variable, the flag is refused too.
	t.Setenv(envBench, "")
	t.Setenv("BENKAN_NO_ACCESS_CONTROL", "true")
	if _, err := runCmd(t, "serve", "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "benchmarks only") {
		t.Errorf("BENKAN_NO_ACCESS_CONTROL=true without BENKAN_BENCH=1: err = %v", err)
	}
}

func TestBenchMode(t *testing.T) {
	t.Setenv(envBench, "")
	if b, err := newBenchMode(false, ""); b != nil || err != nil {
		t.Fatalf("without BENKAN_BENCH: %v, %v; want no bench mode", b, err)
	}
	t.Setenv(envBench, "1")
	b, err := newBenchMode(true, "127.0.0.1:6060")
	if err != nil || b == nil || !b.noAccessControl {
		t.Fatalf("BENKAN_BENCH=1 --no-access-control: %+v, %v", b, err)
	}
	for _, addr := range []string{"0.0.0.0:6060", ":6060", "192.0.2.1:6060", "example.org:6060"} {
		if _, err := newBenchMode(false, addr); err == nil {
			t.Errorf("--pprof-addr %s: accepted, want only loopback addresses", addr)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:6060", "[::1]:6060"} {
		if _, err := newBenchMode(false, addr); err != nil {
			t.Errorf("--pprof-addr %s: %v", addr, err)
		}
	}
}
