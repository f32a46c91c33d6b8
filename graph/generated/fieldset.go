package generated

import (
	"context"
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// fieldSet is the marshaller of one resolved object; the generated code
// builds one where gqlgen would build a graphql.FieldSet (see
// graph/gqlgen). It writes the same JSON object, field by field in the
// order collected, each alias once (the first value of an alias wins), as
// graphql.FieldSet.MarshalGQL does, without what that costs for every
// object of a response: a map of the aliases written and a copy of each
// collected field escaping to the heap (together 8% of the feed's server
// CPU, BENCHMARKS.md session 7). It has no delayed fields: with
// sequential resolution (graph/gqlgen) every field is resolved before
// Dispatch, which therefore has nothing to do.
type fieldSet struct {
	fields []graphql.CollectedField
	// Values are the fields' marshallers, by index of fields.
	Values []graphql.Marshaler
	// Invalids counts the fields whose null makes the object null.
	Invalids uint32
}

// newFieldSet is graphql.NewFieldSet for fieldSet.
func newFieldSet(fields []graphql.CollectedField) *fieldSet {
	return &fieldSet{fields: fields, Values: make([]graphql.Marshaler, len(fields))}
}

// Dispatch is graphql.FieldSet.Dispatch for a set without delayed fields:
// nothing to do.
func (*fieldSet) Dispatch(context.Context) {}

// MarshalGQL implements graphql.Marshaler.
func (m *fieldSet) MarshalGQL(w io.Writer) {
	io.WriteString(w, "{")
	first := true
	for i := range m.fields {
		alias := m.fields[i].Alias
		if written(m.fields[:i], alias) {
			continue
		}
		if !first {
			io.WriteString(w, ",")
		}
		first = false
		writeQuotedString(w, alias)
		io.WriteString(w, ":")
		m.Values[i].MarshalGQL(w)
	}
	io.WriteString(w, "}")
}

// written reports whether one of the fields before has the alias. An
// object has a few fields, so a scan costs less than the map
// graphql.FieldSet allocates for the same purpose.
func written(before []graphql.CollectedField, alias string) bool {
	for i := range before {
		if before[i].Alias == alias {
			return true
		}
	}
	return false
}

// writeQuotedString writes s as a JSON string, as gqlgen's (unexported)
// writeQuotedString does for the keys of graphql.FieldSet.
func writeQuotedString(w io.Writer, s string) {
	const hex = "0123456789abcdef"
	start := 0
	io.WriteString(w, `"`)
	for i, c := range s {
		if c < 0x20 || c == '\\' || c == '"' {
			io.WriteString(w, s[start:i])
			switch c {
			case '\t':
				io.WriteString(w, `\t`)
			case '\r':
				io.WriteString(w, `\r`)
			case '\n':
				io.WriteString(w, `\n`)
			case '\\':
				io.WriteString(w, `\\`)
			case '"':
				io.WriteString(w, `\"`)
			default:
				io.WriteString(w, `\u00`)
				w.Write([]byte{hex[c>>4], hex[c&0xf]})
			}
			start = i + 1
		}
	}
	io.WriteString(w, s[start:])
	io.WriteString(w, `"`)
}
