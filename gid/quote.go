package gid

import (
	"io"
	"strconv"
)

// WriteQuoted writes strconv.Quote(s) to w, byte for byte, without
// building the quoted string when s needs no escape (printable ASCII
// without '"' or '\'), as ids and enum values do. gqlgen marshals every id
// and enum of a response this way; strconv.Quote's allocation for each was
// 6% of the feed's server CPU (BENCHMARKS.md, session 7).
func WriteQuoted(w io.Writer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			_, _ = io.WriteString(w, strconv.Quote(s))
			return
		}
	}
	_, _ = io.WriteString(w, `"`)
	_, _ = io.WriteString(w, s)
	_, _ = io.WriteString(w, `"`)
}
