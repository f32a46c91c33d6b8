package graph

import (
	"context"
	"errors"
)

// timedOut reports whether err is the end of a request that ran past its
// deadline: the error wraps context.DeadlineExceeded, or the driver's own
// error for a cancelled statement (lib/pq's "canceling statement due to
// user request", modernc sqlite's "interrupted") came back after the
// request's context had expired. Such errors are answered TIMEOUT, never
// INTERNAL, and their driver text is not shown.
func timedOut(ctx context.Context, err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded)
}
