package main

import (
	"flag"
	"time"

	"github.com/benkan-project/benkan/graph"
	"github.com/benkan-project/benkan/server"
)

// requestLimits are serve's bounds on one request and on each caller.
type requestLimits struct {
	graph     graph.Limits
	timeout   time.Duration
	rateLimit server.RateLimit
}

// limitFlags registers the flags of the operation limits, the request
// timeout and the rate limit, with benkan's defaults, and returns a
// function that checks them once flags are parsed.
func limitFlags(fs *flag.FlagSet) func() (*requestLimits, error) {
	l := &requestLimits{graph: graph.DefaultLimits}
	d := graph.DefaultLimits
	fs.IntVar(&l.graph.MaxDepth, "max-depth", d.MaxDepth, "deepest nesting of fields in a query")
	fs.IntVar(&l.graph.MaxPageSize, "max-page-size", d.MaxPageSize, "largest first or last of a connection")
	fs.IntVar(&l.graph.MaxCost, "max-cost", d.MaxCost, "largest estimated number of objects one query may resolve")
	fs.IntVar(&l.graph.MaxAliases, "max-aliases", d.MaxAliases, "most aliased fields in an operation (a fragment's count at each spread)")
	fs.IntVar(&l.graph.MaxRootFields, "max-root-fields", d.MaxRootFields, "most top-level fields in an operation")
	fs.IntVar(&l.graph.MaxFragmentSpreads, "max-fragment-spreads", d.MaxFragmentSpreads, "most fragment spreads in an operation (spreads inside a fragment counted at each spread of it)")
	fs.IntVar(&l.graph.MaxFieldRepeats, "max-field-repeats", d.MaxFieldRepeats, "how often one field (response key) may be selected in one selection set, its inline fragments included")
	fs.IntVar(&l.graph.MaxInputDepth, "max-input-depth", d.MaxInputDepth, "deepest nesting of objects and lists in an argument, variables included")
	fs.IntVar(&l.graph.MaxInputValues, "max-input-values", d.MaxInputValues, "most values in all the arguments and variables of a request")
	fs.IntVar(&l.graph.MaxListSize, "max-list-size", d.MaxListSize, "longest input list")
	fs.IntVar(&l.graph.MaxStringLength, "max-string-length", d.MaxStringLength, "longest input string, in bytes")
	fs.IntVar(&l.graph.MaxPatternLength, "max-pattern-length", d.MaxPatternLength, "longest Contains/HasPrefix/HasSuffix/EqualFold/ContainsFold value, in bytes, with %, _ and \\ counted twice")
	fs.DurationVar(&l.timeout, "request-timeout", server.DefaultRequestTimeout, "how long a /graphql request may run before it and its SQL are cancelled (answer TIMEOUT)")
	fs.Float64Var(&l.rateLimit.Rate, "rate-limit", server.DefaultRateLimit.Rate, "requests per second each user (or, without a valid token, each client address) may sustain; 0 switches the limit off")
	fs.IntVar(&l.rateLimit.Burst, "rate-burst", server.DefaultRateLimit.Burst, "requests a caller may send at once after being idle")
	return func() (*requestLimits, error) {
		if err := l.graph.Validate(nil); err != nil {
			return nil, usagef("--max-* flags: %v", err)
		}
		if l.timeout <= 0 {
			return nil, usagef("--request-timeout: %s is not a positive duration (e.g. 5s)", l.timeout)
		}
		if l.rateLimit.Rate < 0 || (l.rateLimit.Rate > 0 && l.rateLimit.Burst < 1) {
			return nil, usagef("--rate-limit must be 0 (off) or positive, with --rate-burst at least 1")
		}
		return l, nil
	}
}
