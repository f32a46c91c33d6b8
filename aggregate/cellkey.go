package aggregate

// NoiseBound is the largest noise Noise adds or takes away: public, as the
// parameters of the ABS and ONS perturbation tables are. Every guarantee of
// the README is stated for an attacker who knows it and the whole table.
const NoiseBound = 2

// KeyRange is the modulus of cell keys: a row's key is uniform in
// [0, KeyRange), a cell's key is the sum of its rows' keys modulo it.
const KeyRange = 1 << 32

// CellKey returns the key of a cell from the sum of its rows' keys.
func CellKey(sum int64) uint32 {
	return uint32(((sum % KeyRange) + KeyRange) % KeyRange)
}

// noiseOf is the perturbation table's distribution, by fortieths: the
// noise is 0 with probability 22/40, ±1 with 8/40 each, ±2 with 1/40 each
// (mean 0, variance 0.6). Noise at the bound is kept rare: an attacker who
// intersects many answers pins a count only where the noises of some of
// them sit at opposite ends of the bound. On the demo data the attack test
// (graph/aggregate_attack_test.go) leaves 21 of DIHR's 5653 protected
// counts with exactly two feasible values, none with one.
var noiseOf = []int8{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1, 2, -2}

// Noise is the perturbation table: the noise of a cell of count n whose
// key is key. It is a fixed function of both (a 64-bit mix of them, then
// the distribution noiseOf), so the same rows always get the same noise;
// cells of different rows have keys that are independent and uniform,
// which makes their noises independent draws.
func Noise(key uint32, n int) int {
	h := uint64(key)<<32 | uint64(uint32(n))
	// splitmix64's finalizer: every bit of the key and count moves every
	// bit of the result.
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return int(noiseOf[h%uint64(len(noiseOf))])
}

// Publish returns the published value of a cell of true count n and key
// key under threshold k (0: exact), and whether it is protected (no value
// published). A count from 0 to k−1 is protected, and so is a count whose
// noisy value would fall under k: a protected marker then says only that
// the count is from 0 to k−1+NoiseBound, so that a role that can list some
// rows of the cell (k−1 of them, say) still cannot tell the count exactly.
// A published value is never under k.
//
// Zeros are protected too, unlike in the ABS's tables, and Incidents lists
// every cell of the grid under protection: the attack test showed that
// knowing which cells are empty (a 0, or a cell absent from the answer)
// pins small counts of sparse data, month by month, once totals are
// subtracted (see the README).
func Publish(n int, key uint32, k int) (value int, protected bool) {
	if k <= 0 {
		return n, false
	}
	v := n + Noise(key, n)
	if n < k || v < k {
		return 0, true
	}
	return v, false
}

// PublishSeen returns the published value of a cell of true count n and
// key key, of which seen rows, whose keys sum to seenKey, are rows the role
// may read (and list, with the cell's keys), under threshold k (0: exact).
//
// A role under protection that counts beyond the rows it reads knows the
// seen rows already: it lists them. What the cell may tell it is the
// number of the others, the hidden rows (n − seen), and the disclosure
// control is theirs: the threshold, the noise and its cell key (the sum of
// the hidden rows' keys) are those of the hidden rows, and the value is
// seen plus their published count (Publish). A cell is therefore protected
// when it holds fewer than k hidden rows, or when their noisy count would
// fall under k, however many rows it holds that the role reads; a
// protected marker says only that the hidden rows are 0 to k−1+NoiseBound.
// Subtracting the rows the role lists from the answers (the attack
// "aggregate minus own rows") then gives answers about the hidden rows
// alone, under the same cell key method as a role that reads none: the
// rows it lists tell nothing more about those it may not read, and no cell
// is pinned at the rows it lists (a cell of which the role reads every row
// is protected, never published as the count it could check).
func PublishSeen(n int, key uint32, seen int, seenKey uint32, k int) (value int, protected bool) {
	if k <= 0 {
		return n, false
	}
	v, protected := Publish(n-seen, key-seenKey, k)
	if protected {
		return 0, true
	}
	return seen + v, false
}
