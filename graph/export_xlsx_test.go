package graph_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/graph"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
	"github.com/benkan-project/benkan/xlsx"
)

// Summaries of the fixture that test how texts are written.
const (
	formulaSummary = `=HYPERLINK("http://example.org","x")`
	markupSummary  = "<b>a & b</b>\x01\x1f end"
	markupInXLSX   = "<b>a & b</b> end" // control characters XML forbids are left out
)

// TestExportXLSX: /export/incidents.xlsx is a workbook whose rows sheet
// holds, over several pages, the cells of /export/incidents.csv: dates as
// dates (UTC), booleans as booleans, a text that looks like a formula as
// that exact text marked as text (in the CSV, behind an apostrophe), and
// XML's characters escaped; the about sheet says the export is complete.
// Where LibreOffice is installed, it opens the workbook and converts it
// to the same CSV.
func TestExportXLSX(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		n := graph.ExportPageSize*2 + 50
		f := newFixture(t, db.Client, n)
		ctx := policy.SystemContext(context.Background())
		if err := db.Client.Incident.UpdateOne(f.incidents[0]).SetSummary(formulaSummary).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.Client.Incident.UpdateOne(f.incidents[1]).SetSummary(markupSummary).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		srv := apitest.Start(t, db)
		res, body := srv.Get(t, "/export/incidents.xlsx")
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != xlsx.ContentType ||
			!strings.Contains(res.Header.Get("Content-Disposition"), `filename="incidents.xlsx"`) {
			t.Fatalf("status %d, %s, %s", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
		}
		got := readFile(t, "xlsx", body)
		_, csvBody := srv.Get(t, "/export/incidents.csv")
		want := readFile(t, "csv", csvBody)
		if got.outcome != want.outcome || want.outcome == "" || strings.Join(got.header, ",") != strings.Join(want.header, ",") || len(got.rows) != n {
			t.Fatalf("xlsx: %q %v %d rows; csv: %q %v", got.outcome, got.header, len(got.rows), want.outcome, want.header)
		}
		ex, _ := graph.NewExport("incidents")
		for i, row := range got.rows {
			for j, c := range ex.Columns {
				g, w := row[c], want.rows[i][c]
				switch {
				case ex.Types[j] == "Time" && w != "":
					wt, _ := time.Parse(time.RFC3339Nano, w)
					gt, err := time.Parse(time.RFC3339Nano, g)
					if err != nil || gt.Sub(wt).Abs() > time.Millisecond {
						t.Errorf("row %d %s: %q, want %q", i, c, g, w)
					}
				case ex.Types[j] == "Boolean":
					if !strings.EqualFold(g, w) {
						t.Errorf("row %d %s: %q, want %q", i, c, g, w)
					}
				case w == "'"+formulaSummary:
					if g != formulaSummary || !got.quoted[[2]int{i, j}] {
						t.Errorf("row %d %s: %q (marked as text: %v), want %q as text", i, c, g, got.quoted[[2]int{i, j}], formulaSummary)
					}
				case w == markupSummary:
					if g != markupInXLSX {
						t.Errorf("row %d %s: %q, want %q", i, c, g, markupInXLSX)
					}
				case g != w:
					t.Errorf("row %d %s: %q, want %q", i, c, g, w)
				}
			}
		}
		if !strings.Contains(got.text, "&lt;b&gt;a &amp; b&lt;/b&gt;") {
			t.Error("the markup is not escaped in the sheet's XML")
		}
		if strings.Contains(got.text, "<f>") {
			t.Error("the sheet has a formula")
		}
		libreOfficeMatches(t, body, csvBody, ex)
	})
}

// libreOfficeMatches converts the workbook to CSV with LibreOffice, where
// it is installed, and compares the result with the export's own CSV.
func libreOfficeMatches(t *testing.T, workbook, csvBody []byte, ex *graph.Export) {
	t.Helper()
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Log("LibreOffice (soffice) is not installed: the workbook's structure is checked by xlsx.Read only")
		return
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "incidents.xlsx")
	if err := os.WriteFile(in, workbook, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless",
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", dir, in)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	converted, err := os.ReadFile(filepath.Join(dir, "incidents.csv"))
	if err != nil {
		t.Fatalf("LibreOffice wrote no CSV: %v", err)
	}
	lo, err := csv.NewReader(bytes.NewReader(converted)).ReadAll()
	if err != nil {
		t.Fatalf("LibreOffice's CSV: %v\n%s", err, converted)
	}
	r := csv.NewReader(bytes.NewReader(csvBody))
	r.Comment = '#'
	ours, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(lo) != len(ours) {
		t.Fatalf("LibreOffice reads %d rows, the CSV has %d", len(lo), len(ours))
	}
	for i := range ours {
		for j, w := range ours[i] {
			g := ""
			if j < len(lo[i]) {
				g = lo[i][j]
			}
			switch {
			case i > 0 && ex.Types[j] == "Time" && w != "":
				wt, _ := time.Parse(time.RFC3339Nano, w)
				gt, err := time.Parse("2006-01-02 15:04:05", g)
				if err != nil || gt.Sub(wt).Abs() > time.Second {
					t.Errorf("LibreOffice row %d %s: %q, want %s", i, ex.Columns[j], g, w)
				}
			case i > 0 && ex.Types[j] == "Boolean":
				if !strings.EqualFold(g, w) {
					t.Errorf("LibreOffice row %d %s: %q, want %q", i, ex.Columns[j], g, w)
				}
			case w == "'"+formulaSummary:
				if g != formulaSummary {
					t.Errorf("LibreOffice row %d %s: %q, want the text %q", i, ex.Columns[j], g, formulaSummary)
				}
			case w == markupSummary:
				if g != markupInXLSX {
					t.Errorf("LibreOffice row %d %s: %q, want %q", i, ex.Columns[j], g, markupInXLSX)
				}
			case g != w:
				t.Errorf("LibreOffice row %d %s: %q, want %q", i, ex.Columns[j], g, w)
			}
		}
	}
}
