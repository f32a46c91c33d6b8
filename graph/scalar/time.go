// Package scalar holds benkan's GraphQL scalars whose wire format is its own.
package scalar

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/benkan-project/benkan"
)

// MarshalTime writes a time as an RFC 3339 string in UTC.
func MarshalTime(t time.Time) graphql.Marshaler {
	if t.IsZero() {
		return graphql.Null
	}
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(time.RFC3339)))
	})
}

// UnmarshalTime reads a time given as an RFC 3339 string
// ("2023-12-18T09:00:00Z") or as a date ("2023-12-18", midnight UTC), which
// is what dashboards mostly send. Anything else is a BAD_USER_INPUT error
// that says which formats are accepted.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, &benkan.Error{Code: benkan.EINVALID, Message: fmt.Sprintf("a Time must be a string, not %T", v)}
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return time.Time{}, &benkan.Error{Code: benkan.EINVALID, Message: fmt.Sprintf("invalid Time %q: use RFC 3339 (2023-12-18T09:00:00Z) or a date (2023-12-18)", s)}
}
