package server

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/policy"
)

// TestExportOutlastsWriteTimeout: an export streams for as long as it has
// pages, each page with its own deadline, also on a server whose
// connections have a write timeout (benkan serve's http.Server has 60 s,
// less than an export of a million rows takes): the export moves the
// connection's write deadline on at each page, so that the file is never
// cut at the timeout.
func TestExportOutlastsWriteTimeout(t *testing.T) {
	const pages = 6
	served := 0
	gql := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(100 * time.Millisecond) // a page's SQL
		served++
		next := served < pages
		end := fmt.Sprintf("c%d", served)
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"incidents": map[string]any{
			"edges":    []any{map[string]any{"node": map[string]any{"id": fmt.Sprintf("inc_%d", served), "summary": "s"}}},
			"pageInfo": map[string]any{"hasNextPage": next, "endCursor": end},
		}}})
	})
	h := export(gql, time.Second, slog.New(slog.NewTextHandler(io.Discard, nil)))
	mux := http.NewServeMux()
	mux.Handle("GET /export/{file}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(policy.NewContext(r.Context(), policy.Anonymous())))
	}))
	srv := httptest.NewUnstartedServer(logRequests(slog.New(slog.NewTextHandler(io.Discard, nil)), compress(mux)))
	srv.Config.WriteTimeout = 250 * time.Millisecond // less than the export takes (6 × 100 ms)
	srv.Start()
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/export/incidents.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("the export was cut after %d bytes: %v\n%s", len(body), err, body)
	}
	if !strings.HasSuffix(string(body), fmt.Sprintf("# complete: %d rows\n", pages)) {
		t.Fatalf("the export does not end complete:\n%s", body)
	}
}
