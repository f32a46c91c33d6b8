package graph_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// nested returns open and close repeated n times around inner.
func nested(open, inner, close string, n int) string {
	return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
}

// TestBadInput: every malformed or over-limit request gets one GraphQL
// error with a stable extensions.code, never a 5xx and never INTERNAL.
func TestBadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db.Client, 3)
		srv := apitest.Start(t, db)
		niono := string(f.niono.ID)
		ids101 := make([]string, 101)
		for i := range ids101 {
			ids101[i] = string(gid.New("inc"))
		}
		// locality { parent { parent ... { id } } }: 1 + parents + 1 levels.
		parents := func(n int) string {
			return `{ node(id: "` + niono + `") { ... on Locality { ` + nested("parent { ", "id", " }", n) + ` } } }`
		}
		tests := []struct {
			name    string
			query   string
			vars    map[string]any
			code    string
			partial bool   // data may hold the fields that did not fail
			mention string // the message names this
		}{
			// The document itself.
			{name: "unterminated selection", query: `{ incidents(first: 1) { `, code: "GRAPHQL_PARSE_FAILED"},
			{name: "not GraphQL", query: `SELECT * FROM incidents`, code: "GRAPHQL_PARSE_FAILED"},
			{name: "too many tokens", query: "{ " + strings.Repeat("__typename ", 16000) + "}", code: "GRAPHQL_PARSE_FAILED", mention: "token"},
			{name: "empty document", query: ``, code: "GRAPHQL_VALIDATION_FAILED"},
			{name: "unknown field", query: `{ incidents(first: 1) { edges { node { nope } } } }`, code: "GRAPHQL_VALIDATION_FAILED", mention: "nope"},
			{name: "unknown argument", query: `{ incidents(top: 1) { totalCount } }`, code: "GRAPHQL_VALIDATION_FAILED", mention: "top"},
			{name: "string for an Int", query: `{ incidents(first: "ten") { totalCount } }`, code: "GRAPHQL_VALIDATION_FAILED"},
			{name: "string for an Int variable", query: `query($first: Int) { incidents(first: $first) { totalCount } }`,
				vars: map[string]any{"first": "ten"}, code: "GRAPHQL_VALIDATION_FAILED"},
			{name: "float for an Int variable", query: `query($first: Int) { incidents(first: $first) { totalCount } }`,
				vars: map[string]any{"first": 2.5}, code: "GRAPHQL_VALIDATION_FAILED"},
			{name: "missing required variable", query: `query($first: Int!) { incidents(first: $first) { totalCount } }`, code: "GRAPHQL_VALIDATION_FAILED"},
			{name: "unknown enum value", query: `{ incidents(first: 1, where: {status: DONE}) { totalCount } }`, code: "GRAPHQL_VALIDATION_FAILED", mention: "DONE"},
			{name: "unknown enum value in a variable", query: `query($s: IncidentStatus) { incidents(first: 1, where: {status: $s}) { totalCount } }`,
				vars: map[string]any{"s": "DONE"}, code: "GRAPHQL_VALIDATION_FAILED"},
			{name: "enum value as a string", query: `{ incidents(first: 1, where: {status: "VERIFIED"}) { totalCount } }`, code: "GRAPHQL_VALIDATION_FAILED"},
			{name: "unknown order field", query: `{ incidents(first: 1, orderBy: [{field: SEVERITY}]) { totalCount } }`, code: "GRAPHQL_VALIDATION_FAILED"},
			{name: "two operations without a name", query: `query A { __typename } query B { __typename }`, code: "GRAPHQL_VALIDATION_FAILED"},

			// Ids.
			{name: "node with a malformed id", query: `{ node(id: "42") { id } }`, code: "BAD_USER_INPUT", partial: true, mention: "42"},
			{name: "node with an empty id", query: `{ node(id: "") { id } }`, code: "BAD_USER_INPUT", partial: true},
			{name: "node with an upper-case id", query: `{ node(id: "` + strings.ToUpper(niono) + `") { id } }`, code: "BAD_USER_INPUT", partial: true},
			{name: "nodes with 101 ids", query: `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, vars: map[string]any{"ids": ids101},
				code: "BAD_USER_INPUT", partial: true, mention: "100"},
			{name: "nodes with a malformed id", query: `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
				vars: map[string]any{"ids": []string{niono, "loc_1"}}, code: "BAD_USER_INPUT", partial: true},

			// Connections.
			{name: "edges without first or last", query: `{ incidents { edges { node { id } } } }`, code: "BAD_USER_INPUT", mention: "first"},
			{name: "nested edges without first or last", query: `{ localities(first: 5) { edges { node { incidents { edges { node { id } } } } } } }`,
				code: "BAD_USER_INPUT", mention: "first"},
			{name: "first 1001", query: `{ incidents(first: 1001) { totalCount } }`, code: "BAD_USER_INPUT", mention: "1000"},
			{name: "last 1001", query: `{ incidents(last: 1001) { totalCount } }`, code: "BAD_USER_INPUT", mention: "1000"},
			{name: "first 1001 in a variable", query: `query($n: Int) { incidents(first: $n) { totalCount } }`, vars: map[string]any{"n": 1001},
				code: "BAD_USER_INPUT", mention: "1000"},
			{name: "first -1", query: `{ incidents(first: -1) { totalCount } }`, code: "BAD_USER_INPUT"},
			{name: "last -1", query: `{ incidents(last: -1) { totalCount } }`, code: "BAD_USER_INPUT"},
			{name: "first and last", query: `{ incidents(first: 1, last: 1) { totalCount } }`, code: "BAD_USER_INPUT", mention: "not both"},
			{name: "after garbage", query: `{ incidents(first: 1, after: "garbage") { totalCount } }`, code: "BAD_USER_INPUT", mention: "cursor"},
			{name: "before garbage", query: `{ incidents(last: 1, before: "garbage") { totalCount } }`, code: "BAD_USER_INPUT", mention: "cursor"},
			{name: "after garbage in a variable", query: `query($c: Cursor) { incidents(first: 1, after: $c) { totalCount } }`,
				vars: map[string]any{"c": "eyJub3QiOiJhIGN1cnNvciJ9"}, code: "BAD_USER_INPUT", mention: "cursor"},

			// Limits.
			{name: "13 levels of parents", query: parents(11), code: "QUERY_TOO_DEEP", mention: "12"},
			{name: "incident to actor and back, 13 levels", query: `{ incidents(first: 1) { edges { node { involvements { actor { involvements { incident {
			  involvements { actor { involvements { incident { locality { id } } } } } } } } } } } } }`, code: "QUERY_TOO_DEEP"},
			{name: "depth hidden in fragments", query: `{ node(id: "` + niono + `") { ...A } }
			  fragment A on Locality { parent { parent { parent { ...B } } } }
			  fragment B on Locality { parent { parent { parent { ...C } } } }
			  fragment C on Locality { parent { parent { parent { parent { parent { id } } } } } }`, code: "QUERY_TOO_DEEP"},
			{name: "three nested connections of 1000", query: `{ localities(first: 1000) { edges { node {
			  incidents(first: 1000) { edges { node { followUps(first: 1000) { edges { node { id } } } } } } } } } }`,
				code: "COMPLEXITY_LIMIT_EXCEEDED"},
			{name: "two nested connections of 1000", query: `{ localities(first: 1000) { edges { node {
			  children(first: 1000) { edges { node { id } } } } } } }`, code: "COMPLEXITY_LIMIT_EXCEEDED"},
			{name: "cost spread over aliases", query: "{ " + aliases(40, "incidents(first: 1000) { edges { node { id reference status } } }") + " }",
				code: "COMPLEXITY_LIMIT_EXCEEDED"},

			// Scalars.
			{name: "Time yesterday", query: `{ incidents(first: 1, where: {occurredAtGTE: "yesterday"}) { totalCount } }`,
				code: "BAD_USER_INPUT", partial: true, mention: "RFC 3339 (2023-12-18T09:00:00Z) or a date (2023-12-18)"},
			{name: "Time yesterday in a variable", query: `query($t: Time) { incidents(first: 1, where: {occurredAtGTE: $t}) { totalCount } }`,
				vars: map[string]any{"t": "yesterday"}, code: "BAD_USER_INPUT", partial: true, mention: "RFC 3339"},
			{name: "Time in day-month-year order", query: `{ incidents(first: 1, where: {occurredAtGTE: "01/05/2023"}) { totalCount } }`,
				code: "BAD_USER_INPUT", partial: true, mention: "RFC 3339"},
			{name: "Time as a number", query: `{ incidents(first: 1, where: {occurredAtGTE: 1672531200}) { totalCount } }`,
				code: "BAD_USER_INPUT", partial: true, mention: "string"},

			// Empty predicates.
			{name: "where not {}", query: `{ incidents(first: 1, where: {not: {}}) { totalCount } }`, code: "BAD_USER_INPUT", partial: true},
			{name: "where and [{}]", query: `{ incidents(first: 1, where: {and: [{}]}) { totalCount } }`, code: "BAD_USER_INPUT", partial: true},
			{name: "where hasLocalityWith [{}]", query: `{ incidents(first: 1, where: {hasLocalityWith: [{}]}) { totalCount } }`, code: "BAD_USER_INPUT", partial: true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := srv.Query(t, tt.query, tt.vars)
				e := wantError(t, r, tt.code, "")
				if !tt.partial {
					wantNoData(t, r)
				}
				if !strings.Contains(e.Message, tt.mention) {
					t.Errorf("message %q does not mention %q", e.Message, tt.mention)
				}
			})
		}
	})
}

// aliases returns n aliased copies of field.
func aliases(n int, field string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "a%d: %s\n", i, field)
	}
	return b.String()
}

// TestAcceptedInput: the requests next to the limits of TestBadInput are
// served, with the right answer.
func TestAcceptedInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db.Client, 3)
		srv := apitest.Start(t, db)
		inc0, niono := string(f.incidents[0].ID), string(f.niono.ID)
		unknownInc := string(gid.New("inc"))
		ids100 := []string{inc0}
		for len(ids100) < 100 {
			ids100 = append(ids100, string(gid.New("act")))
		}
		// An existing id's random part under another type's prefix.
		otherPrefix := "loc_" + strings.TrimPrefix(inc0, "inc_")

		tests := []struct {
			name  string
			query string
			vars  map[string]any
			want  string // the data, as compact JSON
		}{
			{"totalCount without first", `{ incidents { totalCount } }`, nil, `{"incidents":{"totalCount":3}}`},
			{"pageInfo without first", `{ incidents { totalCount pageInfo { hasNextPage } } }`, nil, `{"incidents":{"totalCount":3,"pageInfo":{"hasNextPage":false}}}`},
			{"first 1000", `{ incidents(first: 1000, orderBy: [{field: REFERENCE}]) { totalCount edges { node { reference } } } }`, nil,
				`{"incidents":{"totalCount":3,"edges":[{"node":{"reference":"TST-2023-0000"}},{"node":{"reference":"TST-2023-0001"}},{"node":{"reference":"TST-2023-0002"}}]}}`},
			{"date-only Time", `{ incidents(where: {occurredAtGTE: "2023-01-02"}) { totalCount } }`, nil, `{"incidents":{"totalCount":2}}`},
			{"date-only Time in a variable", `query($t: Time) { incidents(where: {occurredAtLT: $t}) { totalCount } }`, map[string]any{"t": "2023-01-02"}, `{"incidents":{"totalCount":1}}`},
			{"RFC 3339 Time with nanoseconds", `{ incidents(where: {occurredAtGT: "2023-01-01T00:00:00.000000001Z"}) { totalCount } }`, nil, `{"incidents":{"totalCount":2}}`},
			{"node of an incident", `query($id: ID!) { node(id: $id) { id ... on Incident { reference } } }`, map[string]any{"id": inc0},
				`{"node":{"id":"` + inc0 + `","reference":"TST-2023-0000"}}`},
			{"node of a locality", `query($id: ID!) { node(id: $id) { __typename ... on Locality { name parent { name } } } }`, map[string]any{"id": niono},
				`{"node":{"__typename":"Locality","name":"Niono","parent":{"name":"Ségou"}}}`},
			{"node of an unknown id", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": unknownInc}, `{"node":null}`},
			{"node of an unknown prefix", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": string(gid.New("zzz"))}, `{"node":null}`},
			{"node of an id under another prefix", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": otherPrefix}, `{"node":null}`},
			{"nodes of a known and an unknown id", `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Incident { reference } } }`,
				map[string]any{"ids": []string{inc0, unknownInc}}, `{"nodes":[{"id":"` + inc0 + `","reference":"TST-2023-0000"},null]}`},
			{"nodes of no id", `{ nodes(ids: []) { id } }`, nil, `{"nodes":[]}`},
			{"nodes of 100 ids", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids100},
				`{"nodes":[{"id":"` + inc0 + `"}` + strings.Repeat(",null", 99) + `]}`},
			{"12 levels of parents", `{ node(id: "` + niono + `") { ... on Locality { ` + nested("parent { ", "id", " }", 10) + ` } } }`, nil,
				`{"node":{"parent":{"parent":null}}}`},
			{"two nested connections under the cost limit", `{ localities(first: 10, orderBy: [{field: NAME}]) { edges { node {
			  name incidents(first: 100) { totalCount edges { node { involvements { role } } } } } } } }`, nil, ""},
			{"introspection", `{ __schema { queryType { name } mutationType { name } } }`, nil,
				`{"__schema":{"queryType":{"name":"Query"},"mutationType":{"name":"Mutation"}}}`},
			// Introspection is outside the depth limit: clients' standard
			// introspection query nests ofType deeper than 12.
			{"deep introspection", `{ __type(name: "Incident") { name fields { name } ` +
				nested("ofType { ", "name", " }", 14) + ` } }`, nil, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := srv.Query(t, tt.query, tt.vars)
				r.OK(t, nil)
				if tt.want == "" {
					if len(r.Data) < 3 {
						t.Fatalf("no data: %s", r.Body)
					}
					return
				}
				var got, want any
				if err := json.Unmarshal(r.Data, &got); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
					t.Fatalf("bad want: %v", err)
				}
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				if string(g) != string(w) {
					t.Fatalf("got  %s\nwant %s", g, w)
				}
			})
		}
	})
}

// TestSchemaIsDescribed: every object type and each of its fields, every
// interface, enum, input type and custom scalar has a description, read
// through introspection as a client sees it.
func TestSchemaIsDescribed(t *testing.T) {
	db := storagetest.Databases()[0].Open(t, storage.Config{})
	srv := apitest.Start(t, db)
	var data struct {
		Schema struct {
			Types []struct {
				Kind, Name  string
				Description *string
				Fields      []struct {
					Name        string
					Description *string
				}
			}
		} `json:"__schema"`
	}
	srv.Query(t, `{ __schema { types { kind name description fields(includeDeprecated: true) { name description } } } }`, nil).OK(t, &data)
	builtin := map[string]bool{"String": true, "Int": true, "Float": true, "Boolean": true, "ID": true}
	empty := func(s *string) bool { return s == nil || strings.TrimSpace(*s) == "" }
	var missing []string
	checked := map[string]int{}
	for _, typ := range data.Schema.Types {
		if strings.HasPrefix(typ.Name, "__") || builtin[typ.Name] {
			continue
		}
		kind := map[string]string{"OBJECT": "object", "INTERFACE": "interface", "ENUM": "enum", "INPUT_OBJECT": "input", "SCALAR": "scalar", "UNION": "union"}[typ.Kind]
		checked[kind]++
		if empty(typ.Description) {
			missing = append(missing, kind+" "+typ.Name)
		}
		if typ.Kind == "OBJECT" || typ.Kind == "INTERFACE" {
			for _, fld := range typ.Fields {
				checked["field"]++
				if empty(fld.Description) {
					missing = append(missing, "field "+typ.Name+"."+fld.Name)
				}
			}
		}
	}
	// The test would prove nothing if introspection listed too little.
	if checked["object"] < 20 || checked["enum"] < 10 || checked["input"] < 20 || checked["field"] < 150 {
		t.Fatalf("introspection listed too few types: %v", checked)
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("%d schema elements have no description:\n  %s", len(missing), strings.Join(missing, "\n  "))
	}
}
