package graph_test

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/xlsx"
)

// exportedFile is an export of either format as a client reads it.
type exportedFile struct {
	header []string
	rows   []map[string]string
	// masked are the columns named as masked ("" when none is named).
	masked string
	// outcome is "complete: N rows" or "incomplete: …".
	outcome string
	// text is every text of the file as a reader of it sees it (for a
	// workbook, its XML parts decompressed): where no marker of a hidden
	// value may be.
	text string
	// quoted marks, for a workbook, the cells in the text style, by row
	// index and column.
	quoted map[[2]int]bool
}

// readFile reads an export in format ("csv" or "xlsx").
func readFile(t *testing.T, format string, body []byte) exportedFile {
	t.Helper()
	if format == "csv" {
		e := readExport(t, body)
		f := exportedFile{header: e.header, rows: e.rows, text: string(body)}
		for _, c := range e.comments {
			if m, ok := strings.CutPrefix(c, "masked: empty where the access policy hides them from you: "); ok {
				f.masked = m
			}
			if strings.HasPrefix(c, "complete:") || strings.HasPrefix(c, "incomplete:") {
				f.outcome = c
			}
		}
		return f
	}
	sheets, err := xlsx.Read(body)
	if err != nil {
		t.Fatalf("the export is not a workbook: %v", err)
	}
	if len(sheets) != 2 || sheets[1].Name != "about" || len(sheets[0].Rows) == 0 {
		t.Fatalf("sheets %+v", sheets)
	}
	f := exportedFile{header: sheets[0].Rows[0], quoted: map[[2]int]bool{}}
	for i, rec := range sheets[0].Rows[1:] {
		if len(rec) == 1 && strings.HasPrefix(rec[0], "# incomplete") {
			continue
		}
		row := map[string]string{}
		for j, c := range f.header {
			if j < len(rec) {
				row[c] = rec[j]
			}
			if sheets[0].Text[[2]int{i + 1, j}] {
				f.quoted[[2]int{i, j}] = true
			}
		}
		f.rows = append(f.rows, row)
	}
	for _, rec := range sheets[1].Rows {
		if len(rec) < 2 {
			continue
		}
		switch rec[0] {
		case "masked":
			if rec[1] != "none" {
				f.masked = rec[1]
			}
		case "outcome":
			f.outcome = rec[1]
		}
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		text.Write(b)
	}
	f.text = text.String()
	return f
}
