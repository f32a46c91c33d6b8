package bench

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benkan-project/benkan/storage"
)

// TestRunIsBounded: a run stops after MaxRequests requests or Duration,
// whichever comes first, and counts failures apart from latencies.
func TestRunIsBounded(t *testing.T) {
	var calls atomic.Int64
	do := func(context.Context) sample {
		if calls.Add(1)%5 == 0 {
			return sample{err: errors.New("boom")}
		}
		return sample{statements: 3, viewer: 0}
	}
	m := run(context.Background(), Load{Concurrency: 4, Duration: time.Minute, MaxRequests: 100}, do)
	if calls.Load() != 100 || m.Requests+m.Errors != 100 || m.Errors != 20 || m.FirstError != "boom" {
		t.Fatalf("max requests: %d calls, %+v", calls.Load(), m)
	}
	if m.StatementsMin != 3 || m.StatementsMax != 3 || m.StatementsMean != 3 {
		t.Errorf("statements: %+v", m)
	}

	start := time.Now()
	slow := func(ctx context.Context) sample {
		time.Sleep(5 * time.Millisecond)
		return sample{statements: -1, viewer: -1}
	}
	m = run(context.Background(), Load{Concurrency: 2, Warmup: 20 * time.Millisecond, Duration: 100 * time.Millisecond}, slow)
	if el := time.Since(start); el > 2*time.Second || m.Requests == 0 || m.StatementsMin != -1 {
		t.Fatalf("duration bound: %v, %+v", el, m)
	}
}

func TestReplayable(t *testing.T) {
	reads, skipped := replayable([]storage.Statement{
		{Query: "SELECT 1"}, {Query: "  select 2"}, {Query: "INSERT INTO audit_events VALUES ($1)"},
	})
	if len(reads) != 2 || skipped != 1 {
		t.Fatalf("replayable: %v, %d", reads, skipped)
	}
}
