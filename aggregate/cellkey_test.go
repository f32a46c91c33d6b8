package aggregate

import (
	"math"
	"testing"
)

// TestPublish: the rule of publication, for every small count and many
// keys: exact without a threshold; under one, protected under k (zeros
// included) and never published under k, within the noise bound, the same
// for the same key and count.
func TestPublish(t *testing.T) {
	for key := uint32(0); key < 5000; key += 7 {
		for n := 0; n < 40; n++ {
			if v, p := Publish(n, key, 0); v != n || p {
				t.Fatalf("exact: Publish(%d) = %d, %v", n, v, p)
			}
			v, p := Publish(n, key, 5)
			switch {
			case n < 5 && !p:
				t.Fatalf("n=%d key=%d: published %d under the threshold", n, key, v)
			case !p && (v < 5 || v < n-NoiseBound || v > n+NoiseBound):
				t.Fatalf("n=%d key=%d: published %d", n, key, v)
			case n >= 5+NoiseBound && p:
				t.Fatalf("n=%d key=%d: protected, though no noise brings it under 5", n, key)
			}
			if v2, p2 := Publish(n, key, 5); v2 != v || p2 != p {
				t.Fatalf("n=%d key=%d: two answers", n, key)
			}
		}
	}
}

// TestNoiseDistribution: over uniform keys the noise follows the table:
// mean 0, the share of each value within a point of its weight.
func TestNoiseDistribution(t *testing.T) {
	counts := map[int]int{}
	const draws = 200000
	key := uint32(12345)
	for i := range draws {
		key = key*1664525 + 1013904223 // keys of many different cells
		counts[Noise(key, 5+i%50)]++
	}
	want := map[int]float64{0: 22.0 / 40, 1: 8.0 / 40, -1: 8.0 / 40, 2: 1.0 / 40, -2: 1.0 / 40}
	sum := 0
	for v, c := range counts {
		w, ok := want[v]
		if !ok {
			t.Fatalf("noise %d beyond the bound", v)
		}
		if got := float64(c) / draws; math.Abs(got-w) > 0.01 {
			t.Errorf("noise %d: share %.3f, want %.3f", v, got, w)
		}
		sum += v * c
	}
	if mean := float64(sum) / draws; math.Abs(mean) > 0.01 {
		t.Errorf("mean noise %.3f, want 0", mean)
	}
}

// TestCellKey: a cell's key is the sum of its rows' keys modulo 2^32.
func TestCellKey(t *testing.T) {
	for _, tt := range []struct {
		sum  int64
		want uint32
	}{{0, 0}, {KeyRange - 1, KeyRange - 1}, {KeyRange, 0}, {3*KeyRange + 7, 7}} {
		if got := CellKey(tt.sum); got != tt.want {
			t.Errorf("CellKey(%d) = %d, want %d", tt.sum, got, tt.want)
		}
	}
}

// TestPublishSeen: a protected role's answer is the rows it reads plus
// the hidden rows under Publish, with the hidden rows' key; a cell of
// fewer than K hidden rows is protected however many rows the role reads,
// and an exact role gets the count.
func TestPublishSeen(t *testing.T) {
	if v, p := PublishSeen(7, 123, 7, 123, 0); v != 7 || p {
		t.Errorf("exact: %d %v, want 7", v, p)
	}
	for seen := 0; seen <= 30; seen++ {
		if _, p := PublishSeen(seen+4, 99, seen, 12, 5); !p {
			t.Errorf("%d read and 4 hidden: published, want protected", seen)
		}
	}
	for key := uint32(0); key < 2000; key += 7 {
		hidden, seen, seenKey := 9, 11, key*31
		want, wp := Publish(hidden, key, 5)
		v, p := PublishSeen(hidden+seen, key+seenKey, seen, seenKey, 5)
		if p != wp || (!p && v != seen+want) {
			t.Fatalf("key %d: %d %v, want %d + %d (%v)", key, v, p, seen, want, wp)
		}
	}
}
