package aggregate

import "cmp"

// deref returns *p, or the zero value for nil: a key absent sorts first.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// compareKeys compares two cells by their groupings, then their periods,
// then their other keys given as pairs (a's, b's), in order.
func compareKeys(ga, gb string, pa, pb *Period, pairs ...string) int {
	if c := cmp.Compare(ga, gb); c != 0 {
		return c
	}
	var ta, tb int64
	if pa != nil {
		ta = pa.Start.Unix()
	}
	if pb != nil {
		tb = pb.Start.Unix()
	}
	if c := cmp.Compare(ta, tb); c != 0 {
		return c
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if c := cmp.Compare(pairs[i], pairs[i+1]); c != 0 {
			return c
		}
	}
	return 0
}
