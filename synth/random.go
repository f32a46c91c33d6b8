package synth

import (
	"cmp"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// streamSeed derives the seed of one independent random stream from the
// dataset's seed and the stream's purpose, so that changing how one table
// is drawn does not change the others.
func streamSeed(seed uint64, purpose string) [32]byte {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(purpose))
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// newRand returns the random stream of purpose for seed.
func newRand(seed uint64, purpose string) *rand.Rand {
	return rand.New(rand.NewChaCha8(streamSeed(seed, purpose)))
}

// idEncoding is gid's encoding: lower-case base32 without padding, 26
// characters for 16 bytes.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// idGen gives the ids of one table: 128 pseudo-random bits per row,
// derived from the seed and the row's index, so that any row's id can be
// computed without storing it, in any order. mix is a bijection of
// uint64, so ids of one table never collide.
type idGen struct {
	prefix string
	k1, k2 uint64
}

func newIDGen(seed uint64, prefix string) idGen {
	s := streamSeed(seed, "id/"+prefix)
	return idGen{
		prefix: prefix,
		k1:     binary.BigEndian.Uint64(s[0:8]),
		k2:     binary.BigEndian.Uint64(s[8:16]),
	}
}

// id returns the id of row i, e.g. "inc_" and 26 base32 characters.
func (g idGen) id(i int) string {
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[0:8], g.hi(i))
	binary.BigEndian.PutUint64(raw[8:16], mix(g.k2^(uint64(i)*0xbf58476d1ce4e5b9)))
	buf := make([]byte, 0, len(g.prefix)+1+26)
	buf = append(buf, g.prefix...)
	buf = append(buf, '_')
	buf = buf[:len(buf)+26]
	idEncoding.Encode(buf[len(g.prefix)+1:], raw[:])
	return string(buf)
}

// hi returns the first 64 random bits of the id of row i.
func (g idGen) hi(i int) uint64 { return mix(g.k1 + uint64(i)*0x9e3779b97f4a7c15) }

// sortKey returns a key that orders ids as PostgreSQL's "C" collation and
// SQLite's binary one order their strings, up to the first 12 characters
// (60 bits): base32 digits '2'–'7' (values 26–31) sort before the letters.
func (g idGen) sortKey(i int) uint64 {
	h := g.hi(i) >> 4
	var key uint64
	for shift := 55; shift >= 0; shift -= 5 {
		v := (h >> uint(shift)) & 31
		if v >= 26 {
			v -= 26
		} else {
			v += 6
		}
		key = key<<5 | v
	}
	return key
}

// sortedOrder returns the row indexes 0..n-1 in the order of their ids.
func (g idGen) sortedOrder(n int) []int32 {
	type entry struct {
		key uint64
		i   int32
	}
	entries := make([]entry, n)
	for i := range entries {
		entries[i] = entry{g.sortKey(i), int32(i)}
	}
	slices.SortFunc(entries, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.i, b.i))
	})
	out := make([]int32, n)
	for k, e := range entries {
		out[k] = e.i
	}
	return out
}

// mix is splitmix64's finalizer: a bijection of uint64 that scatters bits.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// dist draws indexes with probabilities proportional to weights.
type dist struct{ cum []float64 }

func newDist(weights []float64) dist {
	cum := make([]float64, len(weights))
	total := 0.0
	for i, w := range weights {
		total += w
		cum[i] = total
	}
	for i := range cum {
		cum[i] /= total
	}
	cum[len(cum)-1] = math.Inf(1)
	return dist{cum: cum}
}

func (d dist) draw(r *rand.Rand) int {
	return sort.SearchFloat64s(d.cum, r.Float64())
}

// zipf returns n weights 1/k^s, k = 1..n.
func zipf(n int, s float64) []float64 {
	w := make([]float64, n)
	for k := range w {
		w[k] = 1 / math.Pow(float64(k+1), s)
	}
	return w
}

func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// between draws an integer from lo to hi, both included.
func between(r *rand.Rand, lo, hi int) int { return lo + r.IntN(hi-lo+1) }

// cellKey is the cell key (schema.CellKeyMixin) of incident i: uniform
// 32 bits, derived from the seed and the row's index like its id, so that
// a dataset is the same whatever order its rows are written in. Only
// synthetic datasets for benchmarks draw keys so; benkan draws them from
// crypto/rand.
func (p *plan) cellKey(i int) int64 { return p.keyOf("cell keys", i) }

// keyOf is the key of row i of the stream named stream.
func (p *plan) keyOf(stream string, i int) int64 {
	seed := streamSeed(p.seed, stream)
	h := binary.BigEndian.Uint64(seed[:8]) ^ uint64(i)*0x9e3779b97f4a7c15
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return int64(uint32(h))
}
