package gid

import (
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// WriteQuoted writes s to w as a JSON string, without building anything
// when s needs no escape (printable ASCII without '"' or '\'), as ids and
// enum values do: then the bytes are those of strconv.Quote(s). gqlgen
// marshals every id and enum of a response this way; strconv.Quote's
// allocation for each was 6% of the feed's server CPU (BENCHMARKS.md,
// session 7). Any other string is left to gqlgen's own string marshaller,
// whose escapes are JSON's (strconv.Quote's \x00 or \a are not JSON, and a
// response must stay parseable whatever a value holds).
func WriteQuoted(w io.Writer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			graphql.MarshalString(s).MarshalGQL(w)
			return
		}
	}
	_, _ = io.WriteString(w, `"`)
	_, _ = io.WriteString(w, s)
	_, _ = io.WriteString(w, `"`)
}
