package server

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/benkan-project/benkan"
)

// csvSheet writes an export as CSV: comment lines ("# …") before the
// header say what was exported, when, and which columns may be masked;
// the last line says whether the export is complete.
type csvSheet struct {
	w   io.Writer
	out *csv.Writer
}

func startCSV(w io.Writer, head exportHead) (sheetWriter, error) {
	s := &csvSheet{w: w, out: csv.NewWriter(w)}
	s.comment("benkan export of %s at %s", head.Field, head.At.Format(time.RFC3339))
	if len(head.Masked) > 0 {
		s.comment("masked: empty where the access policy hides them from you: %s", strings.Join(head.Masked, ", "))
	}
	if err := s.out.Write(head.Columns); err != nil {
		return nil, fmt.Errorf("csv header: %w", err)
	}
	return s, nil
}

func (s *csvSheet) Row(row []any) error { return s.out.Write(cells(row)) }

func (s *csvSheet) Flush() error {
	s.out.Flush()
	return s.out.Error()
}

func (s *csvSheet) End(rows int, err error) error {
	if err != nil {
		s.comment("incomplete: %s after %d rows: %s", benkan.ErrorCode(err), rows, benkan.ErrorMessage(err))
	} else {
		s.comment("complete: %d rows", rows)
	}
	return s.Flush()
}

// comment writes a comment line, "# text", as it is: not a CSV record,
// which would be quoted when the text holds a comma.
func (s *csvSheet) comment(format string, args ...any) {
	s.out.Flush()
	text := strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", " ")
	_, _ = fmt.Fprintf(s.w, "# %s\n", text)
}

// cells formats a row of JSON values as CSV cells: null is empty, a list
// is its items joined by "; ", and a text that a spreadsheet would run as
// a formula (=, +, -, @, tab, carriage return first) is quoted with a
// leading apostrophe, so that an exported value never executes.
func cells(row []any) []string {
	out := make([]string, len(row))
	for i, v := range row {
		out[i] = cell(v)
	}
	return out
}

func cell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		if formulaLike(v) {
			return "'" + v
		}
		return v
	case json.Number:
		return v.String()
	case bool:
		return fmt.Sprint(v)
	case []any:
		items := make([]string, len(v))
		for i, item := range v {
			items[i] = cell(item)
		}
		return strings.Join(items, "; ")
	default:
		b, _ := json.Marshal(v)
		return cell(string(b))
	}
}

// formulaLike reports whether a spreadsheet that imports or is typed the
// text s takes it for a formula: it starts with =, +, -, @, a tab or a
// carriage return (OWASP's list for CSV injection).
func formulaLike(s string) bool {
	return s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0]))
}
