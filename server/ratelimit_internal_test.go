package server

import (
	"fmt"
	"testing"
	"time"
)

// fakeClock is a clock the test moves.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// TestLimiterForgetsIdleCallers: buckets idle past Idle are forgotten (they
// are full again, so forgetting them changes no answer), and no more than
// MaxCallers are kept however many callers come.
func TestLimiterForgetsIdleCallers(t *testing.T) {
	clock := &fakeClock{t: time.Date(2023, 12, 18, 9, 0, 0, 0, time.UTC)}
	l := newLimiter(RateLimit{Rate: 1, Burst: 2, Idle: time.Minute, MaxCallers: 1000}, clock.now)
	for i := range 5000 {
		if _, ok := l.allow(fmt.Sprintf("addr:10.0.%d.%d", i/256, i%256)); !ok && i < 1000 {
			t.Fatalf("caller %d refused on its first request", i)
		}
	}
	if n := l.size(); n != 1000 {
		t.Fatalf("%d buckets kept, want the bound of 1000", n)
	}
	clock.t = clock.t.Add(2 * time.Minute)
	if _, ok := l.allow("user:someone"); !ok {
		t.Fatal("a new caller refused after the others went idle")
	}
	if n := l.size(); n != 1 {
		t.Fatalf("%d buckets kept after all but one went idle, want 1", n)
	}
}

// TestLimiterIdleNotShorterThanRefill: a bucket is kept at least until it
// would be full again, so a caller cannot reset its bucket by waiting less
// than that.
func TestLimiterIdleNotShorterThanRefill(t *testing.T) {
	clock := &fakeClock{t: time.Date(2023, 12, 18, 9, 0, 0, 0, time.UTC)}
	l := newLimiter(RateLimit{Rate: 0.01, Burst: 1, Idle: time.Second}, clock.now)
	if _, ok := l.allow("k"); !ok {
		t.Fatal("first request refused")
	}
	clock.t = clock.t.Add(10 * time.Second)
	l.allow("other") // sweeps
	if d, ok := l.allow("k"); ok || d < 80*time.Second {
		t.Fatalf("after 10 s of a 100 s refill: ok=%v, retry after %s", ok, d)
	}
}
