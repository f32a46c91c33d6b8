package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/demo"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/graph"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// attack is one shape of a costly request, at the largest size the default
// limits accept (or just past it, for those that must be refused).
type attack struct {
	name  string
	anon  bool // sent without a token
	query string
	vars  map[string]any
	code  string // the expected refusal; "" for a request that is served
}

func rep(n int, format, sep string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = strings.ReplaceAll(format, "%d", fmt.Sprint(i))
	}
	return strings.Join(parts, sep)
}

// doublingFragments is F<n> spreading F<n-1> twice down to F0, which selects f0.
func doublingFragments(n int, f0 string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query { ...F%d }\nfragment F0 on Query { %s }\n", n, f0)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return b.String()
}

// nestedRepeats is k copies of `ofType { … }` at each of d levels.
func nestedRepeats(d, k int) string {
	if d == 0 {
		return "name"
	}
	return strings.Repeat("ofType { "+nestedRepeats(d-1, k)+" } ", k)
}

func attacks() []attack {
	L := graph.DefaultLimits
	someIDs := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = string(gid.New("inc"))
		}
		return out
	}
	notsVar := func(n int) map[string]any {
		w := map[string]any{"summaryContains": "x"}
		for range n - 1 {
			w = map[string]any{"not": w}
		}
		return w
	}
	page := `incidents(first: 400) { edges { node { id reference summary status occurredAt } } }`
	return []attack{
		// Fragments: 62 spreads (2^6-2) whose expansion costs 32 × 2,801.
		{name: "fragments 2^5 of a 1000-page", query: doublingFragments(5, page)},
		{name: "fragments 100 spreads", query: `{ incidents(first: 190) { edges { node { ` + rep(L.MaxFragmentSpreads, "...A", " ") + ` } } } }
			fragment A on Incident { id reference summary status occurredAt }`},
		{name: "fragments 2^22 anonymous (refused)", anon: true, query: doublingFragments(22, "__typename"), code: benkan.ETOOMANYSPREADS},
		{name: "fragments 2^60 anonymous (refused)", anon: true, query: doublingFragments(60, "__typename"), code: benkan.ETOOMANYSPREADS},
		// Aliases: 50 per node of a 1000-page (51,001 of cost).
		{name: "aliases 50 per node", query: `{ incidents(first: 1000) { edges { node { ` + rep(L.MaxAliases, "a%d: summary", " ") + ` } } } }`},
		// Repeated fields: validation compares every pair at the same path.
		{name: "repeats 4000 __typename, no token (refused)", anon: true, query: `{ ` + rep(4000, "__typename", " ") + ` }`, code: benkan.ETOOMANYREPEATS},
		{name: "repeats 4^5 nested ofType, no token (refused)", anon: true, query: `{ __type(name: "Query") { ` + nestedRepeats(5, 4) + ` } }`, code: benkan.ETOOMANYREPEATS},
		{name: "repeats 10 chains of 40 ofType, no token", anon: true, query: `{ __type(name: "Query") { ` + rep(L.MaxFieldRepeats, strings.Repeat("ofType { ", 40)+"name"+strings.Repeat(" }", 40), " ") + ` } }`},
		{name: "repeats 100 fragments of 10 names next to 10 names", query: `{ localities(first: 10) { edges { node { ` + rep(L.MaxFieldRepeats, "name", " ") + " " + rep(100, "...N%d", " ") + ` } } } } ` +
			rep(100, "fragment N%d on Locality { "+rep(L.MaxFieldRepeats, "name", " ")+" }", " ")},
		{name: "repeats 10 of each field in a page", query: `{ incidents(first: 1000) { edges { node { ` + rep(L.MaxFieldRepeats, "id summary locality { name }", " ") + ` } } } }`},
		{name: "aliases 2400 (refused)", anon: true, query: `{ ` + rep(2400, "a%d: __typename", " ") + ` }`, code: benkan.ETOOMANYALIASES},
		// Root fields: 10 pages of every incident (first 1000), each counted.
		{name: "root fields 10 pages", query: `{ ` + rep(L.MaxRootFields, "r%d: incidents(first: 1000) { totalCount edges { node { id reference summary } } }", " ") + ` }`},
		{name: "root fields 10 counts with filters", query: `{ ` + rep(L.MaxRootFields, `r%d: incidents(where: {summaryContainsFold: "fictif %d", hasLocalityWith: {nameContainsFold: "o"}}) { totalCount }`, " ") + ` }`},
		// Input depth: 16 levels of not, inline and from a variable.
		{name: "input depth 16 (variable)", query: `query($w: IncidentWhereInput) { incidents(first: 1000, where: $w) { totalCount edges { node { id } } } }`,
			vars: map[string]any{"w": notsVar(L.MaxInputDepth)}},
		{name: "input depth 9000 (refused)", anon: true, query: `query($w: IncidentWhereInput) { incidents(first: 1, where: $w) { totalCount } }`,
			vars: map[string]any{"w": notsVar(9000)}, code: benkan.EINPUTTOODEEP},
		// Strings and patterns.
		{name: "string 20000 bytes (summary =)", query: `query($s: String) { incidents(first: 1000, where: {summary: $s}) { totalCount edges { node { id } } } }`,
			vars: map[string]any{"s": strings.Repeat("a", L.MaxStringLength)}},
		{name: "pattern 128 % (ContainsFold)", query: `query($p: String) { incidents(first: 1000, where: {or: [{summaryContainsFold: $p}, {referenceContainsFold: $p}]}) { totalCount edges { node { id } } } }`,
			vars: map[string]any{"p": strings.Repeat("%", L.MaxPatternLength/2)}},
		{name: "pattern 256 a (EqualFold)", query: `query($p: String) { incidents(first: 1000, where: {or: [{summaryEqualFold: $p}, {referenceEqualFold: $p}]}) { totalCount edges { node { id } } } }`,
			vars: map[string]any{"p": strings.Repeat("a", L.MaxPatternLength)}},
		{name: "pattern 10^6 % (refused)", anon: true, query: `query($p: String) { incidents(first: 1, where: {summaryContainsFold: $p}) { totalCount } }`,
			vars: map[string]any{"p": strings.Repeat("%", 1_000_000)}, code: benkan.ESTRINGTOOLONG},
		// Lists: 1000 ids, and 2 × 997 (the input-value limit).
		{name: "list 1000 ids", query: `query($a: [ID!]) { incidents(first: 1000, where: {idIn: $a}) { totalCount edges { node { id } } } }`,
			vars: map[string]any{"a": someIDs(L.MaxListSize)}},
		{name: "input values 2000", query: `query($a: [ID!], $b: [ID!]) { incidents(first: 1, where: {or: [{idIn: $a}, {idNotIn: $b}]}) { totalCount } }`,
			vars: map[string]any{"a": someIDs(996), "b": someIDs(997)}},
		// Introspection, anonymous: GraphiQL's query.
		{name: "introspection (anonymous)", anon: true, query: apitest.IntrospectionQuery},
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAttacks sends each attack shape to a server over the demo data
// (SQLite, and PostgreSQL when BENKAN_TEST_DATABASE_URL is set) and reports
// the wall time (ns/op) and the process's CPU time (cpu-ms/op: the
// server's, plus the in-process client's small share) per request. Run:
//
//	go test ./server -run '^$' -bench BenchmarkAttacks -benchtime 20x
func BenchmarkAttacks(b *testing.B) {
	for _, d := range storagetest.Databases() {
		b.Run(d.Name, func(b *testing.B) {
			db := d.Open(b, storage.Config{})
			ctx := policy.SystemContext(context.Background())
			if _, err := demo.Load(ctx, db.Client); err != nil {
				b.Fatalf("demo data: %v", err)
			}
			srv := apitest.Start(b, db)
			token := srv.Token(b, apitest.Admin)
			for _, a := range attacks() {
				body, err := json.Marshal(map[string]any{"query": a.query, "variables": a.vars})
				if err != nil {
					b.Fatal(err)
				}
				send := func() []byte {
					req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					if !a.anon {
						req.Header.Set("Authorization", "Bearer "+token)
					}
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					defer res.Body.Close()
					raw, _ := io.ReadAll(res.Body)
					return raw
				}
				// The answer is checked once, outside the measure.
				var r apitest.Response
				raw := send()
				if err := json.Unmarshal(raw, &r); err != nil {
					b.Fatalf("%s: %v: %.300s", a.name, err, raw)
				}
				switch {
				case a.code == "" && len(r.Errors) > 0:
					b.Fatalf("%s: refused: %.500s", a.name, raw)
				case a.code != "" && (len(r.Errors) == 0 || r.Errors[0].Code() != a.code):
					b.Fatalf("%s: want %s: %.500s", a.name, a.code, raw)
				}
				b.Run(strings.ReplaceAll(a.name, " ", "_"), func(b *testing.B) {
					cpu := cpuTime()
					b.ResetTimer()
					for range b.N {
						send()
					}
					b.StopTimer()
					b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
					b.ReportMetric(float64(len(body)), "req-bytes")
				})
			}
		})
	}
}
