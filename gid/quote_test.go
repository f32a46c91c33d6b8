package gid

import (
	"bytes"
	"strconv"
	"testing"
)

// TestWriteQuotedIsStrconvQuote pins WriteQuoted to strconv.Quote, on the
// plain strings it writes itself and on those it leaves to strconv.
func TestWriteQuotedIsStrconvQuote(t *testing.T) {
	for _, s := range []string{
		"", "inc_7qk3m9x2c4v8b1n5z0r6t2y4wa", "VICTIM", "a b~!#",
		`a"b`, `a\b`, "a\nb", "\x00", "\x7f", "é", "\u2028", "\xff", "日本",
	} {
		var buf bytes.Buffer
		WriteQuoted(&buf, s)
		if want := strconv.Quote(s); buf.String() != want {
			t.Errorf("WriteQuoted(%q) = %s, want %s", s, buf.String(), want)
		}
	}
}
