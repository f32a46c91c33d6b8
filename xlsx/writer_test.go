package xlsx_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/xlsx"
)

// TestRoundTrip: each kind of cell reads back, through a strict reading of
// the file's structure, as the value written; characters XML forbids are
// left out, XML's own are escaped, formulas are never written as such.
func TestRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 30, 15, 250_000_000, time.FixedZone("GMT+1", 3600))
	cases := []struct {
		name string
		cell xlsx.Cell
		want string
		text bool // in the text style (quotePrefix)
	}{
		{"plain text", xlsx.Text("Récit fictif"), "Récit fictif", false},
		{"markup", xlsx.Text(`<b>&amp; "x" 'y'</b>`), `<b>&amp; "x" 'y'</b>`, false},
		{"newlines and tabs kept", xlsx.Text("a\r\nb\tc\rd"), "a\r\nb\tc\rd", false},
		{"control characters left out", xlsx.Text("a\x00b\x01c\x1fd\x7f\uFFFEe\uFFFF"), "abcd\x7fe", false},
		{"invalid UTF-8 left out", xlsx.Text("a\xffb\xc3"), "ab", false},
		{"astral plane kept", xlsx.Text("𝄞 ok"), "𝄞 ok", false},
		{"Excel's escapes kept literal", xlsx.Text("_x000D_ and _x0041_"), "_x000D_ and _x0041_", false},
		{"formula", xlsx.Text(`=HYPERLINK("http://example.org","x")`), `=HYPERLINK("http://example.org","x")`, true},
		{"plus", xlsx.Text("+1"), "+1", true},
		{"minus", xlsx.Text("-1+2"), "-1+2", true},
		{"at", xlsx.Text("@SUM(A1)"), "@SUM(A1)", true},
		{"tab first", xlsx.Text("\t=1"), "\t=1", true},
		{"equals inside", xlsx.Text("a=b"), "a=b", false},
		{"header", xlsx.Header("narrative"), "narrative", false},
		{"number", xlsx.Number("-12.5e3"), "-12.5e3", false},
		{"not a number", xlsx.Number("NaN"), "NaN", false},
		{"integer too long for a float", xlsx.Number("12345678901234567"), "12345678901234567", false},
		{"true", xlsx.Bool(true), "TRUE", false},
		{"false", xlsx.Bool(false), "FALSE", false},
		{"time in UTC", xlsx.Time(at), "2026-12-01T09:30:15.25Z", false},
		{"time before 1900", xlsx.Time(time.Date(1899, 1, 1, 0, 0, 0, 0, time.UTC)), "1899-01-01T00:00:00Z", false},
		{"empty", xlsx.Cell{}, "", false},
	}
	var buf bytes.Buffer
	w, err := xlsx.NewWriter(&buf, "data", "about")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.StartSheet(20, 0, 10); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if err := w.Row(xlsx.Text(c.name), c.cell, xlsx.Text("after")); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	sheets, err := xlsx.Read(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(sheets) != 2 || sheets[0].Name != "data" || sheets[1].Name != "about" || len(sheets[1].Rows) != 0 {
		t.Fatalf("sheets %+v", sheets)
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			row := sheets[0].Rows[i]
			if len(row) != 3 || row[0] != c.name || row[2] != "after" {
				t.Fatalf("row %q", row)
			}
			if row[1] != c.want {
				t.Errorf("cell %q, want %q", row[1], c.want)
			}
			if sheets[0].Text[[2]int{i, 1}] != c.text {
				t.Errorf("text style %v, want %v", !c.text, c.text)
			}
		})
	}
}

// TestLongText: a text longer than a cell holds is cut, with an ellipsis.
func TestLongText(t *testing.T) {
	var buf bytes.Buffer
	w, _ := xlsx.NewWriter(&buf, "s")
	_ = w.StartSheet()
	_ = w.Row(xlsx.Text(strings.Repeat("é", xlsx.MaxText+10)))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	sheets, err := xlsx.Read(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	got := []rune(sheets[0].Rows[0][0])
	if len(got) != xlsx.MaxText || got[len(got)-1] != '…' {
		t.Errorf("a cell of %d characters ending %q", len(got), got[len(got)-1])
	}
}

// TestSheetNames: names Excel refuses are refused.
func TestSheetNames(t *testing.T) {
	for _, names := range [][]string{{}, {""}, {"a/b"}, {"x", "X"}} {
		if _, err := xlsx.NewWriter(&bytes.Buffer{}, names...); err == nil {
			t.Errorf("sheets %q accepted", names)
		}
	}
	if _, err := xlsx.NewWriter(&bytes.Buffer{}, strings.Repeat("a", 40)); err != nil {
		t.Errorf("a long name is not cut: %v", err)
	}
}
