package xlsx

import (
	"bufio"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// A Cell is one cell's value and style; the zero Cell is empty.
type Cell struct {
	kind  kind
	value string
	style int
}

type kind int

const (
	empty kind = iota
	text
	number
	boolean
)

// MaxText is the most characters a cell holds in Excel: a longer text is
// cut there and ends with an ellipsis.
const MaxText = 32767

// formulaStart are the first characters that make a spreadsheet take a
// typed or imported text for a formula (OWASP's list for CSV injection).
const formulaStart = "=+-@\t\r"

// Text is a text cell. It is an inline string, which no reader evaluates
// as a formula; a text that would be one if typed (it starts with =, +,
// -, @, a tab or a carriage return) is also marked as text (quotePrefix),
// so that editing the cell does not turn it into a formula. Characters
// XML 1.0 forbids (control characters but tab, newline and carriage
// return; U+FFFE, U+FFFF; invalid UTF-8) are left out.
func Text(s string) Cell {
	c := Cell{kind: text, value: s}
	if s != "" && strings.ContainsRune(formulaStart, rune(s[0])) {
		c.style = styleText
	}
	return c
}

// Header is a bold text cell, for a header row.
func Header(s string) Cell {
	c := Text(s)
	if c.style == styleDefault {
		c.style = styleHeader
	}
	return c
}

// jsonNumber is a number as JSON writes it.
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// Number is a numeric cell of the decimal number s, as JSON writes one.
// Anything else, and an integer of more than 15 digits (a spreadsheet's
// numbers are float64 and would round it), is a text cell, so that no
// value is lost or changed.
func Number(s string) Cell {
	if !jsonNumber.MatchString(s) || (!strings.ContainsAny(s, ".eE") && len(strings.TrimPrefix(s, "-")) > 15) {
		return Text(s)
	}
	return Cell{kind: number, value: s}
}

// Bool is a TRUE or FALSE cell.
func Bool(b bool) Cell {
	v := "0"
	if b {
		v = "1"
	}
	return Cell{kind: boolean, value: v}
}

// excelEpoch is day 0 of Excel's 1900 date system, as its serial numbers
// count after 28 February 1900 (Excel counts a 29 February 1900 that did
// not exist; dates before March 1900 are not exported as dates).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// Time is a date cell: t in UTC as Excel's serial number of days, shown
// as 2026-12-01 10:30:00. Spreadsheets keep no time zone and count to the
// millisecond; a time before 1 March 1900 is a text cell in RFC 3339.
func Time(t time.Time) Cell {
	t = t.UTC()
	if t.Before(time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)) || t.Year() > 9999 {
		return Text(t.Format(time.RFC3339Nano))
	}
	days := float64(t.Sub(excelEpoch).Milliseconds()) / 86_400_000
	return Cell{kind: number, value: strconv.FormatFloat(days, 'f', -1, 64), style: styleTime}
}

func (c Cell) write(w *bufio.Writer, ref string) {
	_, _ = w.WriteString(`<c r="`)
	_, _ = w.WriteString(ref)
	if c.style != styleDefault {
		_, _ = w.WriteString(`" s="`)
		_, _ = w.WriteString(strconv.Itoa(c.style))
	}
	switch c.kind {
	case text:
		_, _ = w.WriteString(`" t="inlineStr"><is><t xml:space="preserve">`)
		_, _ = w.WriteString(escape(cut(c.value), false))
		_, _ = w.WriteString(`</t></is></c>`)
	case boolean:
		_, _ = w.WriteString(`" t="b"><v>` + c.value + `</v></c>`)
	default:
		_, _ = w.WriteString(`"><v>` + c.value + `</v></c>`)
	}
}

// cut shortens s to MaxText characters (UTF-16 code units, as Excel
// counts them), the last an ellipsis.
func cut(s string) string {
	if len(s) <= MaxText {
		return s
	}
	units := 0
	for i, r := range s {
		n := 1
		if r > 0xFFFF {
			n = 2
		}
		if units+n > MaxText-1 {
			return s[:i] + "…"
		}
		units += n
	}
	return s
}

// escapeUnderscores escapes, as Excel writes it (_x005F_), the
// underscore of each _xHHHH_ of s, which Excel would otherwise read as an
// escaped character (_x000D_ is a carriage return), so that the text reads
// back as it was. Overlapping ones (_x005F_x0041_) are each escaped.
func escapeUnderscores(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '_' && looksEscaped(s[i:]) {
			b.WriteString("_x005F")
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// looksEscaped reports whether s starts with _xHHHH_.
func looksEscaped(s string) bool {
	if len(s) < 7 || s[1] != 'x' || s[6] != '_' {
		return false
	}
	for _, c := range s[2:6] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// escape makes s XML text (or an attribute value): &, <, > (and " in an
// attribute) as entities, a carriage return as &#xD; so that it is not
// read as a newline, and the characters XML 1.0 forbids left out.
func escape(s string, attr bool) string {
	if strings.Contains(s, "_x") {
		s = escapeUnderscores(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		switch {
		case r == utf8.RuneError && isInvalid(s[i:]):
			// invalid UTF-8: left out
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"' && attr:
			b.WriteString("&quot;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == '\n' && attr:
			b.WriteString("&#xA;")
		case r == '\t' && attr:
			b.WriteString("&#x9;")
		case r == '\t' || r == '\n' || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isInvalid(s string) bool {
	r, size := utf8.DecodeRuneInString(s)
	return r == utf8.RuneError && size <= 1
}
