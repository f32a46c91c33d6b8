package server

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/benkan-project/benkan"
)

// RateLimit configures the per-caller rate limit of /graphql: a token
// bucket per user (the subject of a valid token) and, for requests without
// a valid token, per client address, so that one caller cannot take the
// server's time from the others. The zero value switches it off.
type RateLimit struct {
	// Rate is the number of requests per second a caller may sustain; 0
	// switches the limit off.
	Rate float64
	// Burst is the number of requests a caller may send at once after
	// being idle; at least 1.
	Burst int
	// Idle is how long a caller's bucket is kept after its last request;
	// 10 minutes if zero, and never less than a full bucket takes to
	// refill (a bucket forgotten is a full one, so forgetting changes no
	// answer).
	Idle time.Duration
	// MaxCallers bounds the buckets kept at once (100,000 if zero); past
	// it, callers that have none share one bucket until idle ones are
	// forgotten, so that a flood of addresses cannot grow memory.
	MaxCallers int
}

// DefaultRateLimit is benkan serve's rate limit unless configured otherwise:
// a dashboard sends a handful of queries when it loads, then one now and
// then.
var DefaultRateLimit = RateLimit{Rate: 20, Burst: 40}

// limiter holds the buckets of RateLimit. A nil *limiter lets every
// request through.
type limiter struct {
	rate     rate.Limit
	burst    int
	idle     time.Duration
	max      int
	now      func() time.Time
	mu       sync.Mutex
	buckets  map[string]*bucket
	overflow *rate.Limiter
	swept    time.Time
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

func newLimiter(cfg RateLimit, now func() time.Time) *limiter {
	if cfg.Rate <= 0 {
		return nil
	}
	if cfg.Burst < 1 {
		cfg.Burst = 1
	}
	if cfg.Idle == 0 {
		cfg.Idle = 10 * time.Minute
	}
	if refill := time.Duration(float64(cfg.Burst) / cfg.Rate * float64(time.Second)); cfg.Idle < refill {
		cfg.Idle = refill
	}
	if cfg.MaxCallers == 0 {
		cfg.MaxCallers = 100_000
	}
	return &limiter{
		rate: rate.Limit(cfg.Rate), burst: cfg.Burst, idle: cfg.Idle, max: cfg.MaxCallers, now: now,
		buckets:  map[string]*bucket{},
		overflow: rate.NewLimiter(rate.Limit(cfg.Rate), cfg.Burst),
		swept:    now(),
	}
}

// allow takes a token from key's bucket, or says how long until one is
// there.
func (l *limiter) allow(key string) (retryAfter time.Duration, ok bool) {
	if l == nil {
		return 0, true
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) >= l.idle/2 {
		l.sweep(now)
	}
	lim := l.overflow
	if b := l.buckets[key]; b != nil {
		b.last = now
		lim = b.lim
	} else if len(l.buckets) < l.max {
		lim = rate.NewLimiter(l.rate, l.burst)
		l.buckets[key] = &bucket{lim: lim, last: now}
	}
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// sweep forgets the buckets idle for longer than l.idle: they are full.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if now.Sub(b.last) > l.idle {
			delete(l.buckets, k)
		}
	}
	l.swept = now
}

// size is the number of buckets kept.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// userKey and addrKey are the bucket keys of a user and of a client address.
func userKey(subject string) string { return "user:" + subject }

func addrKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "addr:" + host
}

// admit takes a token for key, or answers 429 RATE_LIMITED with a
// Retry-After header and reports false.
func (l *limiter) admit(w http.ResponseWriter, key string) bool {
	d, ok := l.allow(key)
	if ok {
		return true
	}
	secs := int(math.Ceil(d.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	writeError(w, http.StatusTooManyRequests, benkan.ERATELIMITED, "too many requests: the limit is %g per second (bursts of %d); retry in %d s", float64(l.rate), l.burst, max(secs, 1))
	return false
}
