package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/activity"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

const filteredIncidents = `query($where: IncidentWhereInput) {
  incidents(first: 100, where: $where, orderBy: [{field: OCCURRED_AT}]) {
    totalCount
    edges { node { reference } }
  }
}`

// TestIncidentFilters checks the filters dashboards use against the answer
// the fixture's rules give: incident i occurred on 2023-01-01 plus i days,
// in Niono (arbitrary_arrest) when i is even and in Kayes (torture) when
// odd, and is VERIFIED when i%3 == 0, REPORTED otherwise.
func TestIncidentFilters(t *testing.T) {
	const n = 25
	even := func(i int) bool { return i%2 == 0 }
	odd := func(i int) bool { return i%2 == 1 }
	verified := func(i int) bool { return i%3 == 0 }
	// day i of the fixture is 2023-01-01 + i days.
	between := func(lo, hi int) func(int) bool { return func(i int) bool { return i >= lo && i < hi } }

	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db.Client, n)
		srv := apitest.Start(t, db)
		niono, kayes := string(f.niono.ID), string(f.kayes.ID)
		torture := []map[string]any{{"code": "torture"}}

		tests := []struct {
			name  string
			where map[string]any
			keep  func(i int) bool
		}{
			{"no filter", nil, all},
			{"status", map[string]any{"status": "VERIFIED"}, verified},
			{"statusNEQ", map[string]any{"statusNEQ": "VERIFIED"}, func(i int) bool { return !verified(i) }},
			{"statusIn", map[string]any{"statusIn": []string{"VERIFIED", "UNDER_VERIFICATION"}}, verified},
			{"statusIn both", map[string]any{"statusIn": []string{"VERIFIED", "REPORTED"}}, all},
			// GraphQL coerces a single value where a list is expected
			// into a list of one, enums included.
			{"statusIn one value, not a list", map[string]any{"statusIn": "VERIFIED"}, verified},
			{"edge filter one object, not a list", map[string]any{"hasViolationTypesWith": map[string]any{"code": "torture"}}, odd},
			{"status nobody has", map[string]any{"status": "CLOSED"}, func(int) bool { return false }},
			{"date range", map[string]any{"occurredAtGTE": "2023-01-05", "occurredAtLT": "2023-01-10"}, between(4, 9)},
			{"date range RFC 3339", map[string]any{"occurredAtGTE": "2023-01-05T00:00:00Z", "occurredAtLT": "2023-01-10T00:00:00Z"}, between(4, 9)},
			{"date range with offset", map[string]any{"occurredAtGTE": "2023-01-05T01:00:00+01:00", "occurredAtLTE": "2023-01-10T00:00:00Z"}, between(4, 10)},
			{"occurredAtGT excludes the bound", map[string]any{"occurredAtGT": "2023-01-20"}, func(i int) bool { return i > 19 }},
			{"reportedAt two days later", map[string]any{"reportedAtLT": "2023-01-05"}, between(0, 2)},
			{"violation type", map[string]any{"hasViolationTypesWith": torture}, odd},
			{"violation type by label", map[string]any{"hasViolationTypesWith": []map[string]any{{"labelEnContainsFold": "ARREST"}}}, even},
			{"locality by id", map[string]any{"hasLocalityWith": []map[string]any{{"id": niono}}}, even},
			{"locality by parent region", map[string]any{"hasLocalityWith": []map[string]any{{"hasParentWith": []map[string]any{{"name": "Ségou"}}}}}, even},
			{"locality without parent", map[string]any{"hasLocalityWith": []map[string]any{{"hasParent": false}}}, odd},
			{"summary contains", map[string]any{"summaryContains": "fictif 1"}, func(i int) bool { return i == 1 || (i >= 10 && i < 20) }},
			{"reference prefix", map[string]any{"referenceHasPrefix": "TST-2023-001"}, between(10, 20)},
			{"reference nobody has", map[string]any{"reference": "NIO-2023-0001"}, func(int) bool { return false }},
			{"implicit and of fields", map[string]any{"status": "REPORTED", "occurredAtLT": "2023-01-08"}, func(i int) bool { return !verified(i) && i < 7 }},
			{"and", map[string]any{"and": []map[string]any{{"status": "VERIFIED"}, {"hasLocalityWith": []map[string]any{{"id": kayes}}}}},
				func(i int) bool { return verified(i) && odd(i) }},
			{"or", map[string]any{"or": []map[string]any{{"status": "VERIFIED"}, {"hasViolationTypesWith": torture}}},
				func(i int) bool { return verified(i) || odd(i) }},
			{"not", map[string]any{"not": map[string]any{"status": "VERIFIED"}}, func(i int) bool { return !verified(i) }},
			{"not of or", map[string]any{"not": map[string]any{"or": []map[string]any{{"status": "VERIFIED"}, {"hasViolationTypesWith": torture}}}},
				func(i int) bool { return !verified(i) && !odd(i) }},
			{"and with nested or and a date", map[string]any{
				"occurredAtGTE": "2023-01-07",
				"and": []map[string]any{
					{"or": []map[string]any{{"hasLocalityWith": []map[string]any{{"id": niono}}}, {"status": "VERIFIED"}}},
					{"not": map[string]any{"occurredAtGTE": "2023-01-19"}},
				},
			}, func(i int) bool { return i >= 6 && i < 18 && (even(i) || verified(i)) }},
			{"has involvement with a victim", map[string]any{"hasInvolvementsWith": []map[string]any{{"role": "VICTIM"}}}, all},
			{"has alleged perpetrator", map[string]any{"hasInvolvementsWith": []map[string]any{{"role": "ALLEGED_PERPETRATOR"}}}, func(int) bool { return false }},
			{"collected by", map[string]any{"hasCollectedByWith": []map[string]any{{"subject": "collector"}}}, all},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var data struct {
					Incidents struct {
						TotalCount int
						Edges      []struct{ Node struct{ Reference string } }
					}
				}
				srv.Query(t, filteredIncidents, map[string]any{"where": tt.where}).OK(t, &data)
				var got []string
				for _, e := range data.Incidents.Edges {
					got = append(got, e.Node.Reference)
				}
				want := refsWhere(ascending(n), tt.keep)
				if !slices.Equal(got, want) {
					t.Fatalf("got %v\nwant %v", got, want)
				}
				if data.Incidents.TotalCount != len(want) {
					t.Fatalf("totalCount %d, want %d", data.Incidents.TotalCount, len(want))
				}
			})
		}

		// Dashboards count per term and per place through nested
		// connections, with totalCount only (no page size needed).
		t.Run("counts through nested connections", func(t *testing.T) {
			var data struct {
				ViolationTypes struct {
					Edges []struct {
						Node struct {
							Code      string
							Incidents struct{ TotalCount int }
							Verified  struct{ TotalCount int }
						}
					}
				}
				Localities struct {
					Edges []struct {
						Node struct {
							Name      string
							Incidents struct{ TotalCount int }
						}
					}
				}
			}
			srv.Query(t, `{
			  violationTypes(first: 10, orderBy: [{field: CODE}]) { edges { node {
			    code
			    incidents { totalCount }
			    verified: incidents(where: {status: VERIFIED}) { totalCount }
			  } } }
			  localities(first: 10, orderBy: [{field: NAME}]) { edges { node { name incidents { totalCount } } } }
			}`, nil).OK(t, &data)
			type count struct {
				key         string
				total, verf int
			}
			var got []count
			for _, e := range data.ViolationTypes.Edges {
				got = append(got, count{e.Node.Code, e.Node.Incidents.TotalCount, e.Node.Verified.TotalCount})
			}
			for _, e := range data.Localities.Edges {
				got = append(got, count{e.Node.Name, e.Node.Incidents.TotalCount, -1})
			}
			// arbitrary_arrest: even i (13), verified among them i%6==0 (5);
			// torture: odd i (12), verified i%6==3 (4).
			want := []count{
				{"arbitrary_arrest", 13, 5}, {"torture", 12, 4},
				{"Kayes", 12, -1}, {"Niono", 13, -1}, {"Ségou", 0, -1},
			}
			if !slices.Equal(got, want) {
				t.Fatalf("got %+v\nwant %+v", got, want)
			}
		})
	})
}

func TestActivityFilters(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db.Client, 0)
		ctx := sysCtx()
		day := func(s string) time.Time {
			d, err := time.Parse(time.DateOnly, s)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		for _, a := range []struct {
			title      string
			kind       activity.Kind
			start, end string
			inKayes    bool
		}{
			{"Formation des collecteurs", activity.KindTRAINING, "2023-02-01", "2023-02-02", false},
			{"Débat radio sur les droits", activity.KindRADIO_DEBATE, "2023-03-10", "2023-03-10", true},
			{"Formation de rappel", activity.KindTRAINING, "2023-03-15", "2023-03-17", true},
			{"Dialogue inclusif", activity.KindINCLUSIVE_DIALOGUE, "2023-04-01", "2023-04-01", false},
			{"Journée sportive", activity.KindSPORTS_DAY, "2023-05-20", "2023-05-20", false},
		} {
			loc := f.niono
			if a.inKayes {
				loc = f.kayes
			}
			_, err := db.Client.Activity.Create().SetTitle(a.title).SetKind(a.kind).
				SetStartsOn(day(a.start)).SetEndsOn(day(a.end)).SetLocality(loc).Save(ctx)
			if err != nil {
				t.Fatalf("create activity: %v", err)
			}
		}
		srv := apitest.Start(t, db)
		tests := []struct {
			name  string
			where map[string]any
			want  []string // titles, by startsOn
		}{
			{"kind", map[string]any{"kind": "TRAINING"}, []string{"Formation des collecteurs", "Formation de rappel"}},
			{"kindIn", map[string]any{"kindIn": []string{"RADIO_DEBATE", "SPORTS_DAY"}}, []string{"Débat radio sur les droits", "Journée sportive"}},
			{"kind nobody ran", map[string]any{"kind": "STRATEGIC_RETREAT"}, nil},
			{"startsOn range", map[string]any{"startsOnGTE": "2023-03-01", "startsOnLT": "2023-04-01"}, []string{"Débat radio sur les droits", "Formation de rappel"}},
			{"startsOn range inclusive end", map[string]any{"startsOnGTE": "2023-03-01", "startsOnLTE": "2023-04-01"}, []string{"Débat radio sur les droits", "Formation de rappel", "Dialogue inclusif"}},
			{"kind and range", map[string]any{"kind": "TRAINING", "startsOnGTE": "2023-03-01"}, []string{"Formation de rappel"}},
			{"not kind", map[string]any{"not": map[string]any{"kind": "TRAINING"}}, []string{"Débat radio sur les droits", "Dialogue inclusif", "Journée sportive"}},
			{"or of kinds in a place", map[string]any{
				"hasLocalityWith": []map[string]any{{"id": string(f.kayes.ID)}},
				"or":              []map[string]any{{"kind": "TRAINING"}, {"kind": "SPORTS_DAY"}},
			}, []string{"Formation de rappel"}},
			{"multi-day activities", map[string]any{"endsOnGT": "2023-01-01", "not": map[string]any{"kind": "RADIO_DEBATE"}, "titleContainsFold": "FORMATION"},
				[]string{"Formation des collecteurs", "Formation de rappel"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var data struct {
					Activities struct {
						TotalCount int
						Edges      []struct{ Node struct{ Title string } }
					}
				}
				srv.Query(t, `query($where: ActivityWhereInput) {
				  activities(first: 50, where: $where, orderBy: [{field: STARTS_ON}]) { totalCount edges { node { title } } }
				}`, map[string]any{"where": tt.where}).OK(t, &data)
				var got []string
				for _, e := range data.Activities.Edges {
					got = append(got, e.Node.Title)
				}
				if !slices.Equal(got, tt.want) || data.Activities.TotalCount != len(tt.want) {
					t.Fatalf("got %v (totalCount %d), want %v", got, data.Activities.TotalCount, tt.want)
				}
			})
		}
	})
}

// TestSensitiveFieldsAreNotFilterable: narrative, exact location, source and
// an actor's identifying fields exist in no where or order input, so no
// query can probe them (e.g. by bisecting a narrative with Contains).
func TestSensitiveFieldsAreNotFilterable(t *testing.T) {
	tests := []struct {
		name    string
		query   string
		vars    map[string]any
		mention string // the refused field, named in the error's message or path
	}{
		{"narrative", `{ incidents(first: 1, where: {narrative: "x"}) { totalCount } }`, nil, "narrative"},
		{"narrativeContains", `{ incidents(first: 1, where: {narrativeContains: "x"}) { totalCount } }`, nil, "narrativeContains"},
		{"narrativeIsNil", `{ incidents(first: 1, where: {narrativeIsNil: true}) { totalCount } }`, nil, "narrativeIsNil"},
		{"nested under not", `{ incidents(first: 1, where: {not: {narrativeHasPrefix: "R"}}) { totalCount } }`, nil, "narrativeHasPrefix"},
		{"nested under an edge", `{ localities(first: 1, where: {hasIncidentsWith: [{narrativeContains: "x"}]}) { totalCount } }`, nil, "narrativeContains"},
		{"exactLocation", `{ incidents(first: 1, where: {exactLocationContains: "x"}) { totalCount } }`, nil, "exactLocationContains"},
		{"source", `{ incidents(first: 1, where: {sourceEqualFold: "x"}) { totalCount } }`, nil, "sourceEqualFold"},
		{"actor fullName", `{ actors(first: 1, where: {fullNameContains: "x"}) { totalCount } }`, nil, "fullNameContains"},
		{"actor contact", `{ actors(first: 1, where: {contact: "x"}) { totalCount } }`, nil, "contact"},
		{"actor address through involvements", `{ involvements(first: 1, where: {hasActorWith: [{addressContains: "x"}]}) { totalCount } }`, nil, "addressContains"},
		{"narrative in a variable", `query($w: IncidentWhereInput) { incidents(first: 1, where: $w) { totalCount } }`,
			map[string]any{"w": map[string]any{"narrativeContains": "Récit"}}, "narrativeContains"},
		{"orderBy NARRATIVE", `{ incidents(first: 1, orderBy: [{field: NARRATIVE}]) { totalCount } }`, nil, "NARRATIVE"},
		{"orderBy EXACT_LOCATION", `{ incidents(first: 1, orderBy: [{field: EXACT_LOCATION}]) { totalCount } }`, nil, "EXACT_LOCATION"},
		{"orderBy FULL_NAME", `{ actors(first: 1, orderBy: [{field: FULL_NAME}]) { totalCount } }`, nil, "FULL_NAME"},
		{"orderBy NARRATIVE in a variable", `query($o: [IncidentOrder!]) { incidents(first: 1, orderBy: $o) { totalCount } }`,
			map[string]any{"o": []map[string]any{{"field": "NARRATIVE"}}}, "NARRATIVE"},
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		newFixture(t, db.Client, 3)
		srv := apitest.Start(t, db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := srv.Query(t, tt.query, tt.vars)
				e := wantError(t, r, "GRAPHQL_VALIDATION_FAILED", "")
				wantNoData(t, r)
				if where := e.Message + " " + fmt.Sprint(e.Path...); !strings.Contains(where, tt.mention) {
					t.Fatalf("the error does not name %s, so it may be about something else: %s", tt.mention, r.Body)
				}
			})
		}
	})
}
