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
// leading apostrophe, so that an exported value never executes. So is
// each part of a text after a semicolon or a line break that starts so
// (see guardFormulas): a spreadsheet in a French locale (Excel's list
// separator there is ";") splits a line of this file at every semicolon,
// and one that ignores the CSV quotes at every line break, and would run
// such a part as a cell of its own.
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
		return guardFormulas(v)
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
	return s != "" && strings.ContainsRune(formulaStart, rune(s[0]))
}

// formulaStart are the characters a formula starts with (see formulaLike).
const formulaStart = "=+-@\t\r"

// guardFormulas quotes with an apostrophe the text s if it is formulaLike,
// and each part of it after a semicolon, a line feed or a carriage return
// that is formulaLike: a spreadsheet that splits the line there (a
// semicolon-separated locale, a reader that does not honour CSV quotes)
// takes such a part for a cell of its own.
func guardFormulas(s string) string {
	if !strings.ContainsAny(s, formulaStart) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 1)
	for i := 0; i < len(s); i++ {
		if (i == 0 || strings.IndexByte(";\n\r", s[i-1]) >= 0) && strings.IndexByte(formulaStart, s[i]) >= 0 {
			b.WriteByte('\'')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
