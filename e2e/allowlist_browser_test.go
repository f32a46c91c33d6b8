package e2e

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDashboardUnderAllowlistInChromium: `benkan serve --demo
// --operations-allowlist FILE` (a manifest that lists none of the
// server's own documents) still serves its own pages: the dashboard, in
// Chromium as AMDH's coordinator, draws every view the server offers (no
// view fails, the incident views' tables hold counts), and an export
// exports; a document of the client's own, sent as text, is refused with
// QUERY_NOT_IN_SAFELIST. Screenshots go to t.ArtifactDir().
func TestDashboardUnderAllowlistInChromium(t *testing.T) {
	browser := chromium(t)
	manifest, err := filepath.Abs(filepath.Join("..", "graph", "testdata", "allowlist", "apollo-persisted-query-manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	p := serveEnv(t, "demo", nil, "--demo", "--operations-allowlist", manifest, "--data-dir", t.TempDir())
	tokens := demoTokens(t, p)
	tok := tokens["sory.diakite"]

	if r := p.query(t, tok, `{ incidents(first: 1) { edges { node { id } } } }`, nil); len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "QUERY_NOT_IN_SAFELIST" {
		t.Errorf("a document of the client's own, as text: %+v, want QUERY_NOT_IN_SAFELIST", r.Errors)
	}
	req, err := http.NewRequest(http.MethodGet, p.url+"/export/incidents.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	csv, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK || !strings.Contains(string(csv), "# complete: ") {
		t.Errorf("the export under the allow-list: status %d, %v: %.300s", res.StatusCode, err, csv)
	}

	tab, rec := browserTab(t, browser, 3*time.Minute)
	page := p.url + "/dashboard/?from=2021&to=2023&level=CERCLE&stack=STATUS"
	run(t, tab, "load the dashboard", chromedp.Navigate(page),
		chromedp.WaitReady(chromedp.CSS(`#user option[value="sory.diakite"]`)))
	dashboardSignIn(t, tab, "sory.diakite", "Sory Diakité")
	states := get(t, tab, "read the views' states", chromedp.Evaluate[map[string]string](
		`Object.fromEntries(Array.from(document.querySelectorAll('.view')).map(s => [s.id, s.dataset.state + ' ' + (s.dataset.code || '')]))`))
	for view, state := range states {
		if !strings.HasPrefix(state, "ready") && state != "unavailable GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("under the allow-list, the view %s is %q", view, state)
		}
	}
	tables := dashboardTables(t, tab)
	for _, panel := range []string{"time", "locality", "status"} {
		if len(tables[panel]) == 0 {
			t.Errorf("under the allow-list, the table %s is empty (views %v)", panel, states)
		}
	}
	screenshot(t, tab, t.ArtifactDir(), "dashboard-allowlist")
	rec.checkPaths(t, []string{"/dashboard/", "/graphql", "/demo/users"}, p.url)
}
