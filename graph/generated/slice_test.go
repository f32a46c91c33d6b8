package generated

import (
	"bytes"
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

func TestMarshalSlice(t *testing.T) {
	tests := []struct {
		name      string
		panicAt   int // -1: none
		want      string
		wantError bool
	}{
		{"in order", -1, `["0","1","2"]`, false},
		{"a panic nulls its element only", 1, `["0",null,"2"]`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, func(context.Context, any) error {
				return graphql.ErrorOnPath(context.Background(), errPanic)
			})
			var seen []int
			ret := marshalSlice(ctx, 3, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
				if fc := graphql.GetFieldContext(ctx); fc == nil || fc.Index == nil || *fc.Index != i {
					t.Errorf("element %d: field context without its index", i)
				}
				seen = append(seen, i)
				if i == tt.panicAt {
					panic("boom")
				}
				return graphql.MarshalString(string(rune('0' + i)))
			})
			var buf bytes.Buffer
			ret.MarshalGQL(&buf)
			if buf.String() != tt.want {
				t.Errorf("got %s, want %s", buf.String(), tt.want)
			}
			if len(seen) != 3 || seen[0] != 0 || seen[2] != 2 {
				t.Errorf("elements marshalled %v, want 0, 1, 2 in order", seen)
			}
			if errs := graphql.GetErrors(ctx); (len(errs) > 0) != tt.wantError {
				t.Errorf("errors %v, want some: %v", errs, tt.wantError)
			}
		})
	}
}

var errPanic = &panicError{}

type panicError struct{}

func (*panicError) Error() string { return "internal error" }
