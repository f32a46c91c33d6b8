package generated

import (
	"bytes"
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestFieldSetMarshalsAsGqlgen pins fieldSet to graphql.FieldSet: the same
// fields and values give the same bytes.
func TestFieldSetMarshalsAsGqlgen(t *testing.T) {
	tests := []struct {
		name    string
		aliases []string
		want    string
	}{
		{"no field", nil, `{}`},
		{"in order", []string{"id", "name", "level"}, `{"id":"0","name":"1","level":"2"}`},
		{"an alias once, its first value", []string{"id", "name", "id"}, `{"id":"0","name":"1"}`},
		{"a key that needs escaping", []string{"a\"b\\c\n\t\r\x01é"}, `{"a\"b\\c\n\t\r\u0001é":"0"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := make([]graphql.CollectedField, len(tt.aliases))
			for i, a := range tt.aliases {
				fields[i].Field = &ast.Field{Alias: a, Name: a}
			}
			ours, theirs := newFieldSet(fields), graphql.NewFieldSet(fields)
			for i := range fields {
				ours.Values[i] = graphql.MarshalString(string(rune('0' + i)))
				theirs.Values[i] = ours.Values[i]
			}
			ours.Dispatch(context.Background())
			theirs.Dispatch(context.Background())
			var got, want bytes.Buffer
			ours.MarshalGQL(&got)
			theirs.MarshalGQL(&want)
			if got.String() != want.String() {
				t.Errorf("fieldSet wrote %s, graphql.FieldSet %s", got.String(), want.String())
			}
			if got.String() != tt.want {
				t.Errorf("got %s, want %s", got.String(), tt.want)
			}
		})
	}
}
