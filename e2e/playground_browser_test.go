package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/benkan-project/benkan/auth"
	"github.com/benkan-project/benkan/web/playground"
)

// TestPlaygroundInChromium drives the playground of `benkan serve --demo`
// (SQLite in a temporary directory) in headless Chromium, as a developer of
// a partner dashboard would: it signs in as AMDH's coordinator in one
// browser tab and as DIHR, then a security-force liaison, in another, runs
// the incident-feed example in each and checks that the page shows exactly
// what the API answers that role's own token. It checks that a stale token
// (expired, or signed with another secret) is reported with the server's
// error code while the schema still loads, that reloading adds no tab and
// keeps each tab's user, and that no request leaves the server's origin.
// Screenshots go to t.ArtifactDir() (kept with go test -artifacts).
//
// It needs Debian's chromium (/usr/bin/chromium, or BENKAN_CHROMIUM): it
// skips without it, except in CI (CI=true), where it fails.
func TestPlaygroundInChromium(t *testing.T) {
	browser := chromium(t)
	shots := t.ArtifactDir()
	t.Logf("screenshots in %s", shots)

	// Without BENKAN_JWT_SECRET, as demo mode's sign-in needs: tokens of a
	// random secret, which hold on this process only.
	data := t.TempDir()
	p := serveEnv(t, "demo", nil, "--demo", "--playground=true", "--data-dir", data)
	origin := p.url
	tokens := demoTokens(t, p)

	feed := example(t, "10-incident-feed")
	var feedVars map[string]any
	if err := json.Unmarshal([]byte(feed.Variables), &feedVars); err != nil {
		t.Fatal(err)
	}

	// One deadline for the whole browser session: generous, since two CPUs
	// are shared with other tests and the page's script is about 1 MB.
	tabA, rec := browserTab(t, browser, 4*time.Minute)

	// A stale token stored in the tab, signed with a previous run's secret,
	// and a header left in GraphiQL's shared storage by an older playground:
	// the page reports the token as refused and still loads the schema.
	stale := signWith(t, []byte("a-previous-run-0123456789abcdef0123456789"), "sory.diakite", time.Now())
	open(t, tabA, origin)
	// A first visit opens the examples, the first with its variables.
	if got := tabTitles(t, tabA); len(got) != len(playground.Examples()) || got[0] != "IncidentFeed" {
		t.Errorf("tabs of a first visit = %q, want one per example, IncidentFeed first", got)
	}
	vars := get(t, tabA, "read the variables", chromedp.Evaluate[string](
		`document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror').CodeMirror.getValue()`))
	if !jsonEqual(vars, feed.Variables) {
		t.Errorf("the variables editor shows %q, want the example's %q", vars, feed.Variables)
	}
	run(t, tabA, "store stale credentials", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`
		sessionStorage.setItem('benkan:session', JSON.stringify({token: %q, label: 'sory.diakite (pasted token)'}));
		localStorage.setItem('graphiql:headers', JSON.stringify({Authorization: 'Bearer ' + %[1]q}));
		localStorage.setItem('graphiql:shouldPersistHeaders', 'true');
		true`, stale)))
	open(t, tabA, origin)
	refusedWith(t, tabA, "token signature invalid")
	schemaLoads(t, tabA)
	screenshot(t, tabA, shots, "01-stale-token-docs")
	tabs := tabTitles(t, tabA)
	if len(tabs) != len(playground.Examples()) {
		t.Errorf("tabs after a reload = %q, want one per example (%d)", tabs, len(playground.Examples()))
	}

	// Tab A: AMDH's coordinator.
	signInAs(t, tabA, "sory.diakite", "Sory Diakité")
	coordinator := runExample(t, tabA, "IncidentFeed")
	screenshot(t, tabA, shots, "02-coordinator-feed")
	want := p.query(t, tokens["sory.diakite"], feed.Query, feedVars)
	sameAnswer(t, "coordinator", coordinator, want)
	cTotal, cNarratives := feedFacts(t, coordinator)
	if cNarratives == 0 {
		t.Errorf("the coordinator's feed shows no narrative: %s", coordinator.Data)
	}

	// Tab B, same browser (shared localStorage, its own sessionStorage):
	// DIHR, then a security-force liaison.
	tabB, cancelB := chromedp.NewContext(tabA)
	defer cancelB()
	rec.listen(t, tabB)
	open(t, tabB, origin)
	for _, u := range []struct{ subject, name, shot string }{
		{"dihr.officer", "DIHR", "03-dihr-feed"},
		{"fsi.niono", "Commissariat de police de Niono", "04-liaison-feed"},
	} {
		signInAs(t, tabB, u.subject, u.name)
		got := runExample(t, tabB, "IncidentFeed")
		screenshot(t, tabB, shots, u.shot)
		sameAnswer(t, u.subject, got, p.query(t, tokens[u.subject], feed.Query, feedVars))
		total, narratives := feedFacts(t, got)
		if total >= cTotal || narratives != 0 {
			t.Errorf("%s sees %d incidents of the feed (the coordinator %d) and %d narratives, want fewer and none", u.subject, total, cTotal, narratives)
		}
		if !strings.Contains(string(got.Extensions), "narrative") {
			t.Errorf("%s: the masked narratives are not listed in extensions: %s", u.subject, got.Extensions)
		}
	}

	// Tab A is still the coordinator's after a reload, with no new tab.
	open(t, tabA, origin)
	status(t, tabA, "signed-in", "Sory Diakité")
	if got := tabTitles(t, tabA); !reflect.DeepEqual(got, tabs) {
		t.Errorf("tabs after another reload = %q, want %q", got, tabs)
	}
	again := runExample(t, tabA, "IncidentFeed")
	sameAnswer(t, "coordinator after a reload", again, want)
	screenshot(t, tabA, shots, "05-coordinator-after-reload")

	// The same database served without --demo: no demo endpoint, no "sign
	// in as"; the page takes a token.
	p.stop()
	plain := serve(t, "plain", "--playground=true", "--data-dir", data)
	if got := plain.get(t, "/demo/users"); got != http.StatusNotFound {
		t.Errorf("GET /demo/users without --demo: %d, want 404", got)
	}
	run(t, tabB, "load the playground of a server not in demo mode",
		chromedp.Navigate(plain.url+"/"),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-tab")),
		chromedp.WaitVisible(chromedp.CSS(`#benkan-status[data-state="anonymous"]`)))
	if n := get(t, tabB, "look for the demo sign-in", chromedp.Evaluate[int](`document.querySelectorAll('#benkan-user').length`)); n != 0 {
		t.Errorf("a server not in demo mode offers \"sign in as\"")
	}
	// An expired token signed with this server's secret, pasted into the
	// bar, then a good one.
	expired := signWith(t, []byte(secret), "dihr.officer", time.Now().Add(-13*time.Hour))
	run(t, tabB, "paste an expired token",
		chromedp.SendKeys(chromedp.CSS("#benkan-token"), expired),
		chromedp.Click(chromedp.CSS("#benkan-use-token")))
	refusedWith(t, tabB, "token expired")
	run(t, tabB, "paste a token",
		chromedp.SendKeys(chromedp.CSS("#benkan-token"), token(t, "dihr.officer")),
		chromedp.Click(chromedp.CSS("#benkan-use-token")))
	status(t, tabB, "signed-in", "dihr.officer")
	sameAnswer(t, "dihr.officer with a pasted token", runExample(t, tabB, "IncidentFeed"), plain.query(t, token(t, "dihr.officer"), feed.Query, feedVars))
	screenshot(t, tabB, shots, "06-pasted-token")

	rec.check(t, origin, plain.url)
}

// chromium returns the path of the Chromium to drive, or skips t when there
// is none, unless in CI.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("BENKAN_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		if p, lerr := exec.LookPath("chromium"); lerr == nil {
			return p
		}
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but there is no Chromium at %s (apt-get install -y chromium): the playground's browser test must run in CI", path)
		}
		t.Skipf("no Chromium at %s (apt-get install -y chromium, or set BENKAN_CHROMIUM): the playground's browser test does not run", path)
	}
	return path
}

// example returns the playground's example named name.
func example(t *testing.T, name string) playground.Example {
	t.Helper()
	for _, ex := range playground.Examples() {
		if ex.Name == name {
			return ex
		}
	}
	t.Fatalf("no example %s", name)
	return playground.Example{}
}

// demoTokens returns a token of each demo user of p, from its demo
// sign-in (the only way to one when p signs with a random secret).
func demoTokens(t *testing.T, p *process) map[string]string {
	t.Helper()
	res, err := client.Get(p.url + "/demo/users")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Users []struct{ Subject, Token string }
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /demo/users: %d, %v", res.StatusCode, err)
	}
	tokens := map[string]string{}
	for _, u := range out.Users {
		tokens[u.Subject] = u.Token
	}
	return tokens
}

// signWith signs a token for subject with secret, issued at issued and
// valid 12 hours from then.
func signWith(t *testing.T, secret []byte, subject string, issued time.Time) string {
	t.Helper()
	tok, err := auth.Sign(secret, auth.DefaultIssuer, auth.DefaultAudience, subject, 12*time.Hour, issued)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// requests records the URL of every request the browser's tabs send, and
// what the page's Content-Security-Policy blocked (a blocked request never
// reaches the network, so it is not among the requests) or a script threw.
type requests struct {
	mu       sync.Mutex
	urls     []string
	problems []string
}

// listen opens the tab of ctx (starting the browser if need be) and
// records its requests from then on.
func (r *requests) listen(t *testing.T, ctx context.Context) {
	t.Helper()
	err := chromedp.Listen(ctx, func(ev any) {
		r.mu.Lock()
		defer r.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			r.urls = append(r.urls, e.Request.URL)
		case *cdplog.EventEntryAdded:
			if e.Entry.Source == cdplog.EntrySourceSecurity || strings.Contains(e.Entry.Text, "Content Security Policy") {
				r.problems = append(r.problems, e.Entry.Text)
			}
		case *runtime.EventExceptionThrown:
			r.problems = append(r.problems, "exception: "+e.ExceptionDetails.Text+" "+describeException(e.ExceptionDetails))
		}
	})
	if err != nil {
		t.Fatalf("start the browser: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("record the requests: %v", err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("record the log: %v", err)
	}
	if _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("record the exceptions: %v", err)
	}
}

// check fails t if a request left the origins of the servers, or if none
// of those the page must send was seen (the recording would then prove
// nothing).
func (r *requests) check(t *testing.T, origins ...string) {
	t.Helper()
	r.checkPaths(t, []string{"/", "/graphql", "/demo/users", "/assets/graphiql.min.js"}, origins...)
}

// checkPaths is check with paths as the paths the page must request.
func (r *requests) checkPaths(t *testing.T, paths []string, origins ...string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	for _, raw := range r.urls {
		u, err := url.Parse(raw)
		if err != nil {
			t.Errorf("request to an unparsable URL %q", raw)
			continue
		}
		if u.Scheme == "data" || u.Scheme == "blob" {
			continue // never leaves the browser
		}
		if !slices.Contains(origins, u.Scheme+"://"+u.Host) {
			t.Errorf("request to %s leaves the servers' origins %q", raw, origins)
			continue
		}
		seen[u.Path] = true
	}
	for _, p := range r.problems {
		t.Errorf("the page: %s", p)
	}
	for _, path := range paths {
		if !seen[path] {
			t.Errorf("no request to %s among the %d recorded", path, len(r.urls))
		}
	}
	t.Logf("%d requests, all to %q", len(r.urls), origins)
}

// run runs actions in ctx, failing t with what was being done.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// get runs one action that reads a value, failing t with what was being
// read.
func get[T any](t *testing.T, ctx context.Context, what string, action chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// open loads the playground and waits until GraphiQL shows its tabs and
// the bar has settled (demo users loaded, token checked).
func open(t *testing.T, ctx context.Context, origin string) {
	t.Helper()
	run(t, ctx, "load the playground",
		chromedp.Navigate(origin+"/"),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-tab")),
		chromedp.WaitReady(chromedp.CSS(`#benkan-user option[value="sory.diakite"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#benkan-status:not([data-state="checking"])`)),
	)
}

// status waits until the bar's status is state and mentions text.
func status(t *testing.T, ctx context.Context, state, text string) string {
	t.Helper()
	cond := fmt.Sprintf(`(() => { const s = document.getElementById('benkan-status'); return s.getAttribute('data-state') === %q && s.textContent.includes(%q) && s.textContent; })()`, state, text)
	got, err := chromedp.Run(ctx, chromedp.Poll[string](cond, chromedp.WithPollingTimeout(time.Minute)))
	if err != nil {
		now := get(t, ctx, "read the status", chromedp.Evaluate[[]string](
			`[document.getElementById('benkan-status').getAttribute('data-state'), document.getElementById('benkan-status').textContent]`))
		t.Fatalf("the status is %q, want %s mentioning %q: %v", now, state, text, err)
	}
	return got
}

// refusedWith checks that the bar reports the token refused with the
// server's UNAUTHENTICATED and its reason.
func refusedWith(t *testing.T, ctx context.Context, reason string) {
	t.Helper()
	got := status(t, ctx, "refused", reason)
	code := get(t, ctx, "read the status code", chromedp.AttributeValue(chromedp.CSS("#benkan-status"), "data-code")).Value
	if code != "UNAUTHENTICATED" || !strings.Contains(got, "UNAUTHENTICATED") {
		t.Errorf("status %q with code %q, want the server's UNAUTHENTICATED", got, code)
	}
}

// schemaLoads opens the Docs pane and waits for the schema's root types.
func schemaLoads(t *testing.T, ctx context.Context) {
	t.Helper()
	run(t, ctx, "open the Docs pane",
		chromedp.WaitVisible(chromedp.CSS(`button[aria-label$="Documentation Explorer"]`)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('button[aria-label="Show Documentation Explorer"]')?.click()`),
		chromedp.WaitVisible(chromedp.CSS(`.graphiql-doc-explorer-type-name`)))
	docs := get(t, ctx, "read the Docs pane", chromedp.Text(chromedp.CSS(".graphiql-doc-explorer")))
	if !strings.Contains(docs, "Query") || strings.Contains(docs, "Error fetching schema") {
		t.Errorf("the Docs pane shows %q, want the schema", docs)
	}
}

// tabTitles returns the titles of GraphiQL's tabs.
func tabTitles(t *testing.T, ctx context.Context) []string {
	t.Helper()
	return get(t, ctx, "read the tabs", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('.graphiql-tab .graphiql-tab-button')).map(b => b.textContent.trim())`))
}

// signInAs chooses subject in the bar's "sign in as" control and waits
// until the page says it is signed in as name.
func signInAs(t *testing.T, ctx context.Context, subject, name string) {
	t.Helper()
	run(t, ctx, "sign in as "+subject,
		chromedp.SetValue(chromedp.CSS("#benkan-user"), subject),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('benkan-user').dispatchEvent(new Event('change'))`))
	status(t, ctx, "signed-in", name)
}

// answer is a GraphQL response as the page shows it.
type answer struct {
	Data       json.RawMessage `json:"data"`
	Errors     json.RawMessage `json:"errors"`
	Extensions json.RawMessage `json:"extensions"`
}

// runExample opens the tab titled name, runs it and returns the response
// the page shows.
func runExample(t *testing.T, ctx context.Context, name string) answer {
	t.Helper()
	clicked := get(t, ctx, "open the tab "+name, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		const b = Array.from(document.querySelectorAll('.graphiql-tab .graphiql-tab-button')).find(b => b.textContent.trim() === %q);
		if (b) b.click();
		return !!b;
	})()`, name)))
	if !clicked {
		t.Fatalf("no tab %s among %q", name, tabTitles(t, ctx))
	}
	run(t, ctx, "wait for the editor to show "+name, chromedp.Poll[chromedp.Void](fmt.Sprintf(
		`document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue().includes(%q)`, "query "+name),
		chromedp.WithPollingTimeout(time.Minute)))
	// The result pane is cleared first, so that the wait below sees this
	// run's answer, not the previous one.
	run(t, ctx, "run "+name,
		chromedp.Evaluate[chromedp.Void](`document.querySelector('.result-window .CodeMirror').CodeMirror.setValue('')`),
		chromedp.Click(chromedp.CSS(".graphiql-execute-button")))
	shown := get(t, ctx, "wait for the answer to "+name, chromedp.Poll[string](
		`(() => { const v = document.querySelector('.result-window .CodeMirror').CodeMirror.getValue(); return v.trim().startsWith('{') && v; })()`,
		chromedp.WithPollingTimeout(time.Minute)))
	var a answer
	if err := json.Unmarshal([]byte(shown), &a); err != nil {
		t.Fatalf("%s: the result pane shows no JSON: %v\n%s", name, err, shown)
	}
	if len(a.Errors) > 0 && string(a.Errors) != "null" {
		t.Fatalf("%s: the page shows errors: %s", name, shown)
	}
	return a
}

// sameAnswer fails t unless the page showed the data the API answers the
// role's own token.
func sameAnswer(t *testing.T, who string, got answer, want result) {
	t.Helper()
	if len(want.Errors) > 0 {
		t.Fatalf("%s: the API answers errors: %+v", who, want.Errors)
	}
	var g, w any
	if err := json.Unmarshal(got.Data, &g); err != nil {
		t.Fatalf("%s: page data: %v", who, err)
	}
	if err := json.Unmarshal(want.Data, &w); err != nil {
		t.Fatalf("%s: API data: %v", who, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s: the page shows\n%s\nthe API answers the role's token\n%s", who, got.Data, want.Data)
	}
}

// feedFacts returns the feed's totalCount and how many of its rows show a
// narrative.
func feedFacts(t *testing.T, a answer) (total, narratives int) {
	t.Helper()
	var d struct {
		Incidents struct {
			TotalCount int
			Edges      []struct {
				Node struct{ Narrative *string }
			}
		}
	}
	if err := json.Unmarshal(a.Data, &d); err != nil {
		t.Fatalf("feed: %v", err)
	}
	if len(d.Incidents.Edges) == 0 {
		t.Fatalf("the feed shows no incident: %s", a.Data)
	}
	for _, e := range d.Incidents.Edges {
		if e.Node.Narrative != nil {
			narratives++
		}
	}
	return d.Incidents.TotalCount, narratives
}

// screenshot saves the page of ctx as dir/name.png.
func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png := get(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// jsonEqual reports whether a and b hold the same JSON value.
func jsonEqual(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

// TestPlaygroundExamplesAnswer runs every example of the playground against
// `benkan serve --demo`, as the role its comment names, with the example's
// variables (ids taken from the example's own query where it asks for
// one): each answers data and no error.
func TestPlaygroundExamplesAnswer(t *testing.T) {
	p := serve(t, "demo", "--demo", "--data-dir", t.TempDir())
	coordinator, liaison := token(t, "sory.diakite"), token(t, "fsi.niono")
	vars := func(name string) map[string]any {
		var v map[string]any
		if err := json.Unmarshal([]byte(example(t, name).Variables), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	ok := func(name, op, tok string, v map[string]any) map[string]any {
		t.Helper()
		doc := example(t, name).Query
		r := p.queryOp(t, tok, doc, op, v)
		if len(r.Errors) > 0 {
			t.Fatalf("%s %s: %+v", name, op, r.Errors)
		}
		var d map[string]any
		if err := json.Unmarshal(r.Data, &d); err != nil || len(d) == 0 {
			t.Fatalf("%s %s: data %s", name, op, r.Data)
		}
		return d
	}
	firstID := func(d map[string]any, field string) string {
		t.Helper()
		edges, _ := d[field].(map[string]any)["edges"].([]any)
		if len(edges) == 0 {
			t.Fatalf("no %s in %v", field, d)
		}
		return edges[0].(map[string]any)["node"].(map[string]any)["id"].(string)
	}

	ok("10-incident-feed", "IncidentFeed", coordinator, vars("10-incident-feed"))
	ok("20-incident-follow-ups", "IncidentWithFollowUps", coordinator, vars("20-incident-follow-ups"))
	ok("30-activities-of-a-quarter", "ActivitiesOfAQuarter", coordinator, vars("30-activities-of-a-quarter"))

	// The liaison of Niono's police sets the status of a recommendation
	// addressed to its unit.
	v := vars("40-recommendations")
	v["id"] = firstID(ok("40-recommendations", "RecommendationsAddressedTo", liaison, v), "recommendations")
	ok("40-recommendations", "SetRecommendationStatus", liaison, v)

	// The coordinator records a follow-up.
	v = vars("50-create-follow-up")
	d := ok("50-create-follow-up", "FollowUpTargets", coordinator, v)
	v["incident"], v["organization"] = firstID(d, "incidents"), firstID(d, "organizations")
	ok("50-create-follow-up", "CreateFollowUp", coordinator, v)
}

// queryOp posts operation op of the document q to p with tok.
func (p *process) queryOp(t *testing.T, tok, q, op string, vars map[string]any) result {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": q, "operationName": op, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, p.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST /graphql: %v", err)
	}
	defer res.Body.Close()
	var r result
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Fatalf("HTTP %d, not a GraphQL response: %v", res.StatusCode, err)
	}
	return r
}

// describeException returns the message of a script's exception.
func describeException(d *runtime.ExceptionDetails) string {
	if d.Exception != nil && d.Exception.Description != "" {
		return d.Exception.Description
	}
	return fmt.Sprintf("at %s:%d", d.URL, d.LineNumber)
}

// TestDemoSignInNeedsDemoModeAndARandomSecret: `serve` hands out demo
// tokens only in demo mode and when it signs with a random secret of its
// own; with BENKAN_JWT_SECRET set, tokens it handed out would hold on every
// server sharing that secret, so it hands out none (it still prints them,
// for the operator).
func TestDemoSignInNeedsDemoModeAndARandomSecret(t *testing.T) {
	data := t.TempDir()
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want int
	}{
		{"demo, random secret", nil, []string{"--demo"}, http.StatusOK},
		{"demo, BENKAN_JWT_SECRET", []string{"BENKAN_JWT_SECRET=" + secret}, []string{"--demo"}, http.StatusNotFound},
		{"BENKAN_DEMO=true, random secret", []string{"BENKAN_DEMO=true"}, nil, http.StatusOK},
		{"not demo", []string{"BENKAN_JWT_SECRET=" + secret}, nil, http.StatusNotFound},
		{"--demo=false", []string{"BENKAN_JWT_SECRET=" + secret, "BENKAN_DEMO=true"}, []string{"--demo=false"}, http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := serveEnv(t, tc.name, tc.env, append([]string{"--data-dir", data, "--playground=true"}, tc.args...)...)
			if got := p.get(t, "/demo/users"); got != tc.want {
				t.Errorf("GET /demo/users: %d, want %d", got, tc.want)
			}
			p.stop()
		})
	}
}
