package main

import (
	"log/slog"
	"runtime/debug"
)

// Garbage collector defaults of serve, where the environment sets none.
//
// A request allocates a few megabytes that are garbage once the response is
// written, over a live heap of a few tens: with Go's default (GOGC=100) the
// collector ran every few requests and took 10-15% of the server's CPU at a
// million incidents. At 400 the feed serves 15-20% more requests per second
// and the server's peak RSS goes from ~60 to ~100 MB (BENCHMARKS.md); the
// soft memory limit makes the collector work harder rather than let the
// heap grow past it, so a large live heap cannot multiply by five.
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 192 << 20 // bytes
)

// gcSettings returns the GC percent and soft memory limit serve sets: the
// defaults above, each unless the Go runtime's own variable (GOGC,
// GOMEMLIMIT) is set, in which case the runtime has applied it already and
// set is false for it.
func gcSettings(getenv func(string) string) (percent int, setPercent bool, limit int64, setLimit bool) {
	return defaultGCPercent, getenv("GOGC") == "", defaultMemoryLimit, getenv("GOMEMLIMIT") == ""
}

// tuneGC applies gcSettings.
func tuneGC(getenv func(string) string, log *slog.Logger) {
	percent, setPercent, limit, setLimit := gcSettings(getenv)
	if setPercent {
		debug.SetGCPercent(percent)
	}
	if setLimit {
		debug.SetMemoryLimit(limit)
	}
	log.Debug("garbage collector", "gc_percent_default", setPercent, "gc_percent", percent, "memory_limit_default", setLimit, "memory_limit_bytes", limit)
}
