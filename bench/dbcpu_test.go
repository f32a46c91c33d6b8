package bench

import (
	"net/url"
	"os"
	"runtime"
	"testing"
)

func TestWithAppName(t *testing.T) {
	for _, dsn := range []string{
		"postgres://postgres@127.0.0.1:5432/bench?sslmode=disable",
		"postgres://postgres@127.0.0.1:5432/bench?sslmode=disable&application_name=other",
	} {
		got, err := withAppName(dsn, "server")
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatal(err)
		}
		if q := u.Query(); q.Get("application_name") != "benkan-bench-server" || q.Get("sslmode") != "disable" || u.Path != "/bench" {
			t.Errorf("withAppName(%q) = %q", dsn, got)
		}
	}
}

func TestTicksBetween(t *testing.T) {
	for _, c := range []struct {
		name          string
		before, after map[int]int64
		seconds       float64
		lost          bool
	}{
		{"growth of each backend", map[int]int64{1: 100, 2: 50}, map[int]int64{1: 150, 2: 75}, 0.75, false},
		{"a backend started during the run counts whole", map[int]int64{1: 100}, map[int]int64{1: 110, 3: 20}, 0.30, false},
		{"a backend that ended is lost and said so", map[int]int64{1: 100, 2: 40}, map[int]int64{1: 120}, 0.20, true},
	} {
		s, lost := ticksBetween(c.before, c.after)
		if s != c.seconds || lost != c.lost {
			t.Errorf("%s: %v, %v; want %v, %v", c.name, s, lost, c.seconds, c.lost)
		}
	}
}

// TestProcTicks reads this process's CPU time after spending some.
func TestProcTicks(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc/PID/stat is Linux's")
	}
	x := 0
	for i := range 200_000_000 {
		x ^= i
	}
	_ = x
	ticks, ok := procTicks(os.Getpid())
	if !ok || ticks <= 0 {
		t.Fatalf("procTicks(self) = %d, %v after spending CPU", ticks, ok)
	}
	if _, ok := procTicks(-1); ok {
		t.Error("procTicks of no process succeeded")
	}
}
