// Package gid provides benkan's global identifiers: opaque strings such as
// "inc_7qk3m9x2c4v8b1n5z0r6t2y4wa" that name one row of one type.
//
// An ID is a short type prefix, an underscore and 128 random bits in
// lower-case base32. The random part is why IDs are safe to hand to every
// partner: unlike sequential integers or time-ordered ULIDs they reveal
// neither how many rows exist nor in which order they were created. The
// prefix lets the GraphQL `node(id:)` lookup find the table without a query.
package gid

import (
	"crypto/rand"
	"database/sql/driver"
	"encoding/base32"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/benkan-project/benkan"
)

// ID is a prefixed random identifier. The zero value is not a valid ID.
type ID string

// encoding is lower-case base32 without padding: 26 characters for 16 bytes,
// readable, case-insensitive and URL-safe.
var encoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// randomLen is the length of the encoded random part.
const randomLen = 26

// New returns a fresh ID for the type with the given prefix.
// It panics if the system's random source fails, as crypto/rand.Read does.
func New(prefix string) ID {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Errorf("gid: read random: %w", err))
	}
	return ID(prefix + "_" + encoding.EncodeToString(b[:]))
}

// Prefix returns the type prefix of id, or "" when id is malformed.
func (id ID) Prefix() string {
	prefix, _, ok := id.split()
	if !ok {
		return ""
	}
	return prefix
}

// Validate reports whether id is well formed. It says nothing of whether a
// row with that id exists.
func (id ID) Validate() error {
	if _, _, ok := id.split(); !ok {
		return &benkan.Error{Code: benkan.EINVALID, Message: fmt.Sprintf("malformed id %s", strconv.Quote(truncate(string(id))))}
	}
	return nil
}

func (id ID) split() (prefix, random string, ok bool) {
	prefix, random, ok = strings.Cut(string(id), "_")
	if !ok || prefix == "" || len(prefix) > 8 || len(random) != randomLen {
		return "", "", false
	}
	for _, r := range prefix {
		if r < 'a' || r > 'z' {
			return "", "", false
		}
	}
	if _, err := encoding.DecodeString(random); err != nil {
		return "", "", false
	}
	return prefix, random, true
}

// truncate keeps error messages short when a client sends a huge id.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// Scan implements sql.Scanner.
func (id *ID) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		return nil
	case string:
		*id = ID(v)
	case []byte:
		*id = ID(string(v))
	case ID:
		*id = v
	default:
		return fmt.Errorf("gid: cannot scan %T into an ID", src)
	}
	return nil
}

// Value implements driver.Valuer.
func (id ID) Value() (driver.Value, error) {
	return string(id), nil
}

// MarshalGQL writes the ID as a GraphQL string (gqlgen's Marshaler).
func (id ID) MarshalGQL(w io.Writer) {
	WriteQuoted(w, string(id))
}

// UnmarshalGQL reads an ID from a GraphQL input value (gqlgen's Unmarshaler).
// Malformed IDs are refused here, before any query runs.
func (id *ID) UnmarshalGQL(v any) error {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case ID: // ent's generated node lookup passes IDs through UnmarshalGQL
		s = string(v)
	default:
		return &benkan.Error{Code: benkan.EINVALID, Message: fmt.Sprintf("an id must be a string, not %T", v)}
	}
	if err := ID(s).Validate(); err != nil {
		return err
	}
	*id = ID(s)
	return nil
}
