package schema

import (
	"crypto/rand"
	"encoding/binary"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// CellKeyMixin gives the rows of a counted type the random key of the cell
// key method of disclosure control (package aggregate): a uniform 32-bit
// number drawn from crypto/rand when the row is created, never changed,
// never served. A cell's key is the sum of its rows' keys modulo 2^32, and
// the noise added to a protected count is a fixed function of that key and
// the count: the same rows always get the same answer, however they were
// asked for. Nothing of the API reads it (no GraphQL field, filter or
// order), so no client can learn a key and undo the noise.
//
// The column's SQL default 0 lets the migration add it to a table that
// has rows; storage.Migrate then draws a key for each of them.
type CellKeyMixin struct {
	mixin.Schema
}

// Fields of the CellKeyMixin.
func (CellKeyMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("cell_key").
			DefaultFunc(NewCellKey).
			Immutable().
			Comment("Random key of the cell key method of disclosure control (package aggregate); never served.").
			Annotations(entgql.Skip(entgql.SkipAll), entsql.Default("0")),
	}
}

// NewCellKey draws a cell key: uniform in [0, 2^32), from crypto/rand, so
// that no one can predict the key of a row from those of others.
func NewCellKey() int64 {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("cell key: crypto/rand failed: " + err.Error()) // crypto/rand.Read never fails on supported systems
	}
	return int64(binary.BigEndian.Uint32(b[:]))
}
