package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// A Sheet is one sheet of a workbook as Read reads it.
type Sheet struct {
	Name string
	// Rows hold each row's cells as text: an inline string as it is, a
	// number as written, a boolean TRUE or FALSE, a date (a number in a
	// date style) in RFC 3339, UTC, and an empty cell "".
	Rows [][]string
	// Text marks the cells in the text style (quotePrefix), by "row,col".
	Text map[[2]int]bool
}

// Read reads a workbook that Writer wrote, checking its structure as a
// strict reader would: every XML part well-formed, every part its content
// type and relationship name, sheets where the workbook says, rows and
// cell references in order. It is for tests and tools; it reads inline
// strings only, as Writer writes them.
func Read(b []byte) ([]Sheet, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("xlsx: not a ZIP: %w", err)
	}
	parts := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("xlsx: %s: %w", f.Name, err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("xlsx: %s: %w", f.Name, err)
		}
		if strings.HasSuffix(f.Name, ".xml") || strings.HasSuffix(f.Name, ".rels") {
			if err := wellFormed(body); err != nil {
				return nil, fmt.Errorf("xlsx: %s: %w", f.Name, err)
			}
		}
		parts[f.Name] = body
	}
	var types struct {
		Default []struct {
			Extension string `xml:",attr"`
		}
		Override []struct {
			PartName string `xml:",attr"`
		}
	}
	if err := unmarshal(parts, "[Content_Types].xml", &types); err != nil {
		return nil, err
	}
	typed := map[string]bool{}
	for _, d := range types.Default {
		typed["."+d.Extension] = true
	}
	for _, o := range types.Override {
		if _, ok := parts[strings.TrimPrefix(o.PartName, "/")]; !ok {
			return nil, fmt.Errorf("xlsx: [Content_Types].xml names a missing part %s", o.PartName)
		}
		typed[strings.TrimPrefix(o.PartName, "/")] = true
	}
	for name := range parts {
		if name != "[Content_Types].xml" && !typed[name] && !typed[path.Ext(name)] {
			return nil, fmt.Errorf("xlsx: part %s has no content type", name)
		}
	}
	var rels struct {
		Relationship []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:",attr"`
		}
	}
	if err := unmarshal(parts, "xl/_rels/workbook.xml.rels", &rels); err != nil {
		return nil, err
	}
	targets := map[string]string{}
	for _, r := range rels.Relationship {
		if _, ok := parts["xl/"+r.Target]; !ok {
			return nil, fmt.Errorf("xlsx: relationship %s to a missing part %s", r.ID, r.Target)
		}
		targets[r.ID] = "xl/" + r.Target
	}
	dates, err := dateStyles(parts)
	if err != nil {
		return nil, err
	}
	var wb struct {
		Sheets struct {
			Sheet []struct {
				Name string `xml:"name,attr"`
				RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
			} `xml:"sheet"`
		} `xml:"sheets"`
	}
	if err := unmarshal(parts, "xl/workbook.xml", &wb); err != nil {
		return nil, err
	}
	var sheets []Sheet
	for _, s := range wb.Sheets.Sheet {
		target, ok := targets[s.RID]
		if !ok {
			return nil, fmt.Errorf("xlsx: sheet %q: no relationship %s", s.Name, s.RID)
		}
		sheet, err := readSheet(parts[target], dates)
		if err != nil {
			return nil, fmt.Errorf("xlsx: sheet %q: %w", s.Name, err)
		}
		sheet.Name = s.Name
		sheets = append(sheets, sheet)
	}
	return sheets, nil
}

func wellFormed(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		if _, err := d.Token(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

func unmarshal(parts map[string][]byte, name string, v any) error {
	b, ok := parts[name]
	if !ok {
		return fmt.Errorf("xlsx: no part %s", name)
	}
	if err := xml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("xlsx: %s: %w", name, err)
	}
	return nil
}

// dateStyles returns which cell styles of styles.xml show dates, and
// whether each is text (quotePrefix): a style index maps to "date",
// "text" or "".
func dateStyles(parts map[string][]byte) (map[int]string, error) {
	var st struct {
		NumFmts struct {
			NumFmt []struct {
				ID   int    `xml:"numFmtId,attr"`
				Code string `xml:"formatCode,attr"`
			} `xml:"numFmt"`
		} `xml:"numFmts"`
		CellXfs struct {
			Xf []struct {
				NumFmtID    int  `xml:"numFmtId,attr"`
				QuotePrefix bool `xml:"quotePrefix,attr"`
			} `xml:"xf"`
		} `xml:"cellXfs"`
	}
	if err := unmarshal(parts, "xl/styles.xml", &st); err != nil {
		return nil, err
	}
	dateFmt := map[int]bool{}
	for _, f := range st.NumFmts.NumFmt {
		dateFmt[f.ID] = strings.Contains(f.Code, "yy")
	}
	out := map[int]string{}
	for i, xf := range st.CellXfs.Xf {
		switch {
		case dateFmt[xf.NumFmtID]:
			out[i] = "date"
		case xf.QuotePrefix:
			out[i] = "text"
		}
	}
	return out, nil
}

func readSheet(b []byte, styles map[int]string) (Sheet, error) {
	var ws struct {
		SheetData struct {
			Row []struct {
				R int `xml:"r,attr"`
				C []struct {
					R  string `xml:"r,attr"`
					S  int    `xml:"s,attr"`
					T  string `xml:"t,attr"`
					V  string `xml:"v"`
					Is *struct {
						T string `xml:"t"`
					} `xml:"is"`
					F *string `xml:"f"`
				} `xml:"c"`
			} `xml:"row"`
		} `xml:"sheetData"`
	}
	if err := xml.Unmarshal(b, &ws); err != nil {
		return Sheet{}, err
	}
	sheet := Sheet{Text: map[[2]int]bool{}}
	for i, row := range ws.SheetData.Row {
		if row.R != i+1 {
			return Sheet{}, fmt.Errorf("row %d numbered %d", i+1, row.R)
		}
		var cells []string
		last := -1
		for _, c := range row.C {
			col, rowNum, err := parseRef(c.R)
			if err != nil || rowNum != row.R || col <= last {
				return Sheet{}, fmt.Errorf("row %d: cell reference %q out of place", row.R, c.R)
			}
			if c.F != nil {
				return Sheet{}, fmt.Errorf("cell %s is a formula", c.R)
			}
			last = col
			for len(cells) < col {
				cells = append(cells, "")
			}
			var v string
			switch c.T {
			case "inlineStr":
				if c.Is == nil {
					return Sheet{}, fmt.Errorf("cell %s: an inline string without <is>", c.R)
				}
				v = unescapeUnderscores(c.Is.T)
			case "b":
				v = map[string]string{"0": "FALSE", "1": "TRUE"}[c.V]
				if v == "" {
					return Sheet{}, fmt.Errorf("cell %s: boolean %q", c.R, c.V)
				}
			case "", "n":
				f, err := strconv.ParseFloat(c.V, 64)
				if err != nil {
					return Sheet{}, fmt.Errorf("cell %s: number %q", c.R, c.V)
				}
				v = c.V
				if styles[c.S] == "date" {
					ms := math.Round(f * 86_400_000)
					v = excelEpoch.Add(time.Duration(ms) * time.Millisecond).Format(time.RFC3339Nano)
				}
			default:
				return Sheet{}, fmt.Errorf("cell %s: type %q", c.R, c.T)
			}
			if styles[c.S] == "text" {
				sheet.Text[[2]int{i, col}] = true
			}
			cells = append(cells, v)
		}
		sheet.Rows = append(sheet.Rows, cells)
	}
	return sheet, nil
}

// parseRef reads a cell reference such as AB12: zero-based column, row.
func parseRef(ref string) (col, row int, err error) {
	i := strings.IndexAny(ref, "0123456789")
	if i <= 0 {
		return 0, 0, fmt.Errorf("bad reference %q", ref)
	}
	for _, ch := range ref[:i] {
		if ch < 'A' || ch > 'Z' {
			return 0, 0, fmt.Errorf("bad reference %q", ref)
		}
		col = col*26 + int(ch-'A'+1)
	}
	row, err = strconv.Atoi(ref[i:])
	return col - 1, row, err
}

var excelEscape = regexp.MustCompile(`_x[0-9A-Fa-f]{4}_`)

// unescapeUnderscores decodes Excel's escapes of characters, _xHHHH_, as
// Excel does when it reads a text.
func unescapeUnderscores(s string) string {
	return excelEscape.ReplaceAllStringFunc(s, func(m string) string {
		n, _ := strconv.ParseUint(m[2:6], 16, 16)
		return string(rune(n))
	})
}
