package demo

import (
	"math/rand/v2"
	"time"
)

// weighted is a value and its relative weight in a draw.
type weighted[T any] struct {
	v T
	w int
}

// pick draws one of items with probability proportional to its weight.
func pick[T any](r *rand.Rand, items ...weighted[T]) T {
	total := 0
	for _, it := range items {
		total += it.w
	}
	n := r.IntN(total)
	for _, it := range items {
		if n < it.w {
			return it.v
		}
		n -= it.w
	}
	panic("demo: pick from no weight")
}

// oneOf draws one of items, each as likely.
func oneOf[T any](r *rand.Rand, items ...T) T {
	return items[r.IntN(len(items))]
}

// chance is true with probability p.
func chance(r *rand.Rand, p float64) bool {
	return r.Float64() < p
}

// between draws an integer from lo to hi, both included.
func between(r *rand.Rand, lo, hi int) int {
	return lo + r.IntN(hi-lo+1)
}

// sample draws n distinct elements of pool (all of it if n is larger),
// leaving pool as it was.
func sample[T any](r *rand.Rand, pool []T, n int) []T {
	n = min(n, len(pool))
	c := append([]T(nil), pool...)
	for i := 0; i < n; i++ {
		j := i + r.IntN(len(c)-i)
		c[i], c[j] = c[j], c[i]
	}
	return c[:n]
}

// day is midnight UTC of the given date.
func day(year int, month time.Month, d int) time.Time {
	return time.Date(year, month, d, 0, 0, 0, 0, time.UTC)
}

// w is v with weight n, for pick.
func w[T any](v T, n int) weighted[T] {
	return weighted[T]{v, n}
}
