// Package xlsx writes Office Open XML workbooks (.xlsx) as a stream, row
// by row, in constant memory, for benkan's exports: a workbook is a ZIP of
// XML parts, and the parts that describe it (content types, relationships,
// workbook, styles) are written first, then each sheet's XML as its rows
// come. Text is written as inline strings, not through a shared-strings
// table, so nothing grows with the number of rows: no third-party library
// is needed, and the widespread ones keep every row or every distinct
// string in memory (or spill them to a temporary file) until the end.
package xlsx

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ContentType is the media type of an .xlsx file.
const ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// A Writer writes one workbook to an io.Writer: NewWriter names its sheets,
// StartSheet begins each in that order, Row writes rows of the current
// sheet, and Close ends the last sheet and the file. A Writer is not safe
// for concurrent use.
type Writer struct {
	zip    *zip.Writer
	sheets []string
	next   int           // index of the next sheet StartSheet begins
	sheet  *bufio.Writer // the current sheet's part, nil between sheets
	row    int           // rows written in the current sheet
	err    error
}

// MaxSheetName is the longest sheet name Excel opens.
const MaxSheetName = 31

// NewWriter starts a workbook of the sheets named, in that order, on w,
// and writes the parts that describe it. Sheet names are cut to
// MaxSheetName characters and must be unique and free of []:*?/\.
func NewWriter(w io.Writer, sheets ...string) (*Writer, error) {
	if len(sheets) == 0 {
		return nil, errors.New("xlsx: a workbook needs a sheet")
	}
	names := make([]string, len(sheets))
	seen := map[string]bool{}
	for i, s := range sheets {
		if r := []rune(s); len(r) > MaxSheetName {
			s = string(r[:MaxSheetName])
		}
		if s == "" || strings.ContainsAny(s, `[]:*?/\`) || seen[strings.ToLower(s)] {
			return nil, fmt.Errorf("xlsx: bad or repeated sheet name %q", s)
		}
		seen[strings.ToLower(s)] = true
		names[i] = s
	}
	x := &Writer{zip: zip.NewWriter(w), sheets: names}
	// The fastest deflate: an export is made anew for each request, and
	// its XML shrinks about tenfold even so.
	x.zip.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	for _, part := range x.fixedParts() {
		f, err := x.zip.Create(part.name)
		if err != nil {
			return nil, fmt.Errorf("xlsx: %s: %w", part.name, err)
		}
		if _, err := io.WriteString(f, part.body); err != nil {
			return nil, fmt.Errorf("xlsx: %s: %w", part.name, err)
		}
	}
	return x, nil
}

// StartSheet ends the current sheet, if any, and begins the next one
// NewWriter named; cols are the column widths, in characters (0: the
// default), which a sheet must state before its rows.
func (x *Writer) StartSheet(cols ...float64) error {
	if err := x.endSheet(); err != nil {
		return err
	}
	if x.next >= len(x.sheets) {
		return x.fail(errors.New("xlsx: no sheet left to start"))
	}
	f, err := x.zip.Create(fmt.Sprintf("xl/worksheets/sheet%d.xml", x.next+1))
	if err != nil {
		return x.fail(fmt.Errorf("xlsx: sheet %q: %w", x.sheets[x.next], err))
	}
	x.next++
	x.sheet = bufio.NewWriterSize(f, 32<<10)
	x.row = 0
	_, _ = x.sheet.WriteString(xmlHeader + `<worksheet xmlns="` + nsMain + `" xmlns:r="` + nsRel + `">`)
	if len(cols) > 0 {
		_, _ = x.sheet.WriteString("<cols>")
		for i, width := range cols {
			if width > 0 {
				fmt.Fprintf(x.sheet, `<col min="%d" max="%d" width="%g" customWidth="1"/>`, i+1, i+1, width)
			}
		}
		_, _ = x.sheet.WriteString("</cols>")
	}
	_, _ = x.sheet.WriteString("<sheetData>")
	return nil
}

// Row writes the next row of the current sheet; a nil or Empty cell is
// left out (an empty cell).
func (x *Writer) Row(cells ...Cell) error {
	if x.err != nil {
		return x.err
	}
	if x.sheet == nil {
		return x.fail(errors.New("xlsx: a row before StartSheet"))
	}
	x.row++
	fmt.Fprintf(x.sheet, `<row r="%d">`, x.row)
	for i, c := range cells {
		if c.kind == empty {
			continue
		}
		c.write(x.sheet, columnName(i)+fmt.Sprint(x.row))
	}
	_, err := x.sheet.WriteString("</row>")
	if err != nil {
		return x.fail(fmt.Errorf("xlsx: row %d: %w", x.row, err))
	}
	return nil
}

// Flush writes what is buffered of the current sheet through the ZIP
// writer to the underlying writer, as far as compression allows: at the
// end of each page of an export, before the HTTP response is flushed.
func (x *Writer) Flush() error {
	if x.err != nil {
		return x.err
	}
	if x.sheet != nil {
		if err := x.sheet.Flush(); err != nil {
			return x.fail(fmt.Errorf("xlsx: %w", err))
		}
	}
	if err := x.zip.Flush(); err != nil {
		return x.fail(fmt.Errorf("xlsx: %w", err))
	}
	return nil
}

// Close ends the current sheet and writes any sheet not started, empty,
// then the ZIP's central directory. It does not close the underlying
// writer.
func (x *Writer) Close() error {
	for x.err == nil && x.next < len(x.sheets) {
		_ = x.StartSheet()
	}
	if err := x.endSheet(); err != nil {
		return err
	}
	if err := x.zip.Close(); err != nil {
		return x.fail(fmt.Errorf("xlsx: %w", err))
	}
	return nil
}

func (x *Writer) endSheet() error {
	if x.err != nil {
		return x.err
	}
	if x.sheet == nil {
		return nil
	}
	_, _ = x.sheet.WriteString("</sheetData></worksheet>")
	err := x.sheet.Flush()
	x.sheet = nil
	if err != nil {
		return x.fail(fmt.Errorf("xlsx: %w", err))
	}
	return nil
}

func (x *Writer) fail(err error) error {
	if x.err == nil {
		x.err = err
	}
	return x.err
}

// columnName is the letters of the zero-based column i: A, B, … Z, AA…
func columnName(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}
