package graph_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/graph"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// limitCase is a request at or just past one limit.
type limitCase struct {
	name  string
	query string
	vars  map[string]any
	code  string // "" when the request must be served
	limit int    // the limit's value, expected in extensions.limit
}

// wantLimit fails the test unless r is refused whole with code and
// extensions.limit == limit.
func wantLimit(t *testing.T, r *apitest.Response, code string, limit int) {
	t.Helper()
	e := wantError(t, r, code, "")
	wantNoData(t, r)
	if limit != 0 {
		if got, _ := e.Extensions["limit"].(float64); int(got) != limit {
			t.Fatalf("want extensions.limit %d, got %v: %s", limit, e.Extensions["limit"], r.Body)
		}
	}
	wantNoSQLLeak(t, e)
}

// repeat joins n copies of s, each with its index substituted for %d.
func repeat(n int, s, sep string) string {
	parts := make([]string, n)
	for i := range parts {
		if strings.Contains(s, "%d") {
			parts[i] = fmt.Sprintf(s, i)
		} else {
			parts[i] = s
		}
	}
	return strings.Join(parts, sep)
}

// nots is a where filter nested in n objects: {not: {not: … {summaryContains: "x"}}}.
func nots(n int) string {
	return strings.Repeat("{not: ", n-1) + `{summaryContains: "x"}` + strings.Repeat("}", n-1)
}

// notsVar is nots(n) as a variable's value.
func notsVar(n int) map[string]any {
	w := map[string]any{"summaryContains": "x"}
	for range n - 1 {
		w = map[string]any{"not": w}
	}
	return w
}

func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = string(gid.New("inc"))
	}
	return out
}

// doubling is the exponential fragment document: F<n> spreads F<n-1>
// twice, down to F0; expanded, it selects __typename 2^n times.
func doubling(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query { ...F%d }\nfragment F0 on Query { __typename }\n", n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return b.String()
}

// TestLimits: each limit refuses a request just past its value, whole and
// with its code and value, and serves one at its value. The limits are
// benkan's defaults.
func TestLimits(t *testing.T) {
	L := graph.DefaultLimits
	locAliases := func(n int) string {
		return `{ localities(first: 1) { edges { node { ` + repeat(n, "a%d: name", " ") + ` } } } }`
	}
	// A fragment of n aliases spread twice: 2n aliases.
	fragAliases := func(n int) string {
		return `{ localities(first: 1) { edges { node { ...A ... on Locality { ...A } } } } }
			fragment A on Locality { ` + repeat(n, "a%d: name", " ") + ` }`
	}
	rootFields := func(n int) string { return "{ " + repeat(n, "r%d: localities { totalCount }", " ") + " }" }
	spreads := func(n int) string {
		return "{ localities(first: 1) { edges { node { " + repeat(n, "...A", " ") + " } } } } fragment A on Locality { name }"
	}
	// A fragment B spreading A twice, spread n times: 3n spreads.
	nestedSpreads := func(n int) string {
		return "{ localities(first: 1) { edges { node { " + repeat(n, "...B", " ") + " } } } } fragment B on Locality { ...A ...A } fragment A on Locality { name }"
	}
	const whereVar = `query($w: IncidentWhereInput) { incidents(first: 1, where: $w) { totalCount } }`
	const orVars = `query($a: [ID!], $b: [ID!]) { incidents(first: 1, where: {or: [{idIn: $a}, {idIn: $b}]}) { totalCount } }`
	const patternVar = `query($p: String) { incidents(first: 1, where: {summaryContainsFold: $p}) { totalCount } }`
	const stringVar = `query($s: String) { incidents(first: 1, where: {summary: $s}) { totalCount } }`
	inlineStatuses := func(n int) string {
		return `{ incidents(first: 1, where: {statusIn: [` + repeat(n, "REPORTED", ", ") + `]}) { totalCount } }`
	}
	inlinePattern := func(p string) string {
		return `{ incidents(first: 1, where: {summaryHasPrefix: "` + p + `"}) { totalCount } }`
	}

	tests := []limitCase{
		{"aliases at the limit", locAliases(L.MaxAliases), nil, "", 0},
		{"aliases past the limit", locAliases(L.MaxAliases + 1), nil, benkan.ETOOMANYALIASES, L.MaxAliases},
		{"aliases of a fragment at each spread, at the limit", fragAliases(L.MaxAliases / 2), nil, "", 0},
		{"aliases of a fragment at each spread, past the limit", fragAliases(L.MaxAliases/2 + 1), nil, benkan.ETOOMANYALIASES, L.MaxAliases},
		{"2,400 aliases", `{ ` + repeat(2400, "a%d: __typename", " ") + ` }`, nil, benkan.ETOOMANYALIASES, L.MaxAliases},

		{"root fields at the limit", rootFields(L.MaxRootFields), nil, "", 0},
		{"root fields past the limit", rootFields(L.MaxRootFields + 1), nil, benkan.ETOOMANYROOTFIELDS, L.MaxRootFields},
		{"root fields through fragments past the limit", "{ ...R } fragment R on Query { " + repeat(L.MaxRootFields+1, "r%d: localities { totalCount }", " ") + " }", nil,
			benkan.ETOOMANYROOTFIELDS, L.MaxRootFields},
		// gqlgen resolves a response key once however many times it is selected.
		{"root fields selected twice", "{ ...R ...R } fragment R on Query { " + repeat(L.MaxRootFields, "r%d: localities { totalCount }", " ") + " }", nil, "", 0},

		{"spreads at the limit", spreads(L.MaxFragmentSpreads), nil, "", 0},
		{"spreads past the limit", spreads(L.MaxFragmentSpreads + 1), nil, benkan.ETOOMANYSPREADS, L.MaxFragmentSpreads},
		{"spreads in fragments, at each spread, past the limit", nestedSpreads(L.MaxFragmentSpreads/3 + 1), nil, benkan.ETOOMANYSPREADS, L.MaxFragmentSpreads},
		{"exponential fragments, 2^22", doubling(22), nil, benkan.ETOOMANYSPREADS, L.MaxFragmentSpreads},
		{"exponential fragments, 2^60", doubling(60), nil, benkan.ETOOMANYSPREADS, L.MaxFragmentSpreads},
		{"exponential fragments under the limit, 2^5", doubling(5), nil, "", 0},

		{"a field repeated at the limit", `{ localities(first: 1) { edges { node { ` + repeat(L.MaxFieldRepeats, "name", " ") + ` } } } }`, nil, "", 0},
		{"a field repeated past the limit", `{ localities(first: 1) { edges { node { ` + repeat(L.MaxFieldRepeats+1, "name", " ") + ` } } } }`, nil,
			benkan.ETOOMANYREPEATS, L.MaxFieldRepeats},
		{"a field repeated through inline fragments, past the limit", `{ localities(first: 1) { edges { node { name ` + repeat(L.MaxFieldRepeats, "... on Locality { name }", " ") + ` } } } }`, nil,
			benkan.ETOOMANYREPEATS, L.MaxFieldRepeats},
		// 4 parents × 4 children: 16 fields at the path parent.parent.
		{"a field repeated under repeated parents, past the limit", `{ localities(first: 1) { edges { node { ` + repeat(4, "parent { "+repeat(4, "parent { id }", " ")+" }", " ") + ` } } } }`, nil,
			benkan.ETOOMANYREPEATS, L.MaxFieldRepeats},
		{"4,000 __typename", `{ ` + repeat(4000, "__typename", " ") + ` }`, nil, benkan.ETOOMANYREPEATS, L.MaxFieldRepeats},
		{"a fragment's fields next to the same fields", `{ localities(first: 1) { edges { node { ` + repeat(L.MaxFieldRepeats, "name", " ") + ` ...N } } } } fragment N on Locality { name }`, nil, "", 0},

		{"inline where at the depth limit", `{ incidents(first: 1, where: ` + nots(L.MaxInputDepth) + `) { totalCount } }`, nil, "", 0},
		{"inline where past the depth limit", `{ incidents(first: 1, where: ` + nots(L.MaxInputDepth+1) + `) { totalCount } }`, nil, benkan.EINPUTTOODEEP, L.MaxInputDepth},
		{"variable where at the depth limit", whereVar, map[string]any{"w": notsVar(L.MaxInputDepth)}, "", 0},
		{"variable where past the depth limit", whereVar, map[string]any{"w": notsVar(L.MaxInputDepth + 1)}, benkan.EINPUTTOODEEP, L.MaxInputDepth},
		{"variable where 9,000 deep", whereVar, map[string]any{"w": notsVar(9000)}, benkan.EINPUTTOODEEP, L.MaxInputDepth},
		{"inline depth and a variable's add up, at the limit", `query($w: IncidentWhereInput) { incidents(first: 1, where: {not: {not: $w}}) { totalCount } }`,
			map[string]any{"w": notsVar(L.MaxInputDepth - 2)}, "", 0},
		{"inline depth and a variable's add up, past the limit", `query($w: IncidentWhereInput) { incidents(first: 1, where: {not: {not: $w}}) { totalCount } }`,
			map[string]any{"w": notsVar(L.MaxInputDepth - 1)}, benkan.EINPUTTOODEEP, L.MaxInputDepth},

		// 5 inline values (first, where, or, two objects), 2 lists, their items.
		{"input values at the limit", orVars, map[string]any{"a": ids(996), "b": ids(997)}, "", 0},
		{"input values past the limit", orVars, map[string]any{"a": ids(997), "b": ids(997)}, benkan.ETOOMANYVALUES, L.MaxInputValues},

		{"variable list at the limit", orVars, map[string]any{"a": ids(L.MaxListSize), "b": ids(1)}, "", 0},
		{"variable list past the limit", orVars, map[string]any{"a": ids(L.MaxListSize + 1), "b": ids(1)}, benkan.ELISTTOOLONG, L.MaxListSize},
		{"inline list at the limit", inlineStatuses(L.MaxListSize), nil, "", 0},
		{"inline list past the limit", inlineStatuses(L.MaxListSize + 1), nil, benkan.ELISTTOOLONG, L.MaxListSize},

		{"string at the limit", stringVar, map[string]any{"s": strings.Repeat("é", L.MaxStringLength/2)}, "", 0},
		{"string past the limit", stringVar, map[string]any{"s": strings.Repeat("x", L.MaxStringLength+1)}, benkan.ESTRINGTOOLONG, L.MaxStringLength},
		{"unused variable past the string limit", `query($s: String) { incidents { totalCount } }`, map[string]any{"s": strings.Repeat("x", L.MaxStringLength+1)},
			benkan.ESTRINGTOOLONG, L.MaxStringLength},
		{"inline string past the limit", `{ incidents(first: 1, where: {summary: "` + strings.Repeat("x", L.MaxStringLength+1) + `"}) { totalCount } }`, nil,
			benkan.ESTRINGTOOLONG, L.MaxStringLength},

		{"pattern at the limit", patternVar, map[string]any{"p": strings.Repeat("a", L.MaxPatternLength)}, "", 0},
		{"pattern past the limit", patternVar, map[string]any{"p": strings.Repeat("a", L.MaxPatternLength+1)}, benkan.EPATTERNTOOLONG, L.MaxPatternLength},
		{"wildcards count twice, at the limit", patternVar, map[string]any{"p": strings.Repeat("%", L.MaxPatternLength/2)}, "", 0},
		{"wildcards count twice, past the limit", patternVar, map[string]any{"p": strings.Repeat("_", L.MaxPatternLength/2) + "a"}, benkan.EPATTERNTOOLONG, L.MaxPatternLength},
		{"a million %", patternVar, map[string]any{"p": strings.Repeat("%", 1_000_000)}, benkan.ESTRINGTOOLONG, L.MaxStringLength},
		{"inline pattern at the limit", inlinePattern(strings.Repeat("a", L.MaxPatternLength)), nil, "", 0},
		{"inline pattern past the limit", inlinePattern(strings.Repeat("a", L.MaxPatternLength+1)), nil, benkan.EPATTERNTOOLONG, L.MaxPatternLength},
		{"pattern inside a variable filter, past the limit", whereVar, map[string]any{"w": map[string]any{"not": map[string]any{"summaryHasSuffix": strings.Repeat("a", L.MaxPatternLength+1)}}},
			benkan.EPATTERNTOOLONG, L.MaxPatternLength},
		{"pattern on an edge filter, past the limit", `{ incidents(first: 1, where: {hasLocalityWith: {nameContains: "` + strings.Repeat("a", L.MaxPatternLength+1) + `"}}) { totalCount } }`, nil,
			benkan.EPATTERNTOOLONG, L.MaxPatternLength},

		{"introspection lists once", apitest.IntrospectionQuery, nil, "", 0},
		{"introspection lists nested", `{ __schema { types { fields { type { fields { type { name } } } } } } }`, nil, benkan.EINTROSPECTIONREPEATS, 1},
		{"introspection twice through aliases", `{ a: __schema { types { name } } b: __schema { types { name } } }`, nil, benkan.EINTROSPECTIONREPEATS, 1},
		{"introspection twice through a fragment", `{ __type(name: "Incident") { ...T ofType { ...T } } } fragment T on __Type { fields { name } }`, nil, benkan.EINTROSPECTIONREPEATS, 1},
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		newFixture(t, db.Client, 3)
		srv := apitest.Start(t, db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := srv.Query(t, tt.query, tt.vars)
				if tt.code == "" {
					r.OK(t, nil)
					return
				}
				wantLimit(t, r, tt.code, tt.limit)
			})
		}
	})
}

// TestLimitsAnonymous: an anonymous request is measured before it is
// refused as anonymous, so the exponential fragment document costs it no
// more than anyone else.
func TestLimitsAnonymous(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db).As(t, "")
		wantLimit(t, srv.Query(t, doubling(22), nil), benkan.ETOOMANYSPREADS, graph.DefaultLimits.MaxFragmentSpreads)
		wantLimit(t, srv.Query(t, `query($w: IncidentWhereInput) { incidents(first: 1, where: $w) { totalCount } }`,
			map[string]any{"w": notsVar(9000)}), benkan.EINPUTTOODEEP, graph.DefaultLimits.MaxInputDepth)
	})
}

// TestConfiguredLimits: the limits are those configured, not the defaults.
func TestConfiguredLimits(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.StartWith(t, db, apitest.Options{Limits: graph.Limits{MaxAliases: 3, MaxRootFields: 3, MaxPatternLength: 4, MaxListSize: 2}})
		srv.Query(t, `{ localities(first: 1) { edges { node { a: name b: name c: name } } } }`, nil).OK(t, nil)
		wantLimit(t, srv.Query(t, `{ localities(first: 1) { edges { node { a: name b: name c: name d: name } } } }`, nil), benkan.ETOOMANYALIASES, 3)
		wantLimit(t, srv.Query(t, `{ localities { totalCount } b: localities { totalCount } c: localities { totalCount } d: localities { totalCount } }`, nil),
			benkan.ETOOMANYROOTFIELDS, 3)
		srv.Query(t, `{ incidents(where: {summaryContains: "ab%"}) { totalCount } }`, nil).OK(t, nil)
		wantLimit(t, srv.Query(t, `{ incidents(where: {summaryContains: "abc%"}) { totalCount } }`, nil), benkan.EPATTERNTOOLONG, 4)
		wantLimit(t, srv.Query(t, `{ incidents(where: {statusIn: [REPORTED, VERIFIED, CLOSED]}) { totalCount } }`, nil), benkan.ELISTTOOLONG, 2)
	})
}

// TestNULRefused: a NUL byte in any string input is refused with
// BAD_USER_INPUT before anything runs, inline or in a variable, in a query
// or a mutation, on both databases (PostgreSQL cannot store it).
func TestNULRefused(t *testing.T) {
	tests := []struct {
		name  string
		query string
		vars  map[string]any
		field string
	}{
		{"inline filter", `{ incidents(first: 1, where: {summaryContains: "a\u0000b"}) { totalCount } }`, nil, "incidents.where.summaryContains"},
		{"variable filter", `query($p: String) { incidents(first: 1, where: {summaryContains: $p}) { totalCount } }`, map[string]any{"p": "a\x00b"}, "$p"},
		{"variable object", `query($w: IncidentWhereInput) { incidents(first: 1, where: $w) { totalCount } }`,
			map[string]any{"w": map[string]any{"referenceIn": []any{"NIO-2023-0001", "\x00"}}}, "$w.referenceIn"},
		{"inline mutation input", `mutation { createViolationType(input: {code: "nul", labelFr: "a\u0000", labelEn: "b"}) { id } }`, nil,
			"createViolationType.input.labelFr"},
		{"variable mutation input", `mutation($in: CreateViolationTypeInput!) { createViolationType(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"code": "nul", "labelFr": "a", "labelEn": "\x00"}}, "$in.labelEn"},
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		newFixture(t, db.Client, 1)
		srv := apitest.Start(t, db)
		before := rowCounts(t, db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := srv.Query(t, tt.query, tt.vars)
				e := wantError(t, r, benkan.EINVALID, tt.field)
				wantNoData(t, r)
				if !strings.Contains(e.Message, "NUL") {
					t.Errorf("the message does not state the rule: %q", e.Message)
				}
			})
		}
		wantSameCounts(t, db, before)
	})
}

// TestLimitsOverGET: the variables of a GET request are measured like a
// POST's, before the query is parsed.
func TestLimitsOverGET(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		deep, err := json.Marshal(notsVar(graph.DefaultLimits.MaxInputDepth + 1))
		if err != nil {
			t.Fatal(err)
		}
		q := url.Values{
			"query":     {`query($w: IncidentWhereInput) { incidents(first: 1, where: $w) { totalCount } }`},
			"variables": {`{"w": ` + string(deep) + `}`},
		}
		wantLimit(t, getGraphQL(t, srv, q.Encode()), benkan.EINPUTTOODEEP, graph.DefaultLimits.MaxInputDepth)
		q.Set("variables", `{"w": {"summaryContains": "a\u0000"}}`)
		wantError(t, getGraphQL(t, srv, q.Encode()), benkan.EINVALID, "$w.summaryContains")
	})
}
