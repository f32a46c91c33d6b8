package bench

import (
	"math"
	"testing"
	"time"
)

func msList(n ...int) []time.Duration {
	out := make([]time.Duration, len(n))
	for i, v := range n {
		out[i] = time.Duration(v) * time.Millisecond
	}
	return out
}

// TestPercentile: nearest rank, the smallest value with at least p% of the
// values at or below it.
func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value", msList(7), 99, 7 * time.Millisecond},
		{"median of 1..100", hundred, 50, 50 * time.Millisecond},
		{"p95 of 1..100", hundred, 95, 95 * time.Millisecond},
		{"p99 of 1..100", hundred, 99, 99 * time.Millisecond},
		{"p100", hundred, 100, 100 * time.Millisecond},
		{"p0 is the minimum", hundred, 0, 1 * time.Millisecond},
		{"median of an even count is the lower middle", msList(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of 10 values is the maximum", msList(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
		{"p90 of 10 values", msList(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 90, 9 * time.Millisecond},
		{"p91 rounds up", msList(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 91, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := Percentile(tt.sorted, tt.p); got != tt.want {
			t.Errorf("%s: Percentile(p%v) = %v, want %v", tt.name, tt.p, got, tt.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	// Out of order: Summarize sorts.
	lat := msList(30, 10, 20, 40, 1000, 50, 60, 70, 80, 90)
	s := Summarize(lat, 2, 2*time.Second)
	if s.Requests != 10 || s.Errors != 2 || s.RPS != 5 {
		t.Errorf("counts: %+v", s)
	}
	if s.P50 != 50*time.Millisecond || s.P95 != time.Second || s.P99 != time.Second || s.Max != time.Second {
		t.Errorf("percentiles: p50 %v p95 %v p99 %v max %v", s.P50, s.P95, s.P99, s.Max)
	}
	if s.Mean != 145*time.Millisecond {
		t.Errorf("mean %v", s.Mean)
	}
	if z := Summarize(nil, 3, time.Second); z.Requests != 0 || z.RPS != 0 || z.P99 != 0 || z.Errors != 3 {
		t.Errorf("no successful request: %+v", z)
	}
	if z := Summarize(msList(1), 0, 0); z.RPS != 0 {
		t.Errorf("zero elapsed: %+v", z)
	}
}

func TestRatios(t *testing.T) {
	if r := Ratio(50, 200); r != 0.25 {
		t.Errorf("Ratio(50, 200) = %v", r)
	}
	if !math.IsNaN(Ratio(1, 0)) || num(Ratio(1, 0)) != nil {
		t.Errorf("Ratio by zero must be NaN, and absent from JSON")
	}
	if o := Overhead(90, 100); math.Abs(o-0.1) > 1e-9 {
		t.Errorf("Overhead(90, 100) = %v, want 0.1", o)
	}
	if o := Overhead(110, 100); math.Abs(o+0.1) > 1e-9 {
		t.Errorf("Overhead(110, 100) = %v, want -0.1 (on faster than off: noise)", o)
	}
}

func TestStatementStats(t *testing.T) {
	lo, hi, mean := statementStats([]int{4, 4, 6, -1, 4})
	if lo != 4 || hi != 6 || mean != 4.5 {
		t.Errorf("statementStats = %d %d %v", lo, hi, mean)
	}
	if lo, hi, mean := statementStats([]int{-1, -1}); lo != -1 || hi != -1 || mean != -1 {
		t.Errorf("unknown counts: %d %d %v", lo, hi, mean)
	}
}

func TestParseQuarter(t *testing.T) {
	q, err := ParseQuarter("2025-Q4")
	if err != nil || !q.From.Equal(time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)) || !q.To.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("2025-Q4: %v %v, %v", q.From, q.To, err)
	}
	for _, bad := range []string{"2025", "2025-Q5", "2025-Q0", "Q1-2025", "abcd-Q1"} {
		if _, err := ParseQuarter(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestLoopbackOnly(t *testing.T) {
	for _, h := range []string{"127.0.0.1", "::1", "localhost", "127.0.0.2"} {
		if err := loopback(h); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
	for _, h := range []string{"0.0.0.0", "192.0.2.1", "example.org", ""} {
		if err := loopback(h); err == nil {
			t.Errorf("%s accepted", h)
		}
	}
	if _, err := newClient("http://192.0.2.1:8080", 1); err == nil {
		t.Errorf("a server that is not on the loopback interface was accepted")
	}
	if _, err := openDatabase(t.Context(), "postgres://u@db.example.org/x", 1); err == nil {
		t.Errorf("a database that is not on the loopback interface was accepted")
	}
}

func TestPairedMedian(t *testing.T) {
	tests := []struct {
		name string
		a, b []float64
		want float64 // NaN: none
	}{
		// The machine slows down between repetitions: each pair shows 10%,
		// the separate medians (90 ÷ 150) would show 40%.
		{"drift cancels", []float64{180, 90, 45}, []float64{200, 100, 50}, 0.1},
		{"median of the pairs", []float64{90, 50, 99}, []float64{100, 100, 100}, 0.1},
		{"even count: mean of the middle two", []float64{90, 80}, []float64{100, 100}, 0.15},
		{"unpaired", []float64{1, 2}, []float64{1}, math.NaN()},
		{"empty", nil, nil, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PairedMedian(tt.a, tt.b, Overhead)
			if math.IsNaN(tt.want) != math.IsNaN(got) || !math.IsNaN(got) && math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
