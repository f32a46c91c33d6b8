package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Load says how hard and how long to drive one operation.
type Load struct {
	// Concurrency is the number of clients, each sending its next request
	// when the previous one is answered (a closed loop).
	Concurrency int
	// Warmup is run first and not measured.
	Warmup time.Duration
	// Duration bounds the measured run.
	Duration time.Duration
	// MaxRequests bounds the number of measured requests, whatever the
	// duration (0: 1,000,000).
	MaxRequests int
}

// sample is what one request reports: how many SQL statements its
// operation issued and how many loaded the viewer (-1 when unknown), or
// why it failed.
type sample struct {
	statements int
	viewer     int
	err        error
	// partial is a GraphQL error in a response that has data: the request
	// is measured, and the error reported.
	partial error
}

// Measured is a measured run: its statistics and what the requests said.
type Measured struct {
	Stats
	// StatementsMin, StatementsMax and StatementsMean are the SQL
	// statements of the operation per request, when the server reports
	// them (-1 otherwise).
	StatementsMin  int     `json:"statements_min"`
	StatementsMax  int     `json:"statements_max"`
	StatementsMean float64 `json:"statements_mean"`
	// ViewerStatementsMean is the mean number of statements per request
	// that loaded the viewer (the server caches viewers for 2 seconds).
	ViewerStatementsMean float64 `json:"viewer_statements_mean"`
	// FirstError is the first failure, if any.
	FirstError string `json:"first_error,omitempty"`
	// PartialErrors counts the responses that had data and GraphQL errors
	// too; FirstPartialError is the first of those errors.
	PartialErrors     int    `json:"partial_errors"`
	FirstPartialError string `json:"first_partial_error,omitempty"`
	// Abandoned counts the requests still running a grace period after
	// the end of the run (max(Duration, 30s)): cut off, not measured.
	Abandoned int `json:"abandoned,omitempty"`
}

// run drives do at l's concurrency: a warm-up, then the measured run. It
// stops at l.Duration, after l.MaxRequests requests, or when ctx ends.
func run(ctx context.Context, l Load, do func(ctx context.Context) sample) Measured {
	if l.Concurrency < 1 {
		l.Concurrency = 1
	}
	if l.MaxRequests <= 0 {
		l.MaxRequests = 1_000_000
	}
	if l.Warmup > 0 {
		drive(ctx, l.Concurrency, l.Warmup, l.MaxRequests, do)
	}
	return drive(ctx, l.Concurrency, l.Duration, l.MaxRequests, do)
}

func drive(ctx context.Context, conc int, d time.Duration, maxRequests int, do func(ctx context.Context) sample) Measured {
	// Requests in flight at the deadline may finish within a grace period;
	// those still running then are abandoned, and neither measured nor
	// counted as failures. A stuck request cannot hang the run.
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, d+max(d, 30*time.Second))
	defer cancel()
	type worker struct {
		lat     []time.Duration
		stmts   []int
		viewer  []int
		errors  int
		first   error
		partial int
		firstP  error
		// abandoned requests were cut off after the grace period.
		abandoned int
	}
	workers := make([]worker, conc)
	var sent atomic.Int64
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i := range workers {
		w := &workers[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) && sent.Add(1) <= int64(maxRequests) {
				t := time.Now()
				s := do(ctx)
				el := time.Since(t)
				if s.err != nil && ctx.Err() != nil && parent.Err() == nil {
					w.abandoned++
					continue
				}
				if s.err != nil {
					w.errors++
					if w.first == nil {
						w.first = s.err
					}
					continue
				}
				if s.partial != nil {
					w.partial++
					if w.firstP == nil {
						w.firstP = s.partial
					}
				}
				w.lat = append(w.lat, el)
				w.stmts = append(w.stmts, s.statements)
				w.viewer = append(w.viewer, s.viewer)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	var lat []time.Duration
	var stmts, viewer []int
	var m Measured
	errors, partial := 0, 0
	var first, firstP error
	for _, w := range workers {
		m.Abandoned += w.abandoned
		partial += w.partial
		if firstP == nil {
			firstP = w.firstP
		}
		lat = append(lat, w.lat...)
		stmts = append(stmts, w.stmts...)
		viewer = append(viewer, w.viewer...)
		errors += w.errors
		if first == nil {
			first = w.first
		}
	}
	m.Stats = Summarize(lat, errors, elapsed)
	if first != nil {
		m.FirstError = first.Error()
	}
	m.PartialErrors = partial
	if firstP != nil {
		m.FirstPartialError = firstP.Error()
	}
	m.StatementsMin, m.StatementsMax, m.StatementsMean = statementStats(stmts)
	_, _, m.ViewerStatementsMean = statementStats(viewer)
	return m
}

// statementStats returns the minimum, maximum and mean of the statement
// counts that are known (≥ 0); -1s when none is.
func statementStats(counts []int) (lo, hi int, mean float64) {
	lo, hi = -1, -1
	sum, n := 0, 0
	for _, c := range counts {
		if c < 0 {
			continue
		}
		if n == 0 || c < lo {
			lo = c
		}
		if c > hi {
			hi = c
		}
		sum += c
		n++
	}
	if n == 0 {
		return -1, -1, -1
	}
	return lo, hi, float64(sum) / float64(n)
}
