package server

import (
	"strings"
	"testing"
)

func TestParseStatus(t *testing.T) {
	const status = "Name:\tbenkan\nVmPeak:\t  900000 kB\nVmHWM:\t   51200 kB\nVmRSS:\t   40960 kB\nThreads:\t9\n"
	peak, cur := parseStatus(strings.NewReader(status))
	if peak != 51200*1024 || cur != 40960*1024 {
		t.Fatalf("parseStatus: peak %d, current %d", peak, cur)
	}
	if peak, cur := parseStatus(strings.NewReader("garbage\nVmHWM: x kB\n")); peak != 0 || cur != 0 {
		t.Fatalf("parseStatus of garbage: %d %d", peak, cur)
	}
}
