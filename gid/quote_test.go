package gid

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
)

// TestWriteQuoted pins WriteQuoted to strconv.Quote on the plain strings it
// writes itself, to gqlgen's string marshaller on the others, and checks
// that every answer is a JSON string holding s.
func TestWriteQuoted(t *testing.T) {
	for _, tc := range []struct {
		s     string
		plain bool
	}{
		{"", true}, {"inc_7qk3m9x2c4v8b1n5z0r6t2y4wa", true}, {"VICTIM", true}, {"a b~!#", true},
		{`a"b`, false}, {`a\b`, false}, {"a\nb", false}, {"\x00", false}, {"\a\v", false}, {"\x7f", false},
		{"é", false}, {"\u2028", false}, {"\xff", false}, {"日本", false},
	} {
		var buf bytes.Buffer
		WriteQuoted(&buf, tc.s)
		var want bytes.Buffer
		if tc.plain {
			want.WriteString(strconv.Quote(tc.s))
		} else {
			graphql.MarshalString(tc.s).MarshalGQL(&want)
		}
		if buf.String() != want.String() {
			t.Errorf("WriteQuoted(%q) = %s, want %s", tc.s, buf.String(), want.String())
		}
		var back string
		if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
			t.Errorf("WriteQuoted(%q) = %s: not a JSON string: %v", tc.s, buf.String(), err)
			continue
		}
		if utf8.ValidString(tc.s) && back != tc.s {
			t.Errorf("WriteQuoted(%q) reads back as %q", tc.s, back)
		}
	}
}
