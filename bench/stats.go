package bench

import (
	"math"
	"slices"
	"time"
)

// Percentile returns the p-th percentile (0 < p ≤ 100) of latencies by the
// nearest-rank method: the smallest value such that at least p% of the
// values are less than or equal to it. sorted must be in increasing order;
// an empty list gives 0.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	switch {
	case p <= 0:
		return sorted[0]
	case p >= 100:
		return sorted[n-1]
	}
	rank := int(math.Ceil(p / 100 * float64(n))) // 1-based
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

// Stats sums up the requests of one measured run.
type Stats struct {
	// Requests is the number of requests that succeeded.
	Requests int `json:"requests"`
	// Errors is the number of requests that failed.
	Errors int `json:"errors"`
	// Elapsed is how long the run took, from the first request sent to
	// the last answer received.
	Elapsed time.Duration `json:"elapsed_ns"`
	// RPS is Requests per second of Elapsed.
	RPS float64 `json:"requests_per_second"`
	// Latencies of the successful requests.
	Mean time.Duration `json:"mean_ns"`
	P50  time.Duration `json:"p50_ns"`
	P95  time.Duration `json:"p95_ns"`
	P99  time.Duration `json:"p99_ns"`
	Max  time.Duration `json:"max_ns"`
}

// Summarize computes the statistics of a run from the latencies of its
// successful requests (in any order; the slice is sorted in place), its
// number of failed requests and its duration.
func Summarize(latencies []time.Duration, errors int, elapsed time.Duration) Stats {
	slices.Sort(latencies)
	s := Stats{Requests: len(latencies), Errors: errors, Elapsed: elapsed}
	if elapsed > 0 {
		s.RPS = float64(len(latencies)) / elapsed.Seconds()
	}
	if len(latencies) == 0 {
		return s
	}
	var sum time.Duration
	for _, l := range latencies {
		sum += l
	}
	s.Mean = sum / time.Duration(len(latencies))
	s.P50 = Percentile(latencies, 50)
	s.P95 = Percentile(latencies, 95)
	s.P99 = Percentile(latencies, 99)
	s.Max = latencies[len(latencies)-1]
	return s
}

// Ratio returns a / b, or NaN when b is 0.
func Ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// Overhead is the share of throughput access control costs: 1 − on/off.
func Overhead(on, off float64) float64 {
	if off == 0 {
		return math.NaN()
	}
	return 1 - on/off
}

// PairedMedian is the median over repetitions i of f(a[i], b[i]), for two
// modes measured one right after the other in each repetition: the drift of
// a shared machine's speed between repetitions then cancels out, which it
// does not in f of the two modes' separate medians. It returns NaN unless a
// and b pair up (same number of runs, at least one).
func PairedMedian(a, b []float64, f func(x, y float64) float64) float64 {
	if len(a) == 0 || len(a) != len(b) {
		return math.NaN()
	}
	vs := make([]float64, len(a))
	for i := range a {
		vs[i] = f(a[i], b[i])
	}
	slices.Sort(vs)
	if n := len(vs); n%2 == 0 {
		return (vs[n/2-1] + vs[n/2]) / 2
	}
	return vs[len(vs)/2]
}
