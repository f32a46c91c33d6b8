package server

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/xlsx"
)

// xlsxSheet writes an export as an XLSX workbook of two sheets: the rows,
// under a header row of the column names, then "about", which says what
// was exported, when, which columns may be masked and whether the export
// is complete (what the comment lines of a CSV say). The rows sheet comes
// first, so that it is the one a spreadsheet opens and converts; "about"
// is written last, since it ends with the export's outcome. An export cut
// short also ends its rows sheet with a row saying so, as a CSV ends.
//
// Cells are typed: a Time is a date (UTC), a number a number, a boolean a
// boolean, the rest text. Text cells are inline strings, which no
// spreadsheet evaluates, marked as text when they look like a formula;
// a masked or missing value is an empty cell.
type xlsxSheet struct {
	w     *xlsx.Writer
	head  exportHead
	cells []xlsx.Cell
}

// aboutSheet is the name of the sheet that describes the export.
const aboutSheet = "about"

func startXLSX(w io.Writer, head exportHead) (sheetWriter, error) {
	x, err := xlsx.NewWriter(w, head.Field, aboutSheet)
	if err != nil {
		return nil, err
	}
	widths := make([]float64, len(head.Columns))
	header := make([]xlsx.Cell, len(head.Columns))
	for i, c := range head.Columns {
		header[i] = xlsx.Header(c)
		if head.Types[i] == "Time" {
			widths[i] = 20
		}
	}
	if err := x.StartSheet(widths...); err != nil {
		return nil, err
	}
	if err := x.Row(header...); err != nil {
		return nil, err
	}
	return &xlsxSheet{w: x, head: head, cells: make([]xlsx.Cell, len(head.Columns))}, nil
}

func (s *xlsxSheet) Row(row []any) error {
	for i, v := range row {
		s.cells[i] = xlsxCell(v, s.head.Types[i])
	}
	return s.w.Row(s.cells...)
}

func (s *xlsxSheet) Flush() error { return s.w.Flush() }

func (s *xlsxSheet) End(rows int, failure error) error {
	outcome := fmt.Sprintf("complete: %d rows", rows)
	if failure != nil {
		outcome = fmt.Sprintf("incomplete: %s after %d rows: %s", benkan.ErrorCode(failure), rows, benkan.ErrorMessage(failure))
		if err := s.w.Row(xlsx.Text("# " + outcome)); err != nil {
			return err
		}
	}
	if err := s.w.StartSheet(12, 80); err != nil {
		return err
	}
	masked := "none"
	if len(s.head.Masked) > 0 {
		masked = strings.Join(s.head.Masked, ", ")
	}
	for _, r := range [][]xlsx.Cell{
		{xlsx.Header("export"), xlsx.Text(s.head.Field)},
		{xlsx.Header("at"), xlsx.Time(s.head.At)},
		{xlsx.Header("outcome"), xlsx.Text(outcome)},
		{xlsx.Header("masked"), xlsx.Text(masked)},
		{xlsx.Cell{}, xlsx.Text("The masked columns are empty where the access policy hides them from you.")},
		{xlsx.Header("dates"), xlsx.Text("Dates and times are in UTC.")},
	} {
		if err := s.w.Row(r...); err != nil {
			return err
		}
	}
	return s.w.Close()
}

// xlsxCell is the cell of the JSON value v of a column of GraphQL type
// typ: null is empty, a list its items as text joined by "; " (as in a
// CSV), a Time a date.
func xlsxCell(v any, typ string) xlsx.Cell {
	switch v := v.(type) {
	case nil:
		return xlsx.Cell{}
	case string:
		if typ == "Time" {
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				return xlsx.Time(t)
			}
		}
		return xlsx.Text(v)
	case json.Number:
		return xlsx.Number(v.String())
	case bool:
		return xlsx.Bool(v)
	case []any:
		items := make([]string, len(v))
		for i, item := range v {
			items[i] = listItem(item)
		}
		return xlsx.Text(strings.Join(items, "; "))
	default:
		b, _ := json.Marshal(v)
		return xlsx.Text(string(b))
	}
}

// listItem is one item of a list cell as text.
func listItem(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}
