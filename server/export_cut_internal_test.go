package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/xlsx"
)

// TestExportCutShort: an export that fails after its status and first rows
// are sent cannot be taken for a whole one, in either format, whether its
// next page is refused (the database went away) or the server panics: the
// file ends saying it is incomplete, with the code and the rows sent, and
// the transfer itself fails (the client's read ends with an error), behind
// the server's own middleware (recoverer, which must not append a JSON
// error to the file, the request log and gzip). An export whose pages all
// answer ends cleanly, saying it is complete.
func TestExportCutShort(t *testing.T) {
	for _, c := range []struct {
		name    string
		second  func(w http.ResponseWriter) // the second page's answer
		outcome string                      // how the file ends
		cut     bool                        // the transfer fails
	}{
		{"the next page is refused", func(w http.ResponseWriter) {
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
				"message": "the database is unavailable right now; retry in a few seconds", "extensions": map[string]any{"code": "UNAVAILABLE"}}}})
		}, "incomplete: UNAVAILABLE after 200 rows: the database is unavailable right now; retry in a few seconds", true},
		{"the server panics", func(http.ResponseWriter) { panic("a fault") }, "incomplete: INTERNAL after 200 rows: internal error", true},
		{"every page answers", func(w http.ResponseWriter) { writePage(w, 2, false) }, "complete: 400 rows", false},
	} {
		for _, format := range []string{"csv", "xlsx"} {
			t.Run(c.name+", "+format, func(t *testing.T) {
				served := 0
				gql := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					served++
					if served == 1 {
						writePage(w, 1, true)
						return
					}
					c.second(w)
				})
				quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
				h := export(gql, time.Second, quiet)
				mux := http.NewServeMux()
				mux.Handle("GET /export/{file}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					h.ServeHTTP(w, r.WithContext(policy.NewContext(r.Context(), policy.Anonymous())))
				}))
				srv := httptest.NewServer(recoverer(quiet, logRequests(quiet, compress(mux))))
				defer srv.Close()
				resp, err := http.Get(srv.URL + "/export/incidents." + format)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d: %s", resp.StatusCode, body)
				}
				if c.cut && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("the transfer ends with %v after %d bytes, want an unexpected EOF", err, len(body))
				}
				if !c.cut && err != nil {
					t.Errorf("a whole export's transfer fails: %v", err)
				}
				if got := outcome(t, format, body); got != c.outcome {
					t.Errorf("the file ends %q, want %q", got, c.outcome)
				}
			})
		}
	}
}

// writePage answers the incidents page n of an export: 200 rows, with a
// next page or not.
func writePage(w http.ResponseWriter, n int, next bool) {
	edges := make([]any, 200)
	for i := range edges {
		edges[i] = map[string]any{"node": map[string]any{"id": fmt.Sprintf("inc_%d_%d", n, i), "summary": "s"}}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"incidents": map[string]any{
		"edges": edges, "pageInfo": map[string]any{"hasNextPage": next, "endCursor": fmt.Sprintf("c%d", n)},
	}}})
}

// outcome is what an export's file says of its outcome: the last line of a
// CSV, the outcome row of a workbook's about sheet, which also ends its
// first sheet with a row saying so when it is incomplete.
func outcome(t *testing.T, format string, body []byte) string {
	t.Helper()
	if format == "csv" {
		lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
		return strings.TrimPrefix(lines[len(lines)-1], "# ")
	}
	sheets, err := xlsx.Read(body)
	if err != nil || len(sheets) != 2 {
		t.Fatalf("not a workbook of two sheets: %v", err)
	}
	var out string
	for _, row := range sheets[1].Rows {
		if len(row) == 2 && row[0] == "outcome" {
			out = row[1]
		}
	}
	rows := sheets[0].Rows
	last := rows[len(rows)-1]
	if strings.HasPrefix(out, "incomplete") && (len(last) != 1 || last[0] != "# "+out) {
		t.Errorf("the rows end with %q, want # %s", last, out)
	}
	return out
}
