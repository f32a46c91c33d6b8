package graph_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/activity"
	"github.com/benkan-project/benkan/ent/organization"
	"github.com/benkan-project/benkan/ent/recommendation"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// The activity fixture adds to the aggregate fixture (newAggFixture) five
// activities and five recommendations whose counts are computed by hand in
// the tests below:
//
//	A1 2023-01-15 INCLUSIVE_DIALOGUE commune Niono   women 10 men 12 youth 5 forces 4
//	A2 2023-01-20 RADIO_DEBATE       Siribala        3 4 2 1
//	A3 2023-02-05 INCLUSIVE_DIALOGUE commune Niono   7 8 3 2
//	A4 2023-03-10 TRAINING           cercle Kayes    5 6 1 0
//	A5 2022-12-01 SPORTS_DAY         commune Niono   20 30 40 5
//
//	R1 A1 PROPOSED    due 2023-06-01 → Commissariat, Gouvernorat (overdue)
//	R2 A1 IMPLEMENTED due 2023-06-01 → Commissariat (final: not overdue)
//	R3 A2 IN_PROGRESS due 2099-01-01 → Gouvernorat (not due yet)
//	R4 A4 ACCEPTED    due 2023-05-01 → Commissariat (overdue)
//	R5 A3 DROPPED     no due date    → nobody
//
// The monitor and the FSI liaison hold their roles in the cercle of Niono
// (A1, A2, A3, A5 and their R1, R2, R3, R5); the FSI liaison's
// organization is the Commissariat (R1, R2, R4 are addressed to it).
type actFixture struct {
	*aggFixture
	commissariat, gouvernorat gid.ID
}

func newActFixture(t *testing.T, srv *apitest.Server) *actFixture {
	t.Helper()
	f := &actFixture{aggFixture: newAggFixture(t, srv)}
	sys := policy.SystemContext(context.Background())
	c := srv.DB.Client
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("activity fixture: %v", err)
		}
	}
	comm, err := c.Organization.Query().Where(organization.Name("Commissariat fictif de Niono")).Only(sys)
	must(err)
	gouv, err := c.Organization.Create().SetName("Gouvernorat fictif de Ségou").SetKind("AUTHORITY").Save(sys)
	must(err)
	f.commissariat, f.gouvernorat = comm.ID, gouv.ID
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, time.UTC) }
	acts := []struct {
		kind              activity.Kind
		on                time.Time
		loc               gid.ID
		women, men, y, sf int
	}{
		{activity.KindINCLUSIVE_DIALOGUE, day(2023, 1, 15), f.nionoCommune, 10, 12, 5, 4},
		{activity.KindRADIO_DEBATE, day(2023, 1, 20), f.siribala, 3, 4, 2, 1},
		{activity.KindINCLUSIVE_DIALOGUE, day(2023, 2, 5), f.nionoCommune, 7, 8, 3, 2},
		{activity.KindTRAINING, day(2023, 3, 10), f.kayesCercle, 5, 6, 1, 0},
		{activity.KindSPORTS_DAY, day(2022, 12, 1), f.nionoCommune, 20, 30, 40, 5},
	}
	var ids []gid.ID
	for i, a := range acts {
		x, err := c.Activity.Create().SetKind(a.kind).SetTitle(fmt.Sprintf("Activité fictive %d", i+1)).
			SetStartsOn(a.on).SetEndsOn(a.on.AddDate(0, 0, 1)).SetLocalityID(a.loc).
			SetWomenCount(a.women).SetMenCount(a.men).SetYouthCount(a.y).SetSecurityForceCount(a.sf).Save(sys)
		must(err)
		ids = append(ids, x.ID)
	}
	recs := []struct {
		act    int
		status recommendation.Status
		due    *time.Time
		to     []gid.ID
	}{
		{0, recommendation.StatusPROPOSED, new(day(2023, 6, 1)), []gid.ID{f.commissariat, f.gouvernorat}},
		{0, recommendation.StatusIMPLEMENTED, new(day(2023, 6, 1)), []gid.ID{f.commissariat}},
		{1, recommendation.StatusIN_PROGRESS, new(day(2099, 1, 1)), []gid.ID{f.gouvernorat}},
		{3, recommendation.StatusACCEPTED, new(day(2023, 5, 1)), []gid.ID{f.commissariat}},
		{2, recommendation.StatusDROPPED, nil, nil},
	}
	for i, r := range recs {
		b := c.Recommendation.Create().SetText(fmt.Sprintf("Recommandation fictive %d", i+1)).SetStatus(r.status).
			SetActivityID(ids[r.act]).AddAddresseeIDs(r.to...)
		if r.due != nil {
			b.SetDueOn(*r.due)
		}
		must(b.Exec(sys))
	}
	return f
}

const actQuery = `query($groupBy: [ActivityDimension!]!, $level: LocalityLevel! = CERCLE, $bucket: AggregateBucket! = MONTH, $from: Time, $to: Time, $filter: ActivityAggregateFilter) {
  activityAggregate(groupBy: $groupBy, localityLevel: $level, bucket: $bucket, from: $from, to: $to, filter: $filter) {
    threshold noiseBound
    cells { ...cell }
    totals { ...cell }
  }
}
fragment cell on ActivityCell {
  groupedBy kind locality { name level } period { start } count women men youth securityForces protected
}`

type actCell struct {
	GroupedBy []string
	Kind      *string
	Locality  *struct{ Name, Level string }
	Period    *struct{ Start time.Time }
	Count     *int
	Women     *int
	Men       *int
	Youth     *int
	// SecurityForces is the sum of securityForceCount.
	SecurityForces *int
	Protected      bool
}

// label names a cell by its keys ("" for the overall total).
func (c actCell) label() string {
	var parts []string
	for _, d := range c.GroupedBy {
		v := "-"
		switch {
		case d == "KIND" && c.Kind != nil:
			v = *c.Kind
		case d == "LOCALITY" && c.Locality != nil:
			v = c.Locality.Name + "/" + c.Locality.Level
		case d == "PERIOD" && c.Period != nil:
			v = c.Period.Start.Format("2006-01")
		}
		parts = append(parts, d+"="+v)
	}
	return strings.Join(parts, " ")
}

// value writes a cell's numbers: "count women/men/youth/forces" ("?" for null).
func (c actCell) value() string {
	s := func(p *int) string {
		if p == nil {
			return "?"
		}
		return fmt.Sprint(*p)
	}
	return fmt.Sprintf("%s %s/%s/%s/%s", s(c.Count), s(c.Women), s(c.Men), s(c.Youth), s(c.SecurityForces))
}

type actAnswer struct {
	ActivityAggregate struct {
		Threshold  *int
		NoiseBound int
		Cells      []actCell
		Totals     []actCell
	}
}

func askAct(t *testing.T, srv *apitest.Server, vars map[string]any) map[string]string {
	t.Helper()
	var a actAnswer
	srv.Query(t, actQuery, vars).OK(t, &a)
	if a.ActivityAggregate.Threshold != nil || a.ActivityAggregate.NoiseBound != 0 {
		t.Errorf("threshold %v, noise bound %d: want exact", a.ActivityAggregate.Threshold, a.ActivityAggregate.NoiseBound)
	}
	out := map[string]string{}
	for _, c := range append(a.ActivityAggregate.Cells, a.ActivityAggregate.Totals...) {
		if c.Protected {
			t.Errorf("%s: protected", c.label())
		}
		out[c.label()] = c.value()
	}
	return out
}

// wantExactly fails unless got holds exactly want: every count right, and
// nothing else (no cell of a row the role may not count).
func wantExactly(t *testing.T, who string, got, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("%s: %q = %q (present %v), want %q", who, k, g, ok, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected %q = %q", who, k, g)
		}
	}
}

// TestActivityAggregateRoles: each role counts exactly the activities it
// reads, by kind × cercle over 2023, with the sums of participants; a
// role held in the cercle of Niono gets nothing of Kayes.
func TestActivityAggregateRoles(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		f := newActFixture(t, srv)
		everything := map[string]string{
			"KIND=INCLUSIVE_DIALOGUE LOCALITY=Niono/CERCLE": "2 17/20/8/6",
			"KIND=RADIO_DEBATE LOCALITY=Niono/CERCLE":       "1 3/4/2/1",
			"KIND=TRAINING LOCALITY=Kayes/CERCLE":           "1 5/6/1/0",
			"KIND=INCLUSIVE_DIALOGUE":                       "2 17/20/8/6",
			"KIND=RADIO_DEBATE":                             "1 3/4/2/1",
			"KIND=TRAINING":                                 "1 5/6/1/0",
			"LOCALITY=Niono/CERCLE":                         "3 20/24/10/7",
			"LOCALITY=Kayes/CERCLE":                         "1 5/6/1/0",
			"":                                              "4 25/30/11/7",
		}
		niono := map[string]string{
			"KIND=INCLUSIVE_DIALOGUE LOCALITY=Niono/CERCLE": "2 17/20/8/6",
			"KIND=RADIO_DEBATE LOCALITY=Niono/CERCLE":       "1 3/4/2/1",
			"KIND=INCLUSIVE_DIALOGUE":                       "2 17/20/8/6",
			"KIND=RADIO_DEBATE":                             "1 3/4/2/1",
			"LOCALITY=Niono/CERCLE":                         "3 20/24/10/7",
			"":                                              "3 20/24/10/7",
		}
		for _, tc := range []struct {
			who  string
			want map[string]string
		}{{aggCoord, everything}, {aggDIHR, everything}, {aggMon, niono}, {aggFSI, niono}} {
			got := askAct(t, srv.As(t, tc.who), aggVars([]string{"KIND", "LOCALITY"}, year2023))
			wantExactly(t, tc.who, got, tc.want)
		}

		coord := srv.As(t, aggCoord)
		wantExactly(t, "coordinator by month", askAct(t, coord, aggVars([]string{"PERIOD"}, year2023)), map[string]string{
			"PERIOD=2023-01": "2 13/16/7/5", "PERIOD=2023-02": "1 7/8/3/2", "PERIOD=2023-03": "1 5/6/1/0", "": "4 25/30/11/7",
		})
		wantExactly(t, "coordinator by commune", askAct(t, coord, aggVars([]string{"LOCALITY"}, map[string]any{"level": "COMMUNE"})), map[string]string{
			"LOCALITY=Niono/COMMUNE": "3 37/50/48/11", "LOCALITY=Siribala/COMMUNE": "1 3/4/2/1",
			"LOCALITY=-": "1 5/6/1/0", // A4, held at the cercle of Kayes: above the level
			"":           "5 45/60/51/12",
		})
		wantExactly(t, "coordinator, all time", askAct(t, coord, aggVars([]string{})), map[string]string{"": "5 45/60/51/12"})
		wantExactly(t, "coordinator, Siribala", askAct(t, coord, aggVars([]string{}, map[string]any{"filter": map[string]any{"localities": []string{string(f.siribala)}}})),
			map[string]string{"": "1 3/4/2/1"})
		wantExactly(t, "coordinator, dialogues", askAct(t, coord, aggVars([]string{}, map[string]any{"filter": map[string]any{"kinds": []string{"INCLUSIVE_DIALOGUE"}}})),
			map[string]string{"": "2 17/20/8/6"})
		wantExactly(t, "monitor, Kayes", askAct(t, srv.As(t, aggMon), aggVars([]string{}, map[string]any{"filter": map[string]any{"localities": []string{string(f.kayesCercle)}}})),
			map[string]string{"": "0 0/0/0/0"})
	})
}

const recQuery = `query($groupBy: [RecommendationDimension!]!, $filter: RecommendationAggregateFilter) {
  recommendationAggregate(groupBy: $groupBy, filter: $filter) {
    threshold noiseBound
    cells { ...cell }
    totals { ...cell }
  }
}
fragment cell on RecommendationCell { groupedBy status addressee { name } count overdue protected }`

type recCell struct {
	GroupedBy []string
	Status    *string
	Addressee *struct{ Name string }
	Count     *int
	Overdue   *int
	Protected bool
}

func askRec(t *testing.T, srv *apitest.Server, vars map[string]any) map[string]string {
	t.Helper()
	var a struct {
		RecommendationAggregate struct {
			Threshold     *int
			NoiseBound    int
			Cells, Totals []recCell
		}
	}
	srv.Query(t, recQuery, vars).OK(t, &a)
	if a.RecommendationAggregate.Threshold != nil || a.RecommendationAggregate.NoiseBound != 0 {
		t.Errorf("threshold %v, noise bound %d: want exact", a.RecommendationAggregate.Threshold, a.RecommendationAggregate.NoiseBound)
	}
	out := map[string]string{}
	for _, c := range append(a.RecommendationAggregate.Cells, a.RecommendationAggregate.Totals...) {
		var parts []string
		for _, d := range c.GroupedBy {
			v := "-"
			switch {
			case d == "STATUS" && c.Status != nil:
				v = *c.Status
			case d == "ADDRESSEE" && c.Addressee != nil:
				v = strings.Fields(c.Addressee.Name)[0]
			}
			parts = append(parts, d+"="+v)
		}
		od := "?"
		if c.Overdue != nil {
			od = fmt.Sprint(*c.Overdue)
		}
		if c.Protected || c.Count == nil {
			t.Errorf("%v: protected or null", parts)
			continue
		}
		out[strings.Join(parts, " ")] = fmt.Sprintf("%d late %s", *c.Count, od)
	}
	return out
}

// TestRecommendationAggregateRoles: each role counts exactly the
// recommendations it reads, by status × addressee, with those overdue
// (past due and not final); R1, addressed to two organizations, counts in
// the cell of each and once in the totals by status and overall.
func TestRecommendationAggregateRoles(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		f := newActFixture(t, srv)
		everything := map[string]string{
			"STATUS=PROPOSED ADDRESSEE=Commissariat":    "1 late 1",
			"STATUS=PROPOSED ADDRESSEE=Gouvernorat":     "1 late 1",
			"STATUS=IMPLEMENTED ADDRESSEE=Commissariat": "1 late 0",
			"STATUS=IN_PROGRESS ADDRESSEE=Gouvernorat":  "1 late 0",
			"STATUS=ACCEPTED ADDRESSEE=Commissariat":    "1 late 1",
			"STATUS=DROPPED ADDRESSEE=-":                "1 late 0",
			"STATUS=PROPOSED":                           "1 late 1",
			"STATUS=IMPLEMENTED":                        "1 late 0",
			"STATUS=IN_PROGRESS":                        "1 late 0",
			"STATUS=ACCEPTED":                           "1 late 1",
			"STATUS=DROPPED":                            "1 late 0",
			"ADDRESSEE=Commissariat":                    "3 late 2",
			"ADDRESSEE=Gouvernorat":                     "2 late 1",
			"ADDRESSEE=-":                               "1 late 0",
			"":                                          "5 late 2",
		}
		monitor := map[string]string{ // R1, R2, R3, R5: not R4 (Kayes)
			"STATUS=PROPOSED ADDRESSEE=Commissariat":    "1 late 1",
			"STATUS=PROPOSED ADDRESSEE=Gouvernorat":     "1 late 1",
			"STATUS=IMPLEMENTED ADDRESSEE=Commissariat": "1 late 0",
			"STATUS=IN_PROGRESS ADDRESSEE=Gouvernorat":  "1 late 0",
			"STATUS=DROPPED ADDRESSEE=-":                "1 late 0",
			"STATUS=PROPOSED":                           "1 late 1",
			"STATUS=IMPLEMENTED":                        "1 late 0",
			"STATUS=IN_PROGRESS":                        "1 late 0",
			"STATUS=DROPPED":                            "1 late 0",
			"ADDRESSEE=Commissariat":                    "2 late 1",
			"ADDRESSEE=Gouvernorat":                     "2 late 1",
			"ADDRESSEE=-":                               "1 late 0",
			"":                                          "4 late 1",
		}
		fsi := map[string]string{ // R1, R2, R4: addressed to the Commissariat
			"STATUS=PROPOSED ADDRESSEE=Commissariat":    "1 late 1",
			"STATUS=PROPOSED ADDRESSEE=Gouvernorat":     "1 late 1",
			"STATUS=IMPLEMENTED ADDRESSEE=Commissariat": "1 late 0",
			"STATUS=ACCEPTED ADDRESSEE=Commissariat":    "1 late 1",
			"STATUS=PROPOSED":                           "1 late 1",
			"STATUS=IMPLEMENTED":                        "1 late 0",
			"STATUS=ACCEPTED":                           "1 late 1",
			"ADDRESSEE=Commissariat":                    "3 late 2",
			"ADDRESSEE=Gouvernorat":                     "1 late 1",
			"":                                          "3 late 2",
		}
		for _, tc := range []struct {
			who  string
			want map[string]string
		}{{aggCoord, everything}, {aggDIHR, everything}, {aggMon, monitor}, {aggFSI, fsi}} {
			wantExactly(t, tc.who, askRec(t, srv.As(t, tc.who), aggVars([]string{"STATUS", "ADDRESSEE"})), tc.want)
		}
		coord := srv.As(t, aggCoord)
		filter := func(k string, v any) map[string]any { return map[string]any{"filter": map[string]any{k: v}} }
		wantExactly(t, "coordinator, Kayes", askRec(t, coord, aggVars([]string{}, filter("localities", []string{string(f.kayesCercle)}))),
			map[string]string{"": "1 late 1"})
		wantExactly(t, "coordinator, to the Gouvernorat", askRec(t, coord, aggVars([]string{"STATUS"}, filter("addressees", []string{string(f.gouvernorat)}))),
			map[string]string{"STATUS=PROPOSED": "1 late 1", "STATUS=IN_PROGRESS": "1 late 0", "": "2 late 1"})
		wantExactly(t, "coordinator, implemented or dropped", askRec(t, coord, aggVars([]string{}, filter("statuses", []string{"IMPLEMENTED", "DROPPED"}))),
			map[string]string{"": "2 late 0"})
		wantExactly(t, "FSI, Siribala", askRec(t, srv.As(t, aggFSI), aggVars([]string{}, filter("localities", []string{string(f.siribala)}))),
			map[string]string{"": "0 late 0"}) // R3 is not addressed to it
	})
}

// TestActivityAggregateRefusals: counts without the grants are FORBIDDEN,
// bad arguments BAD_USER_INPUT, and protected(K) on Activity or
// Recommendation is refused by the policy.
func TestActivityAggregateRefusals(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		f := newActFixture(t, srv)
		ctx := context.Background()
		coord, dihr := srv.As(t, aggCoord), srv.As(t, aggDIHR)
		wantError(t, coord.Query(t, actQuery, aggVars([]string{"PERIOD"})), "BAD_USER_INPUT", "from")
		wantError(t, coord.Query(t, actQuery, aggVars([]string{"KIND"}, map[string]any{"from": "2024-01-01T00:00:00Z", "to": "2023-01-01T00:00:00Z"})), "BAD_USER_INPUT", "to")
		wantError(t, coord.Query(t, actQuery, aggVars([]string{"KIND", "KIND"})), "BAD_USER_INPUT", "groupBy")
		wantError(t, coord.Query(t, actQuery, aggVars([]string{}, map[string]any{"filter": map[string]any{"localities": []string{"nonsense"}}})), "BAD_USER_INPUT", "")
		wantError(t, coord.Query(t, recQuery, aggVars([]string{"STATUS", "STATUS"})), "BAD_USER_INPUT", "groupBy")
		wantNoData(t, srv.As(t, "").Query(t, actQuery, aggVars([]string{})))
		wantNoData(t, srv.As(t, "").Query(t, recQuery, aggVars([]string{})))

		// Without the statistics group: no grouping, no filter, no sums.
		for _, typ := range []string{"Activity", "Recommendation"} {
			p := store.Permission{Role: "dihr_partner", Domain: "*", Object: typ + ":statistics", Action: "aggregate", Scope: "all"}
			if err := srv.Apply(ctx, "test: DIHR counts "+typ+" by nothing", store.Change{Op: store.Revoke, Permission: p}); err != nil {
				t.Fatal(err)
			}
		}
		wantError(t, dihr.Query(t, actQuery, aggVars([]string{"KIND"})), "FORBIDDEN", "groupBy")
		wantError(t, dihr.Query(t, actQuery, aggVars([]string{}, year2023)), "FORBIDDEN", "from")
		wantError(t, dihr.Query(t, actQuery, aggVars([]string{}, map[string]any{"filter": map[string]any{"kinds": []string{"TRAINING"}}})), "FORBIDDEN", "filter.kinds")
		wantExactly(t, "DIHR without the fields", askAct(t, dihr, aggVars([]string{})), map[string]string{"": "5 ?/?/?/?"})
		wantError(t, dihr.Query(t, recQuery, aggVars([]string{"ADDRESSEE"})), "FORBIDDEN", "groupBy")
		wantError(t, dihr.Query(t, recQuery, aggVars([]string{}, map[string]any{"filter": map[string]any{"localities": []string{string(f.kayesCercle)}}})), "FORBIDDEN", "filter.localities")
		wantExactly(t, "DIHR without the fields", askRec(t, dihr, aggVars([]string{})), map[string]string{"": "5 late ?"})

		// Without the rows: nothing at all.
		for _, typ := range []string{"Activity", "Recommendation"} {
			p := store.Permission{Role: "dihr_partner", Domain: "*", Object: typ, Action: "aggregate", Scope: "all"}
			if err := srv.Apply(ctx, "test: DIHR counts no "+typ, store.Change{Op: store.Revoke, Permission: p}); err != nil {
				t.Fatal(err)
			}
		}
		wantError(t, dihr.Query(t, actQuery, aggVars([]string{})), "FORBIDDEN", "")
		wantError(t, dihr.Query(t, recQuery, aggVars([]string{})), "FORBIDDEN", "")

		// protected(K) on a type without cell keys is refused, not ignored.
		for _, typ := range []string{"Activity", "Recommendation"} {
			p := store.Permission{Role: "dihr_partner", Domain: "*", Object: typ, Action: "aggregate", Scope: "protected(5)"}
			err := srv.Apply(ctx, "test: protected "+typ, store.Change{Op: store.Grant, Permission: p})
			if err == nil || !strings.Contains(err.Error(), "no disclosure control for counts of "+typ) {
				t.Errorf("protected(5) on %s: %v, want refused", typ, err)
			}
		}
	})
}
