package graph_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// The review of involvementAggregate as a partner trying to learn what it
// may not see, played against the demo data over HTTP. Each attack that
// finds nothing stays as a test that the protection holds: DIHR's inputs
// that would slice people finer than its grid are refused, and those that
// GraphQL coerces (a single value for a list, variables, aliases,
// fragments, an offset time zone) answer exactly what the plain query
// answers; the monitor counts nothing outside its localities and nothing by
// the actors' demographics, however the dimension is spelled; the liaison
// gets FORBIDDEN for every input, before any other error could tell it
// something; bad input gets a stable extensions.code, never a count.

// reviewIDs are ids of the demo data an attacker reads from public lists:
// localities and violation types (every role reads them), and one incident.
type reviewIDs struct {
	niono, kayesCercle, segou, vtype, incident string
}

func demoReviewIDs(t *testing.T, coord *apitest.Server) reviewIDs {
	t.Helper()
	var data struct {
		Localities struct {
			Edges []struct {
				Node struct{ ID, Name, Level string }
			}
		}
		ViolationTypes struct {
			Edges []struct{ Node struct{ ID string } }
		}
		Incidents struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	coord.Query(t, `{ localities(first: 200) { edges { node { id name level } } }
	  violationTypes(first: 1) { edges { node { id } } }
	  incidents(first: 1) { edges { node { id } } } }`, nil).OK(t, &data)
	var ids reviewIDs
	for _, e := range data.Localities.Edges {
		switch n := e.Node; {
		case n.Name == "Niono" && n.Level == "COMMUNE":
			ids.niono = n.ID
		case n.Name == "Kayes" && n.Level == "CERCLE":
			ids.kayesCercle = n.ID
		case n.Name == "Ségou" && n.Level == "REGION":
			ids.segou = n.ID
		}
	}
	if len(data.ViolationTypes.Edges) == 0 || len(data.Incidents.Edges) == 0 || ids.niono == "" || ids.kayesCercle == "" || ids.segou == "" {
		t.Fatalf("demo data lacks the localities, violation types or incidents the review needs: %+v", data)
	}
	ids.vtype, ids.incident = data.ViolationTypes.Edges[0].Node.ID, data.Incidents.Edges[0].Node.ID
	return ids
}

// countIn matches a published count in a response body.
var countIn = regexp.MustCompile(`"count":\s*[0-9]`)

// wantRefused fails unless r is exactly one error of code, no data for the
// aggregate and no count anywhere in the body.
func wantRefused(t *testing.T, r *apitest.Response, code string) {
	t.Helper()
	e := r.Code(t, code)
	wantNoData(t, r)
	if countIn.Match(r.Body) {
		t.Fatalf("a refused count of people publishes a count: %s", r.Body)
	}
	wantNoSQLLeak(t, e)
}

// canonical is the aggregate of a response body as JSON with its aliases
// removed, to compare two spellings of one question.
func canonical(t *testing.T, r *apitest.Response, alias string) string {
	t.Helper()
	r.OK(t, nil)
	var data map[string]json.RawMessage
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatal(err)
	}
	v, ok := data[alias]
	if !ok {
		t.Fatalf("no %s in %s", alias, r.Data)
	}
	return string(v)
}

// peopleLiteral is involvementAggregate with literal arguments args.
func peopleLiteral(args string) string {
	return `{ involvementAggregate(` + args + `) { threshold noiseBound cells { ...cell } totals { ...cell } } }
fragment cell on InvolvementCell { groupedBy locality { id name level } violationType { code } status period { start end } role gender ageBracket category count protected }`
}

// TestPeopleReviewDIHRInputs: DIHR's inputs that would slice people finer
// than the grid of whole categories and whole years are refused with
// BAD_USER_INPUT or FORBIDDEN (duplicates in a list, two values, a from or
// to off 1 January 00:00 UTC however it is written, weeks, the report
// date in a filter only); those GraphQL coerces to the same question answer
// exactly what the plain query answers (so no spelling gets other noise).
func TestPeopleReviewDIHRInputs(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		loadDemoT(t, srv, db)
		dihr, coord := srv.As(t, "dihr.officer"), srv.As(t, "sory.diakite")
		ids := demoReviewIDs(t, coord)
		y := `from: "2023-01-01T00:00:00Z", to: "2024-01-01T00:00:00Z"`
		for _, tt := range []struct {
			name, args, code string
		}{
			{"a role twice", y + `, groupBy: [GENDER], filter: {roles: [VICTIM, VICTIM]}`, "BAD_USER_INPUT"},
			{"two roles", y + `, groupBy: [GENDER], filter: {roles: [VICTIM, WITNESS]}`, "BAD_USER_INPUT"},
			{"a status twice", y + `, groupBy: [ROLE], filter: {statuses: [VERIFIED, VERIFIED]}`, "BAD_USER_INPUT"},
			{"a locality twice", y + `, groupBy: [ROLE], filter: {localities: ["` + ids.niono + `", "` + ids.niono + `"]}`, "BAD_USER_INPUT"},
			{"a region and a commune in it", y + `, groupBy: [ROLE], filter: {localities: ["` + ids.segou + `", "` + ids.niono + `"]}`, "BAD_USER_INPUT"},
			{"a violation type twice", y + `, groupBy: [ROLE], filter: {violationTypes: ["` + ids.vtype + `", "` + ids.vtype + `"]}`, "BAD_USER_INPUT"},
			{"from an hour off UTC new year", `from: "2023-01-01T00:00:00+01:00", to: "2024-01-01T00:00:00Z", groupBy: [ROLE]`, "BAD_USER_INPUT"},
			{"to a second before new year", `from: "2023-01-01T00:00:00Z", to: "2023-12-31T23:59:59Z", groupBy: [ROLE]`, "BAD_USER_INPUT"},
			{"to a nanosecond after new year", `from: "2023-01-01T00:00:00Z", to: "2024-01-01T00:00:00.000000001Z", groupBy: [ROLE]`, "BAD_USER_INPUT"},
			{"from mid-year, to open", `from: "2023-07-01T00:00:00Z", groupBy: [ROLE]`, "BAD_USER_INPUT"},
			{"to mid-year, from open", `to: "2023-07-01T00:00:00Z", groupBy: [ROLE]`, "BAD_USER_INPUT"},
			{"weeks", y + `, groupBy: [PERIOD], bucket: WEEK`, "BAD_USER_INPUT"},
			{"a range on the report date, not grouped by it", y + `, dateField: REPORTED_AT, groupBy: [ROLE]`, "FORBIDDEN"},
			{"a huge grid of months", `from: "1900-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z", groupBy: [PERIOD]`, "BAD_USER_INPUT"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				wantRefused(t, dihr.Query(t, peopleLiteral(tt.args), nil), tt.code)
			})
		}

		// The same question spelled otherwise: the same answer, byte for
		// byte (the same cells, the same noise, the same protection).
		same := []struct {
			name         string
			plain, spelt string
			vars         map[string]any
		}{
			{name: "a single dimension for a list", plain: peopleLiteral(y + `, groupBy: [ROLE]`), spelt: peopleLiteral(y + `, groupBy: ROLE`)},
			{name: "a single role for a list", plain: peopleLiteral(y + `, groupBy: [GENDER], filter: {roles: [VICTIM]}`), spelt: peopleLiteral(y + `, groupBy: [GENDER], filter: {roles: VICTIM}`)},
			{name: "an empty list of roles", plain: peopleLiteral(y + `, groupBy: [ROLE, GENDER]`), spelt: peopleLiteral(y + `, groupBy: [ROLE, GENDER], filter: {roles: [], statuses: [], localities: [], violationTypes: []}`)},
			{name: "explicit nulls", plain: peopleLiteral(`groupBy: [ROLE]`), spelt: peopleLiteral(`groupBy: [ROLE], from: null, to: null, filter: null`)},
			{name: "new year in another zone", plain: peopleLiteral(y + `, groupBy: [ROLE, AGE_BRACKET]`), spelt: peopleLiteral(`from: "2022-12-31T23:00:00-01:00", to: "2024-01-01T02:00:00+02:00", groupBy: [ROLE, AGE_BRACKET]`)},
			{name: "dates for instants", plain: peopleLiteral(y + `, groupBy: [ROLE, PERIOD], bucket: QUARTER`), spelt: peopleLiteral(`from: "2023-01-01", to: "2024-01-01", groupBy: [ROLE, PERIOD], bucket: QUARTER`)},
			{name: "variables", plain: peopleLiteral(y + `, groupBy: [GENDER, AGE_BRACKET], filter: {roles: [VICTIM]}`), spelt: peopleQuery,
				vars: aggVars([]string{"GENDER", "AGE_BRACKET"}, year2023, victims)},
			{name: "an alias among others", plain: peopleLiteral(y + `, groupBy: [ROLE, GENDER]`),
				spelt: `{ a: involvementAggregate(` + y + `, groupBy: [ROLE]) { totals { count } }
				  involvementAggregate(` + y + `, groupBy: [ROLE, GENDER]) { threshold noiseBound cells { ...cell } totals { ...cell } }
				  b: involvementAggregate(` + y + `, groupBy: [GENDER], filter: {roles: [VICTIM]}) { cells { count } } }
				fragment cell on InvolvementCell { groupedBy locality { id name level } violationType { code } status period { start end } role gender ageBracket category count protected }`},
			{name: "through a fragment on Query", plain: peopleLiteral(y + `, groupBy: [STATUS]`),
				spelt: `query { ...q } fragment q on Query { involvementAggregate(` + y + `, groupBy: [STATUS]) { threshold noiseBound cells { ...cell } totals { ...cell } } }
				fragment cell on InvolvementCell { groupedBy locality { id name level } violationType { code } status period { start end } role gender ageBracket category count protected }`},
		}
		for _, tt := range same {
			t.Run("same: "+tt.name, func(t *testing.T) {
				want := canonical(t, dihr.Query(t, tt.plain, nil), "involvementAggregate")
				got := canonical(t, dihr.Query(t, tt.spelt, tt.vars), "involvementAggregate")
				if got != want {
					t.Errorf("the same question spelled otherwise answers otherwise:\nplain %s\nspelt %s", want, got)
				}
				if !strings.Contains(want, `"threshold":5`) {
					t.Errorf("DIHR counts people without its threshold: %s", want)
				}
			})
		}
	})
}

// peopleTotal asks args of srv and returns the overall total (the last of
// totals), which must be published.
func peopleTotal(t *testing.T, srv *apitest.Server, args string) (int, peopleAnswer) {
	t.Helper()
	var a peopleAnswer
	srv.Query(t, peopleLiteral(args), nil).OK(t, &a)
	ts := a.InvolvementAggregate.Totals
	if len(ts) == 0 || ts[len(ts)-1].Count == nil || len(ts[len(ts)-1].GroupedBy) != 0 {
		t.Fatalf("%s: no published overall total: %+v", args, ts)
	}
	return *ts[len(ts)-1].Count, a
}

// TestPeopleReviewMonitor: the monitor of Niono counts exactly the people
// of the incidents of Niono, the coordinator's count filtered by Niono,
// whatever it filters or groups by: a locality outside (the cercle of
// Kayes) counts nobody, a region holding Niono counts Niono alone, every
// locality key at every level is Niono or above it and no person is keyed
// to a null locality (and the monitors of Kayes and Fourou count exactly
// their communes' people, none of Niono's); grouping by the actors'
// demographics is FORBIDDEN
// however the dimension is spelled (a literal, an alias next to a count it
// may ask, a fragment, a variable), with no count in the answer.
func TestPeopleReviewMonitor(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		loadDemoT(t, srv, db)
		mon, coord := srv.As(t, "monitor.niono"), srv.As(t, "sory.diakite")
		ids := demoReviewIDs(t, coord)
		inNiono := `filter: {localities: ["` + ids.niono + `"]}`
		truth, _ := peopleTotal(t, coord, `groupBy: [ROLE], `+inNiono)
		all, _ := peopleTotal(t, coord, `groupBy: [ROLE]`)
		kayes, _ := peopleTotal(t, coord, `groupBy: [ROLE], filter: {localities: ["`+ids.kayesCercle+`"]}`)
		if truth == 0 || kayes == 0 || all <= truth {
			t.Fatalf("the demo data holds no people in Niono (%d), in Kayes (%d) or elsewhere (%d in all): the review proves nothing", truth, kayes, all)
		}
		for _, tt := range []struct {
			name, args string
			want       int
		}{
			{"everything", `groupBy: [ROLE]`, truth},
			{"by status and violation type", `groupBy: [STATUS, VIOLATION_TYPE]`, truth},
			{"the cercle of Kayes, outside", `groupBy: [ROLE], filter: {localities: ["` + ids.kayesCercle + `"]}`, 0},
			{"the region of Ségou, holding Niono", `groupBy: [ROLE], filter: {localities: ["` + ids.segou + `"]}`, truth},
			{"by region", `groupBy: [LOCALITY], localityLevel: REGION`, truth},
			{"by cercle", `groupBy: [LOCALITY, ROLE], localityLevel: CERCLE`, truth},
			{"by commune", `groupBy: [LOCALITY], localityLevel: COMMUNE`, truth},
			{"by commune, of Kayes", `groupBy: [LOCALITY], localityLevel: COMMUNE, filter: {localities: ["` + ids.kayesCercle + `"]}`, 0},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got, a := peopleTotal(t, mon, tt.args)
				if got != tt.want {
					t.Errorf("the monitor counts %d people, want %d (Niono has %d, Kayes %d, all %d)", got, tt.want, truth, kayes, all)
				}
				if a.InvolvementAggregate.Threshold != nil {
					t.Errorf("the monitor counts under a threshold: it counts exactly")
				}
				for _, c := range a.InvolvementAggregate.Cells {
					if slices.Contains(c.GroupedBy, "LOCALITY") && c.Count != nil && *c.Count > 0 {
						if c.Locality == nil {
							t.Errorf("the monitor counts %d people at a null locality: %+v", *c.Count, c)
						} else if n := c.Locality.Name; n != "Niono" && n != "Ségou" {
							t.Errorf("the monitor counts %d people in %s/%s, outside Niono", *c.Count, n, c.Locality.Level)
						}
					}
				}
			})
		}
		// The other monitors, each in its commune: exactly its people.
		var communes struct {
			Localities struct {
				Edges []struct{ Node struct{ ID, Name string } }
			}
		}
		coord.Query(t, `{ localities(first: 200, where: {level: COMMUNE}) { edges { node { id name } } } }`, nil).OK(t, &communes)
		for _, m := range []struct{ who, commune string }{{"monitor.kayes", "Kayes"}, {"monitor.fourou", "Fourou"}} {
			id := ""
			for _, e := range communes.Localities.Edges {
				if e.Node.Name == m.commune {
					id = e.Node.ID
				}
			}
			if id == "" {
				t.Fatalf("no commune %s in the demo data", m.commune)
			}
			want, _ := peopleTotal(t, coord, `groupBy: [ROLE], filter: {localities: ["`+id+`"]}`)
			if got, _ := peopleTotal(t, srv.As(t, m.who), `groupBy: [STATUS]`); got != want {
				t.Errorf("%s counts %d people, want the %d of %s", m.who, got, want, m.commune)
			}
			if got, _ := peopleTotal(t, srv.As(t, m.who), `groupBy: [ROLE], filter: {localities: ["`+ids.niono+`"]}`); got != 0 {
				t.Errorf("%s counts %d people in Niono, outside its commune", m.who, got)
			}
		}
		y := `from: "2023-01-01T00:00:00Z", to: "2024-01-01T00:00:00Z"`
		frag := `fragment cell on InvolvementCell { groupedBy role gender ageBracket category count protected }`
		for _, tt := range []struct {
			name, query string
			vars        map[string]any
		}{
			{"gender", peopleLiteral(`groupBy: [GENDER]`), nil},
			{"age bracket", peopleLiteral(y + `, groupBy: [AGE_BRACKET]`), nil},
			{"category", peopleLiteral(`groupBy: CATEGORY`), nil},
			{"category after role", peopleLiteral(`groupBy: [ROLE, CATEGORY]`), nil},
			{"an alias next to an allowed count", `{ ok: involvementAggregate(groupBy: [ROLE]) { cells { ...cell } } g: involvementAggregate(groupBy: [GENDER]) { cells { ...cell } } } ` + frag, nil},
			{"a fragment on Query", `query { ...q } fragment q on Query { involvementAggregate(groupBy: [CATEGORY]) { cells { ...cell } totals { ...cell } } } ` + frag, nil},
			{"an inline fragment", `{ ... on Query { involvementAggregate(groupBy: [AGE_BRACKET]) { totals { ...cell } } } } ` + frag, nil},
			{"a variable", `query($g: [InvolvementDimension!]!) { involvementAggregate(groupBy: $g) { totals { ...cell } } } ` + frag, map[string]any{"g": "GENDER"}},
		} {
			t.Run("by "+tt.name, func(t *testing.T) {
				wantRefused(t, mon.Query(t, tt.query, tt.vars), "FORBIDDEN")
			})
		}
	})
}

// TestPeopleReviewLiaison: the liaison may not count people; every input,
// good or bad, answers FORBIDDEN with no data and no count, so that no
// other error (a bad locality, a range off the grid, a dimension named
// twice, one it may not group by) tells it anything (a malformed id
// excepted: its scalar refuses it, whatever the data), nor does a count
// of incidents by the actors' demographics; asked next to a count
// of incidents it may ask, the whole answer is refused. The schema's
// introspection still describes the field.
func TestPeopleReviewLiaison(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		loadDemoT(t, srv, db)
		fsi, coord := srv.As(t, "fsi.niono"), srv.As(t, "sory.diakite")
		ids := demoReviewIDs(t, coord)
		for _, args := range []string{
			`groupBy: []`,
			`groupBy: [ROLE]`,
			`groupBy: [LOCALITY], localityLevel: COMMUNE, filter: {localities: ["` + ids.niono + `"]}`,
			`groupBy: [STATUS], filter: {statuses: [VERIFIED], roles: [ALLEGED_PERPETRATOR]}`,
			`groupBy: [GENDER, AGE_BRACKET, CATEGORY, ROLE]`,
			`groupBy: [ROLE, ROLE]`,
			`groupBy: [PERIOD]`,
			`groupBy: [PERIOD], bucket: WEEK, from: "2023-03-05T00:00:00Z", to: "2023-04-01T00:00:00Z"`,
			`from: "2024-01-01T00:00:00Z", to: "2023-01-01T00:00:00Z"`,
			`filter: {localities: ["` + ids.incident + `"]}`,
			`filter: {roles: [VICTIM, WITNESS], statuses: [VERIFIED, CLOSED]}`,
			`dateField: REPORTED_AT, from: "2023-01-01T00:00:00Z"`,
		} {
			t.Run(args, func(t *testing.T) {
				wantRefused(t, fsi.Query(t, peopleLiteral(args), nil), "FORBIDDEN")
			})
		}
		// A malformed id is refused by its scalar before any resolver, for
		// every role alike: it depends on the text alone, never on data.
		wantRefused(t, fsi.Query(t, peopleLiteral(`filter: {localities: ["nowhere"]}`), nil), "BAD_USER_INPUT")
		// Nor through a count of incidents by their actors' demographics,
		// which the liaison may not read (the matrix: gender, age bracket,
		// category "no").
		for _, d := range []string{"VICTIM_GENDER", "VICTIM_AGE_BRACKET", "PERPETRATOR_CATEGORY"} {
			wantRefused(t, fsi.Query(t, `{ incidentAggregate(groupBy: [`+d+`]) { cells { count protected } totals { count protected } } }`, nil), "FORBIDDEN")
		}
		r := fsi.Query(t, `{ incidentAggregate(groupBy: [STATUS]) { totals { count } } involvementAggregate(groupBy: [ROLE]) { totals { count } } }`, nil)
		wantRefused(t, r, "FORBIDDEN")
		var intro struct {
			Type struct{ Fields []struct{ Name string } } `json:"__type"`
		}
		fsi.Query(t, `{ __type(name: "InvolvementAggregate") { fields { name } } }`, nil).OK(t, &intro)
		if len(intro.Type.Fields) == 0 {
			t.Errorf("the liaison cannot introspect InvolvementAggregate")
		}
	})
}

// TestPeopleReviewBadInput: bad input to a count of people gets one
// GraphQL error with a stable extensions.code and no count, for the
// coordinator (exact) and DIHR (protected) alike: an unknown dimension (as
// a literal or a variable), more dimensions than allowed (refused by cost
// before any statement), a dimension twice, a malformed id, the id of
// another type where a locality or a violation type is expected, a range
// backwards, too many periods.
func TestPeopleReviewBadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		loadDemoT(t, srv, db)
		coord := srv.As(t, "sory.diakite")
		ids := demoReviewIDs(t, coord)
		for _, who := range []string{"sory.diakite", "dihr.officer"} {
			as := srv.As(t, who)
			for _, tt := range []struct {
				name, query string
				vars        map[string]any
				code        string
			}{
				{"an unknown dimension", peopleLiteral(`groupBy: [NAME]`), nil, "GRAPHQL_VALIDATION_FAILED"},
				{"an unknown dimension in a variable", peopleQuery, map[string]any{"groupBy": []string{"FULL_NAME"}}, "GRAPHQL_VALIDATION_FAILED"},
				{"an unknown level", peopleLiteral(`groupBy: [LOCALITY], localityLevel: VILLAGE`), nil, "GRAPHQL_VALIDATION_FAILED"},
				{"an unknown role", peopleQuery, aggVars([]string{}, map[string]any{"filter": map[string]any{"roles": []string{"SUSPECT"}}}), "GRAPHQL_VALIDATION_FAILED"},
				{"a null dimension", peopleQuery, map[string]any{"groupBy": []any{nil}}, "GRAPHQL_VALIDATION_FAILED"},
				{"five dimensions", peopleLiteral(`groupBy: [ROLE, GENDER, AGE_BRACKET, CATEGORY, STATUS]`), nil, "COMPLEXITY_LIMIT_EXCEEDED"},
				{"a thousand dimensions", peopleQuery, aggVars(slices.Repeat([]string{"ROLE"}, 1000)), "COMPLEXITY_LIMIT_EXCEEDED"},
				{"a dimension twice", peopleLiteral(`groupBy: [ROLE, GENDER, ROLE]`), nil, "BAD_USER_INPUT"},
				{"a malformed locality", peopleLiteral(`filter: {localities: ["loc_1"]}`), nil, "BAD_USER_INPUT"},
				{"an incident for a locality", peopleLiteral(`filter: {localities: ["` + ids.incident + `"]}`), nil, "BAD_USER_INPUT"},
				{"a locality for a violation type", peopleLiteral(`filter: {violationTypes: ["` + ids.niono + `"]}`), nil, "BAD_USER_INPUT"},
				{"a range backwards", peopleLiteral(`from: "2024-01-01T00:00:00Z", to: "2023-01-01T00:00:00Z"`), nil, "BAD_USER_INPUT"},
				{"too many periods", peopleLiteral(`groupBy: [PERIOD], bucket: MONTH, from: "1900-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z"`), nil, "BAD_USER_INPUT"},
				{"a time that is none", peopleLiteral(`from: "yesterday"`), nil, "BAD_USER_INPUT"},
			} {
				t.Run(who+": "+tt.name, func(t *testing.T) {
					wantRefused(t, as.Query(t, tt.query, tt.vars), tt.code)
				})
			}
		}
	})
}

// TestPeopleReviewSameInvolvementsSameAnswer: DIHR asks the same people
// two ways, a cell of a grouping and the total of a filter on that cell's
// key (a role, a status, a violation type, a cercle), each cut by an
// actor's dimension (gender, age bracket, category); and the overall total
// grouped by anything. The same involvements must get the same answer
// (the same noise, the same protection): two answers of one count with two
// noises could be averaged into it.
func TestPeopleReviewSameInvolvementsSameAnswer(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		loadDemoT(t, srv, db)
		dihr := srv.As(t, "dihr.officer")
		ranges := []map[string]any{year2023, {}}
		filterOf := map[string]func(c reviewCell) (string, any){
			"ROLE":           func(c reviewCell) (string, any) { return "roles", []string{*c.Role} },
			"STATUS":         func(c reviewCell) (string, any) { return "statuses", []string{*c.Status} },
			"VIOLATION_TYPE": func(c reviewCell) (string, any) { return "violationTypes", []string{c.ViolationType.ID} },
			"LOCALITY":       func(c reviewCell) (string, any) { return "localities", []string{c.Locality.ID} },
		}
		compared, protected := 0, 0
		for _, rg := range ranges {
			var overall *int
			for _, by := range [][]string{{}, {"VIOLATION_TYPE"}, {"CATEGORY"}, {"LOCALITY", "ROLE"}, {"STATUS", "AGE_BRACKET", "GENDER"}} {
				a := askReview(t, dihr, aggVars(by, rg))
				tot := a.InvolvementAggregate.Totals[len(a.InvolvementAggregate.Totals)-1]
				if tot.Count == nil {
					t.Fatalf("DIHR's overall total is protected: the demo data is too small to review")
				}
				if overall != nil && *overall != *tot.Count {
					t.Errorf("over %v, the overall total grouped by %v is %d, grouped otherwise %d", rg, by, *tot.Count, *overall)
				}
				overall = tot.Count
			}
			for d, filter := range filterOf {
				for _, g := range []string{"GENDER", "AGE_BRACKET", "CATEGORY"} {
					grouped := askReview(t, dihr, aggVars([]string{d, g}, rg, map[string]any{"level": "CERCLE"}))
					for _, c := range grouped.InvolvementAggregate.Cells {
						if d == "LOCALITY" && c.Locality == nil {
							continue // no filter names the incidents above the cercles
						}
						arg, v := filter(c)
						alone := askReview(t, dihr, aggVars([]string{g}, rg, map[string]any{"filter": map[string]any{arg: v}}))
						for _, o := range alone.InvolvementAggregate.Cells {
							if o.key(g) != c.key(g) {
								continue
							}
							compared++
							if o.Protected {
								protected++
							}
							if o.Protected != c.Protected || (o.Count != nil && *o.Count != *c.Count) {
								t.Errorf("over %v, %s=%s %s=%s: as a cell %s, as a filter %s: the same people answered twice differently",
									rg, d, c.key(d), g, c.key(g), show(c), show(o))
							}
						}
					}
				}
			}
		}
		if compared == 0 || protected == 0 || protected == compared {
			t.Fatalf("%d counts compared, %d protected: the review compares nothing of interest", compared, protected)
		}
		t.Logf("%d counts compared, %d of them protected", compared, protected)
	})
}

// reviewQuery is peopleQuery with the violation type's id.
var reviewQuery = strings.Replace(peopleQuery, "violationType { code }", "violationType { id code }", 1)

// reviewCell is a peopleCell with its violation type's id (peopleCell's
// own ViolationType stays nil).
type reviewCell struct {
	peopleCell
	ViolationType *struct{ ID, Code string }
}

// key is the cell's key of d, as peopleCell.key.
func (c reviewCell) key(d string) string {
	if d == "VIOLATION_TYPE" && c.ViolationType != nil {
		return c.ViolationType.Code
	}
	return c.peopleCell.key(d)
}

type reviewAnswer struct {
	InvolvementAggregate struct {
		Cells, Totals []reviewCell
	}
}

func askReview(t *testing.T, srv *apitest.Server, vars map[string]any) reviewAnswer {
	t.Helper()
	var a reviewAnswer
	srv.Query(t, reviewQuery, vars).OK(t, &a)
	return a
}

// show is a cell's published value: its count or "protected".
func show(c reviewCell) string {
	if c.Protected || c.Count == nil {
		return "protected"
	}
	return strconv.Itoa(*c.Count)
}
