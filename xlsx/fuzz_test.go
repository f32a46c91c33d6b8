package xlsx_test

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/benkan-project/benkan/xlsx"
)

// xmlChars keeps the characters of s that XML 1.0 allows, as Text does.
func xmlChars(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				continue
			}
		}
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || r >= 0x10000 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// FuzzText: any text makes a well-formed workbook whose cell reads back as
// the text without the characters XML forbids, never as a formula.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "a", "=1+1", "<&>\"'", "_x000D_", "_x005F_x0041_", "\x00\x01\r\n\t", "\xff\xfe", "𝄞", "]]>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > xlsx.MaxText {
			return
		}
		var buf bytes.Buffer
		w, err := xlsx.NewWriter(&buf, "s")
		if err != nil {
			t.Fatal(err)
		}
		_ = w.StartSheet()
		_ = w.Row(xlsx.Text(s))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		sheets, err := xlsx.Read(buf.Bytes())
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		want := xmlChars(s)
		got := ""
		if row := sheets[0].Rows[0]; len(row) > 0 {
			got = row[0]
		}
		if got != want {
			t.Errorf("%q reads back as %q, want %q", s, got, want)
		}
	})
}
