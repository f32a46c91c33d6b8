package e2e

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/benkan-project/benkan/storage/storagetest"
)

// dashboardRange is the period the test opens the dashboard on: the demo
// data's years, whole years as disclosure control needs.
const (
	dashboardFrom = 2021
	dashboardTo   = 2023
)

// TestDashboardInChromium drives the partner dashboard of `benkan serve
// --demo` (SQLite, then PostgreSQL) in headless Chromium as AMDH's
// coordinator, as DIHR and as a security-force liaison: each signs in with
// the demo's "sign in as", and every number of the incident views' tables
// and of the victims view (where the role may count people) must equal
// what the API answers that role's own token (a protected cell
// shown as protected, never as a number or zero), the legend must state the
// answer's threshold, views the server does not offer must say so, and axe
// must find no WCAG 2.1 A/AA violation. The coordinator also filters by a
// locality (the filter goes into the URL), switches to English (kept after
// a reload), and sees the last answers with their date once offline. No
// request may leave the server's origin. Screenshots go to t.ArtifactDir().
//
// Like the playground's, it needs Debian's chromium: it skips without it,
// except in CI (CI=true), where it fails.
func TestDashboardInChromium(t *testing.T) {
	browser := chromium(t)
	axe, err := os.ReadFile(filepath.Join("..", "web", "dashboard", "test", "vendor", "axe.min.js"))
	if err != nil {
		t.Fatalf("the vendored axe-core (web/dashboard/test/update.sh): %v", err)
	}
	shots := t.ArtifactDir()
	t.Logf("screenshots in %s", shots)
	t.Run("sqlite", func(t *testing.T) {
		dashboardInChromium(t, browser, string(axe), filepath.Join(shots, "sqlite"), "--data-dir", t.TempDir())
	})
	t.Run("postgres", func(t *testing.T) {
		dashboardInChromium(t, browser, string(axe), filepath.Join(shots, "postgres"), "--database-url", storagetest.PostgresURL(t))
	})
}

func dashboardInChromium(t *testing.T, browser, axe, shots string, db ...string) {
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	p := serveEnv(t, "demo", nil, append([]string{"--demo"}, db...)...)
	tokens := demoTokens(t, p)

	tab, rec := browserTab(t, browser, 5*time.Minute)

	page := fmt.Sprintf("%s/dashboard/?from=%d&to=%d&level=CERCLE&stack=STATUS", p.url, dashboardFrom, dashboardTo)
	run(t, tab, "load the dashboard", chromedp.Navigate(page),
		chromedp.WaitReady(chromedp.CSS(`#user option[value="sory.diakite"]`)))
	if lang := get(t, tab, "read the language", chromedp.Evaluate[string](`document.documentElement.lang`)); lang != "fr" {
		t.Errorf("the page's language is %q, want fr first", lang)
	}

	for _, u := range []struct {
		subject, name string
		protected     bool   // some cell of this role's views is protected
		victims       string // the state of the victims view
	}{
		{"sory.diakite", "Sory Diakité", false, "ready"},
		{"dihr.officer", "DIHR", false, "ready"},
		{"fsi.niono", "Niono", true, "unavailable"},
	} {
		dashboardSignIn(t, tab, u.subject, u.name)
		tables := dashboardTables(t, tab)
		tok := tokens[u.subject]
		want := dashboardExpected(t, p, tok, "", "CERCLE")
		protected := compareTables(t, u.subject, tables, want.tables)
		if u.protected && protected == 0 {
			t.Errorf("%s: the page shows no protected cell, want the API's protected cells shown as such", u.subject)
		}
		legend := get(t, tab, "read the legend", chromedp.Evaluate[[]string](
			`(() => { const p = document.getElementById('legend-text'); return [p.dataset.threshold, p.textContent]; })()`))
		wantTh := ""
		if want.threshold != nil {
			wantTh = strconv.Itoa(*want.threshold)
		}
		if legend[0] != wantTh || (wantTh != "" && !strings.Contains(legend[1], "seuil de "+wantTh)) {
			t.Errorf("%s: the legend says %q (threshold %q), want the answer's threshold %q", u.subject, legend[1], legend[0], wantTh)
		}
		// The browser keeps this user's answers only: none of the user
		// signed in before (a liaison must not find the coordinator's exact
		// counts in a shared browser, offline or in its storage).
		if kept := get(t, tab, "read the kept answers", chromedp.Evaluate[[]string](
			`(() => { const k = JSON.parse(localStorage.getItem('benkan:dashboard:answers') || 'null'); return k ? [k.subject, ...Object.keys(k.answers).map(a => JSON.parse(a)[0])] : []; })()`)); len(kept) < 2 || slices.ContainsFunc(kept, func(s string) bool { return s != u.subject }) {
			t.Errorf("%s: the browser keeps answers of %q, want this user's only", u.subject, kept)
		}
		dashboardCSV(t, tab, "status", u.subject)
		dashboardCSV(t, tab, "time", u.subject)
		dashboardOtherViews(t, tab, p, tok, u.subject)
		if _, drawn := want.tables["victims"]; drawn != (u.victims == "ready") {
			t.Errorf("%s: the API answers victims %v, want the view %s", u.subject, drawn, u.victims)
		}
		if state := get(t, tab, "read the victims view", chromedp.Evaluate[string](
			`(() => { const s = document.getElementById('view-victims'); return s ? s.dataset.state : 'missing'; })()`)); state != u.victims {
			t.Errorf("%s: the victims view is %q, want %q", u.subject, state, u.victims)
		}
		dashboardAxe(t, tab, axe, u.subject)
		screenshot(t, tab, shots, "dashboard-"+u.subject)
	}

	// Signing out leaves no answer in the browser.
	run(t, tab, "sign out", chromedp.Click(chromedp.CSS("#sign-out")))
	if kept := get(t, tab, "read the kept answers", chromedp.Evaluate[string](
		`localStorage.getItem('benkan:dashboard:answers') || ''`)); kept != "" {
		t.Errorf("after signing out, the browser keeps %.200s", kept)
	}

	// The coordinator filters by the cercle of Niono: the URL keeps it, and
	// the numbers are the API's for that filter.
	dashboardSignIn(t, tab, "sory.diakite", "Sory Diakité")
	niono := get(t, tab, "find Niono", chromedp.Evaluate[string](
		`Array.from(document.querySelectorAll('#f-loc option')).find(o => o.textContent.includes('Niono') && o.textContent.includes('Cercle')).value`))
	run(t, tab, "filter by Niono",
		chromedp.SetValue(chromedp.CSS("#f-loc"), niono),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('f-loc').dispatchEvent(new Event('change'))`))
	dashboardReady(t, tab)
	if loc := get(t, tab, "read the URL", chromedp.Evaluate[string](`new URLSearchParams(location.search).get('loc')`)); loc != niono {
		t.Errorf("the URL's loc is %q, want the filter's %q", loc, niono)
	}
	filtered := dashboardExpected(t, p, tokens["sory.diakite"], niono, "CERCLE")
	compareTables(t, "coordinator, Niono", dashboardTables(t, tab), filtered.tables)

	// By keyboard: the level of the localities, one step down (cercle →
	// commune); the focus stays on the control once the page has redrawn.
	run(t, tab, "choose the commune level by keyboard",
		chromedp.Focus(chromedp.CSS("#f-level")),
		chromedp.KeyEvent(kb.ArrowDown))
	dashboardReady(t, tab)
	if got := get(t, tab, "read the level and the focus", chromedp.Evaluate[[]string](
		`[new URLSearchParams(location.search).get('level'), document.activeElement.id]`)); got[0] != "COMMUNE" || got[1] != "f-level" {
		t.Errorf("after ArrowDown on the level: level %q, focus on %q; want COMMUNE, f-level", got[0], got[1])
	}
	filtered = dashboardExpected(t, p, tokens["sory.diakite"], niono, "COMMUNE")
	compareTables(t, "coordinator, Niono, communes", dashboardTables(t, tab), filtered.tables)
	shared := get(t, tab, "read the URL", chromedp.Evaluate[string](`location.href`))

	// English, remembered after a reload of the shared link.
	run(t, tab, "switch to English", chromedp.Click(chromedp.CSS("#lang")))
	run(t, tab, "reload the shared link", chromedp.Navigate(shared))
	dashboardReady(t, tab)
	if got := get(t, tab, "read the language", chromedp.Evaluate[[]string](
		`[document.documentElement.lang, document.querySelector('#status-table caption').textContent]`)); got[0] != "en" || !strings.Contains(got[1], "Allegations by status") {
		t.Errorf("after switching to English and reloading: lang %q, caption %q", got[0], got[1])
	}
	compareTables(t, "coordinator, Niono, shared link", dashboardTables(t, tab), filtered.tables)
	screenshot(t, tab, shots, "dashboard-english-niono")
	run(t, tab, "switch back to French", chromedp.Click(chromedp.CSS("#lang")))

	rec.checkPaths(t, []string{"/dashboard/", "/graphql", "/demo/users"}, p.url)

	// Offline (the server gone): the shared link opens again, from the
	// service worker's copy, and shows the last answers with their date.
	p.stop()
	run(t, tab, "reload the shared link offline", chromedp.Navigate(shared))
	dashboardReady(t, tab)
	offline := get(t, tab, "read the offline notice", chromedp.Evaluate[string](
		`(() => { const o = document.getElementById('offline'); return o.hidden ? '' : o.textContent; })()`))
	if !strings.Contains(offline, "Hors ligne") || !strings.Contains(offline, strconv.Itoa(time.Now().Year())) {
		t.Errorf("offline, the page says %q, want the date of its last data", offline)
	}
	compareTables(t, "coordinator offline", dashboardTables(t, tab), filtered.tables)
	if errs := get(t, tab, "read the views' states", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('.view[data-state="error"]')).map(s => s.id + ': ' + s.textContent)`)); len(errs) > 0 {
		t.Errorf("offline, views fail instead of showing their last state: %q", errs)
	}
	screenshot(t, tab, shots, "dashboard-offline")
}

// dashboardSignIn signs in as subject with "sign in as" and waits until
// every view has its answer.
func dashboardSignIn(t *testing.T, ctx context.Context, subject, name string) {
	t.Helper()
	run(t, ctx, "sign in as "+subject,
		chromedp.WaitReady(chromedp.CSS(`#user option[value="`+subject+`"]`)),
		chromedp.SetValue(chromedp.CSS("#user"), subject),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('user').dispatchEvent(new Event('change'))`))
	cond := fmt.Sprintf(`(() => { const s = document.getElementById('status'); return s && s.dataset.state === 'signed-in' && s.textContent.includes(%q); })()`, name)
	run(t, ctx, "wait until signed in as "+subject, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(time.Minute)))
	dashboardReady(t, ctx)
}

// dashboardReady waits until every view has its answer (or its refusal).
func dashboardReady(t *testing.T, ctx context.Context) {
	t.Helper()
	run(t, ctx, "wait for the views", chromedp.Poll[chromedp.Void](
		`document.body.dataset.state === 'ready' && document.querySelectorAll('.view[data-state="loading"]').length === 0 && document.querySelectorAll('.view').length > 0`,
		chromedp.WithPollingTimeout(time.Minute)))
}

// tables is the page's tables: panel → row key → column key → value (a
// number, or "protected").
type tables map[string]map[string]map[string]string

func dashboardTables(t *testing.T, ctx context.Context) tables {
	t.Helper()
	raw := get(t, ctx, "read the tables", chromedp.Evaluate[string](`JSON.stringify(Object.fromEntries(
		Array.from(document.querySelectorAll('table[data-panel]')).map(tb => [tb.dataset.panel,
			Object.fromEntries(Array.from(tb.querySelectorAll('tbody tr')).map(tr => [tr.dataset.row,
				Object.fromEntries(Array.from(tr.querySelectorAll('td')).map(td => {
					const v = td.dataset.value;
					// What a reader sees must say the same as the value.
					if (v === 'protected' && !/protégé|protected/.test(td.textContent)) return [td.dataset.col, 'protected but shown as ' + td.textContent];
					if (v !== 'protected' && /^\d+$/.test(v) && td.textContent.replace(/\D/g, '') !== v) return [td.dataset.col, v + ' shown as ' + td.textContent];
					return [td.dataset.col, v];
				}))]))])))`))
	var out tables
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatalf("tables: %v", err)
	}
	return out
}

// expected is what the API answers a role for the incident views.
type expected struct {
	tables    tables
	threshold *int
}

// aggCell is one cell of an incidentAggregate answer.
type aggCell struct {
	GroupedBy []string
	Locality  *struct{ ID string }
	Status    *string
	Period    *struct{ Start time.Time }
	Count     *int
	Protected bool
}

// value is the cell as the page must show it.
func (c aggCell) value() string {
	if c.Protected {
		return "protected"
	}
	if c.Count == nil {
		return "null"
	}
	return strconv.Itoa(*c.Count)
}

// dashboardExpected asks the API, with tok, the counts of the dashboard's
// incident views, as the test reads them (not as the page builds its
// queries).
func dashboardExpected(t *testing.T, p *process, tok, locality, level string) expected {
	t.Helper()
	filter := map[string]any{}
	if locality != "" {
		filter["localities"] = []string{locality}
	}
	vars := map[string]any{
		"from":   fmt.Sprintf("%d-01-01T00:00:00Z", dashboardFrom),
		"to":     fmt.Sprintf("%d-01-01T00:00:00Z", dashboardTo+1),
		"filter": filter, "level": level,
	}
	r := p.query(t, tok, `query($from: Time, $to: Time, $filter: IncidentAggregateFilter, $level: LocalityLevel!) {
		status: incidentAggregate(groupBy: [STATUS], from: $from, to: $to, filter: $filter) {
			threshold cells { groupedBy status count protected } totals { groupedBy count protected } }
		locality: incidentAggregate(groupBy: [LOCALITY], localityLevel: $level, from: $from, to: $to, filter: $filter) {
			cells { groupedBy locality { id } count protected } totals { groupedBy count protected } }
		time: incidentAggregate(groupBy: [PERIOD, STATUS], bucket: MONTH, from: $from, to: $to, filter: $filter) {
			cells { groupedBy period { start } status count protected } totals { groupedBy period { start } status count protected } }
	}`, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("the API: %+v", r.Errors)
	}
	type agg struct {
		Threshold     *int
		Cells, Totals []aggCell
	}
	var d struct{ Status, Locality, Time agg }
	if err := json.Unmarshal(r.Data, &d); err != nil {
		t.Fatal(err)
	}
	out := expected{tables: tables{"status": {}, "locality": {}, "time": {}}, threshold: d.Status.Threshold}
	put := func(panel, row, col, v string) {
		if out.tables[panel][row] == nil {
			out.tables[panel][row] = map[string]string{}
		}
		out.tables[panel][row][col] = v
	}
	month := func(c aggCell) string { return c.Period.Start.UTC().Format(time.RFC3339) }
	for _, c := range d.Status.Cells {
		put("status", *c.Status, "count", c.value())
	}
	for _, c := range d.Locality.Cells {
		row := "above"
		if c.Locality != nil {
			row = c.Locality.ID
		}
		put("locality", row, "count", c.value())
	}
	for _, c := range d.Time.Cells {
		put("time", month(c), *c.Status, c.value())
	}
	for _, a := range []struct {
		panel string
		agg   agg
	}{{"status", d.Status}, {"locality", d.Locality}, {"time", d.Time}} {
		for _, c := range a.agg.Totals {
			switch {
			case len(c.GroupedBy) == 0 && a.panel != "time":
				put(a.panel, "total", "count", c.value())
			case len(c.GroupedBy) == 1 && c.GroupedBy[0] == "PERIOD":
				put("time", month(c), "total", c.value())
			}
		}
	}
	if len(d.Status.Cells) == 0 || len(d.Time.Cells) == 0 {
		t.Fatalf("the API answers no count: %s", r.Data)
	}
	if victims := dashboardVictims(t, p, tok, vars); victims != nil {
		out.tables["victims"] = victims
	}
	return out
}

// peopleCell is one cell of an involvementAggregate answer.
type peopleCell struct {
	aggCell
	Gender, AgeBracket *string
}

// dashboardVictims asks the API, with tok and the incident views' vars,
// the counts of the victims view (victims by age bracket and gender), as
// the page's table must show them: a row per age bracket and a total row,
// a column per gender and a total column. Nil when the role may not count
// people (FORBIDDEN: the page must say the view is not available, which
// dashboardOtherViews checks).
func dashboardVictims(t *testing.T, p *process, tok string, vars map[string]any) map[string]map[string]string {
	t.Helper()
	filter := map[string]any{"roles": []string{"VICTIM"}}
	for k, v := range vars["filter"].(map[string]any) {
		filter[k] = v
	}
	r := p.query(t, tok, `query($from: Time, $to: Time, $filter: InvolvementAggregateFilter) {
		victims: involvementAggregate(groupBy: [AGE_BRACKET, GENDER], from: $from, to: $to, filter: $filter) {
			cells { groupedBy ageBracket gender count protected } totals { groupedBy ageBracket gender count protected } }
	}`, map[string]any{"from": vars["from"], "to": vars["to"], "filter": filter})
	if len(r.Errors) > 0 {
		if code := r.Errors[0].Extensions.Code; code != "FORBIDDEN" {
			t.Fatalf("the API, victims: %+v", r.Errors)
		}
		return nil
	}
	var d struct {
		Victims struct{ Cells, Totals []peopleCell }
	}
	if err := json.Unmarshal(r.Data, &d); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	put := func(row, col, v string) {
		if out[row] == nil {
			out[row] = map[string]string{}
		}
		out[row][col] = v
	}
	for _, c := range d.Victims.Cells {
		put(*c.AgeBracket, *c.Gender, c.value())
	}
	for _, c := range d.Victims.Totals {
		switch {
		case len(c.GroupedBy) == 0:
			put("total", "total", c.value())
		case c.GroupedBy[0] == "AGE_BRACKET":
			put(*c.AgeBracket, "total", c.value())
		default:
			put("total", *c.Gender, c.value())
		}
	}
	if len(d.Victims.Cells) == 0 {
		t.Fatalf("the API answers no count of victims: %s", r.Data)
	}
	return out
}

// compareTables fails t unless every cell of the incident panels of the
// page equals the API's (a combination the API leaves out is 0) and every
// cell of the API is on the page. It returns how many cells are protected.
func compareTables(t *testing.T, who string, got, want tables) (protected int) {
	t.Helper()
	for panel, rows := range want {
		page, ok := got[panel]
		if !ok {
			t.Errorf("%s: no table %s on the page (tables: %v)", who, panel, keys(got))
			continue
		}
		for row, cols := range rows {
			for col, v := range cols {
				if page[row][col] != v {
					t.Errorf("%s: %s[%s][%s] = %q on the page, the API answers %q", who, panel, row, col, page[row][col], v)
				}
			}
		}
		for row, cols := range page {
			for col, v := range cols {
				w, ok := rows[row][col]
				if !ok {
					w = "0"
				}
				if v != w {
					t.Errorf("%s: %s[%s][%s] = %q on the page, want %q", who, panel, row, col, v, w)
				}
				if v == "protected" {
					protected++
				}
			}
		}
	}
	return protected
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// dashboardOtherViews checks the views of the aggregates the server may
// not offer (victims, activities, recommendations): each is either drawn
// or says it is not available, as the API's own answer for the role says.
func dashboardOtherViews(t *testing.T, ctx context.Context, p *process, tok, who string) {
	t.Helper()
	for _, v := range []struct{ view, probe string }{
		{"victims", `{ involvementAggregate { threshold } }`},
		{"activities", `{ activityAggregate { threshold } }`},
		{"recommendations", `{ recommendationAggregate { threshold } }`},
	} {
		state := get(t, ctx, "read the view "+v.view, chromedp.Evaluate[[]string](fmt.Sprintf(
			`(() => { const s = document.getElementById('view-%s'); return s ? [s.dataset.state, s.dataset.code || '', s.textContent] : ['missing', '', '']; })()`, v.view)))
		r := p.query(t, tok, v.probe, nil)
		want := "ready"
		if len(r.Errors) > 0 {
			want = "unavailable"
			if code := r.Errors[0].Extensions.Code; code != "GRAPHQL_VALIDATION_FAILED" && code != "FORBIDDEN" {
				want = "error"
			}
		}
		if state[0] != want {
			t.Errorf("%s: the view %s is %q (%s), want %q as the API answers", who, v.view, state[0], state[1], want)
		}
		if want == "unavailable" && !strings.Contains(state[2], "Non disponible") {
			t.Errorf("%s: the view %s says %q, want it to say it is not available", who, v.view, state[2])
		}
	}
}

// dashboardAxe runs the vendored axe-core in the page: no WCAG 2.1 A/AA
// violation.
func dashboardAxe(t *testing.T, ctx context.Context, axe, who string) {
	t.Helper()
	run(t, ctx, "inject axe-core", chromedp.Evaluate[chromedp.Void](axe+"\n;true"))
	raw := get(t, ctx, "run axe-core", chromedp.Evaluate[string](
		`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})
			.then(r => JSON.stringify({passes: r.passes.length, violations: r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.html)}))}))`,
		chromedp.EvalAwaitPromise))
	var res struct {
		Passes     int
		Violations []struct {
			ID, Help string
			Nodes    []string
		}
	}
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		t.Fatalf("axe: %v", err)
	}
	for _, v := range res.Violations {
		t.Errorf("%s: axe: %s (%s): %q", who, v.ID, v.Help, v.Nodes)
	}
	t.Logf("%s: axe-core ran, %d rules passed, %d violations", who, res.Passes, len(res.Violations))
}

// dashboardCSV clicks the CSV button of panel and checks that the file
// holds the table: its headers, then each row's label and values, a
// protected cell written as such and never as a number.
func dashboardCSV(t *testing.T, ctx context.Context, panel, who string) {
	t.Helper()
	raw := get(t, ctx, "download the CSV of "+panel, chromedp.Evaluate[[]string](fmt.Sprintf(`(async () => {
		const made = URL.createObjectURL;
		let blob = null;
		URL.createObjectURL = (b) => { blob = b; return made.call(URL, b); };
		try { document.querySelector('button[data-csv=%[1]q]').click(); } finally { URL.createObjectURL = made; }
		const tb = document.getElementById(%[1]q + '-table');
		const rows = [Array.from(tb.querySelectorAll('thead th')).map(th => th.textContent)].concat(
			Array.from(tb.querySelectorAll('tbody tr')).map(tr => [tr.querySelector('th').textContent].concat(
				Array.from(tr.querySelectorAll('td')).map(td => td.dataset.value === 'protected' ? 'protégé' : td.dataset.value))));
		return [blob ? await blob.text() : '', JSON.stringify(rows)];
	})()`, panel), chromedp.EvalAwaitPromise))
	var want [][]string
	if err := json.Unmarshal([]byte(raw[1]), &want); err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(raw[0], "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("%s: the CSV of %s: %v\n%s", who, panel, err, raw[0])
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: the CSV of %s is\n%q\nthe table holds\n%q", who, panel, got, want)
	}
}
