package graph_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/actor"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// The people fixture: the aggregate fixture (newAggFixture) with the actors
// of addAggActors (28 involvements in the twelve verified arrests of Niono,
// January 2023, of which 1 to 6 are consented), and three more:
//   - a victim, a woman of 60 or over, in AGG-2023-0016 (Niono, verified,
//     consented, alleging arrest and torture);
//   - a victim, a man of 18-35, in AGG-2023-0024 (Kayes, closed, consented,
//     torture);
//   - a source of unknown gender and age in AGG-2022-0026 (2022).
//
// Hand-counted over 2023 (30 involvements): by role VICTIM 17, WITNESS 1,
// ALLEGED_PERPETRATOR 12; the victims by age bracket and gender 18-35
// women 9, 18-35 men 1, 36-59 men 4, under-18 men 2, 60+ women 1; by
// violation type arrest 29 (the people of AGG-2023-0016 count under both
// types), torture 2, and 30 in all; by cercle Niono 29, Kayes 1.
func addPeopleFixture(t *testing.T, c *ent.Client) {
	t.Helper()
	addAggActors(t, c)
	sys := policy.SystemContext(context.Background())
	for _, p := range []struct {
		ref    string
		role   involvement.Role
		gender actor.Gender
		age    actor.AgeBracket
	}{
		{"AGG-2023-0016", involvement.RoleVICTIM, actor.GenderFEMALE, actor.AgeBracketAGE_60_PLUS},
		{"AGG-2023-0024", involvement.RoleVICTIM, actor.GenderMALE, actor.AgeBracketAGE_18_35},
		{"AGG-2022-0026", involvement.RoleSOURCE, actor.GenderUNKNOWN, actor.AgeBracketUNKNOWN},
	} {
		inc, err := c.Incident.Query().Where(incident.Reference(p.ref)).Only(sys)
		if err != nil {
			t.Fatalf("fixture incident %s: %v", p.ref, err)
		}
		a, err := c.Actor.Create().SetKind(actor.KindINDIVIDUAL).SetGender(p.gender).SetAgeBracket(p.age).SetCategory(actor.CategoryCIVILIAN).Save(sys)
		if err != nil {
			t.Fatalf("fixture actor: %v", err)
		}
		if err := c.Involvement.Create().SetRole(p.role).SetIncidentID(inc.ID).SetActorID(a.ID).Exec(sys); err != nil {
			t.Fatalf("fixture involvement: %v", err)
		}
	}
}

const peopleQuery = `query($groupBy: [InvolvementDimension!]!, $level: LocalityLevel! = CERCLE, $bucket: AggregateBucket! = MONTH, $dateField: AggregateDateField! = OCCURRED_AT, $from: Time, $to: Time, $filter: InvolvementAggregateFilter) {
  involvementAggregate(groupBy: $groupBy, localityLevel: $level, bucket: $bucket, dateField: $dateField, from: $from, to: $to, filter: $filter) {
    threshold noiseBound
    cells { ...cell }
    totals { ...cell }
  }
}
fragment cell on InvolvementCell {
  groupedBy locality { id name level } violationType { code } status period { start end }
  role gender ageBracket category count protected
}`

// peopleCell is one cell of involvementAggregate.
type peopleCell struct {
	GroupedBy []string
	Locality  *struct {
		ID    string
		Name  string
		Level string
	}
	ViolationType                      *struct{ Code string }
	Status                             *string
	Period                             *struct{ Start, End time.Time }
	Role, Gender, AgeBracket, Category *string
	Count                              *int
	Protected                          bool
}

// key is the cell's key of dimension d, "-" when null.
func (c peopleCell) key(d string) string {
	var v *string
	switch d {
	case "LOCALITY":
		if c.Locality != nil {
			s := c.Locality.Name + "/" + c.Locality.Level
			v = &s
		}
	case "VIOLATION_TYPE":
		if c.ViolationType != nil {
			v = &c.ViolationType.Code
		}
	case "PERIOD":
		if c.Period != nil {
			s := c.Period.Start.Format("2006-01")
			v = &s
		}
	default:
		v = map[string]*string{"STATUS": c.Status, "ROLE": c.Role, "GENDER": c.Gender, "AGE_BRACKET": c.AgeBracket, "CATEGORY": c.Category}[d]
	}
	if v == nil {
		return "-"
	}
	return *v
}

// label names a cell by its keys, e.g. "ROLE=VICTIM GENDER=FEMALE" ("" for
// the overall total).
func (c peopleCell) label() string {
	var parts []string
	for _, d := range c.GroupedBy {
		parts = append(parts, d+"="+c.key(d))
	}
	return strings.Join(parts, " ")
}

type peopleAnswer struct {
	InvolvementAggregate struct {
		Threshold     *int
		NoiseBound    int
		Cells, Totals []peopleCell
	}
}

// all maps every cell and total by label to its count (-1: protected).
func (a peopleAnswer) all() map[string]int {
	out := map[string]int{}
	for _, cs := range [][]peopleCell{a.InvolvementAggregate.Cells, a.InvolvementAggregate.Totals} {
		for _, c := range cs {
			v := -1
			if !c.Protected {
				v = *c.Count
			}
			out[c.label()] = v
		}
	}
	return out
}

func askPeople(t *testing.T, srv *apitest.Server, vars map[string]any) peopleAnswer {
	t.Helper()
	var a peopleAnswer
	srv.Query(t, peopleQuery, vars).OK(t, &a)
	return a
}

var victims = map[string]any{"filter": map[string]any{"roles": []string{"VICTIM"}}}

// TestInvolvementAggregateExact: the coordinator counts people exactly,
// against the hand count of addPeopleFixture: by role, the victims by age
// bracket and gender (the dashboard's view) with every margin, by violation
// type (an incident alleging two types counts its people under each, once
// in the total), by cercle and role, by category, over a range and over
// all time. The monitor counts exactly the people of its localities' incidents
// (Kayes' victim is not among them), by role but not by their demographics.
func TestInvolvementAggregateExact(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		newAggFixture(t, srv)
		addPeopleFixture(t, srv.DB.Client)
		coord, mon := srv.As(t, aggCoord), srv.As(t, aggMon)
		for _, tt := range []struct {
			name string
			as   *apitest.Server
			vars map[string]any
			want map[string]int
		}{
			{"coordinator by role", coord, aggVars([]string{"ROLE"}, year2023), map[string]int{
				"ROLE=VICTIM": 17, "ROLE=WITNESS": 1, "ROLE=ALLEGED_PERPETRATOR": 12, "": 30,
			}},
			{"coordinator, victims by age × gender", coord, aggVars([]string{"AGE_BRACKET", "GENDER"}, year2023, victims), map[string]int{
				"AGE_BRACKET=AGE_18_35 GENDER=FEMALE":   9,
				"AGE_BRACKET=AGE_18_35 GENDER=MALE":     1,
				"AGE_BRACKET=AGE_36_59 GENDER=MALE":     4,
				"AGE_BRACKET=UNDER_18 GENDER=MALE":      2,
				"AGE_BRACKET=AGE_60_PLUS GENDER=FEMALE": 1,
				"AGE_BRACKET=AGE_18_35":                 10,
				"AGE_BRACKET=AGE_36_59":                 4,
				"AGE_BRACKET=UNDER_18":                  2,
				"AGE_BRACKET=AGE_60_PLUS":               1,
				"GENDER=FEMALE":                         10,
				"GENDER=MALE":                           7,
				"":                                      17,
			}},
			{"coordinator by violation type", coord, aggVars([]string{"VIOLATION_TYPE"}, year2023), map[string]int{
				"VIOLATION_TYPE=arbitrary_arrest": 29, "VIOLATION_TYPE=torture": 2, "": 30,
			}},
			{"coordinator by cercle × role", coord, aggVars([]string{"LOCALITY", "ROLE"}, year2023), map[string]int{
				"LOCALITY=Niono/CERCLE ROLE=VICTIM": 16, "LOCALITY=Niono/CERCLE ROLE=WITNESS": 1,
				"LOCALITY=Niono/CERCLE ROLE=ALLEGED_PERPETRATOR": 12, "LOCALITY=Kayes/CERCLE ROLE=VICTIM": 1,
				"LOCALITY=Niono/CERCLE": 29, "LOCALITY=Kayes/CERCLE": 1,
				"ROLE=VICTIM": 17, "ROLE=WITNESS": 1, "ROLE=ALLEGED_PERPETRATOR": 12, "": 30,
			}},
			{"coordinator by category and status", coord, aggVars([]string{"CATEGORY", "STATUS"}, year2023), map[string]int{
				"CATEGORY=CIVILIAN STATUS=VERIFIED": 18, "CATEGORY=CIVILIAN STATUS=CLOSED": 1, "CATEGORY=FDS_AGENT STATUS=VERIFIED": 11,
				"CATEGORY=CIVILIAN": 19, "CATEGORY=FDS_AGENT": 11, "STATUS=VERIFIED": 29, "STATUS=CLOSED": 1, "": 30,
			}},
			{"coordinator by quarter", coord, aggVars([]string{"PERIOD"}, year2023, map[string]any{"bucket": "QUARTER"}), map[string]int{
				"PERIOD=2023-01": 30, "": 30,
			}},
			{"coordinator, all time", coord, aggVars([]string{}), map[string]int{"": 31}},
			{"coordinator, a source in 2022", coord, aggVars([]string{"ROLE"}, map[string]any{"from": "2022-01-01T00:00:00Z", "to": "2023-01-01T00:00:00Z"}), map[string]int{
				"ROLE=SOURCE": 1, "": 1,
			}},
			{"monitor, all time", mon, aggVars([]string{}), map[string]int{"": 30}},
			{"monitor by role", mon, aggVars([]string{"ROLE"}, year2023), map[string]int{
				"ROLE=VICTIM": 16, "ROLE=WITNESS": 1, "ROLE=ALLEGED_PERPETRATOR": 12, "": 29,
			}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				a := askPeople(t, tt.as, tt.vars)
				if a.InvolvementAggregate.Threshold != nil || a.InvolvementAggregate.NoiseBound != 0 {
					t.Errorf("threshold %v, noise bound %d: want exact", a.InvolvementAggregate.Threshold, a.InvolvementAggregate.NoiseBound)
				}
				wantCounts(t, tt.name, a.all(), tt.want)
			})
		}
	})
}

// peopleTruth is a cell's true count and the number of its involvements
// the role reads itself (aggregate.PublishSeen).
type peopleTruth struct{ n, seen int }

// checkPeopleProtected checks an answer under threshold k against the
// truth of every cell holding involvements (every other cell of the grid
// holds none) whatever the random cell keys of the fixture: a cell with
// fewer than k involvements the role does not read is protected; one with
// k+2 or more is published, within the noise bound of the truth, its
// hidden part at least k; in between, either.
func checkPeopleProtected(t *testing.T, who string, got map[string]int, truth map[string]peopleTruth, k int) {
	t.Helper()
	for label, g := range got {
		if _, ok := truth[label]; !ok && g != -1 {
			t.Errorf("%s: %q (no involvement) = %d, want protected", who, label, g)
		}
	}
	for label, tr := range truth {
		g, ok := got[label]
		hidden := tr.n - tr.seen
		switch {
		case !ok:
			t.Errorf("%s: no cell %q", who, label)
		case hidden < k && g != -1:
			t.Errorf("%s: %q = %d published, but only %d of its %d involvements are hidden from the role, under %d: want protected", who, label, g, hidden, tr.n, k)
		case g != -1 && (g-tr.seen < k || g < tr.n-2 || g > tr.n+2):
			t.Errorf("%s: %q = %d, true count %d of which %d read: want within 2, hidden part at least %d", who, label, g, tr.n, tr.seen, k)
		case hidden >= k+2 && g == -1:
			t.Errorf("%s: %q protected, %d hidden involvements cannot fall under %d", who, label, hidden, k)
		}
	}
}

// TestInvolvementAggregateProtected: DIHR counts every person involved in
// the incidents it counts (not only those of the consented incidents it
// reads, AGG-2023-0001 to 0006, 0016 and 0024), under disclosure control
// as for incidents: the hidden involvements of each cell (those it cannot
// list) are protected under 5, and the same involvements get the same
// count however they are asked for, or how often.
func TestInvolvementAggregateProtected(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		f := newAggFixture(t, srv)
		addPeopleFixture(t, srv.DB.Client)
		dihr := srv.As(t, aggDIHR)

		a := askPeople(t, dihr, aggVars([]string{"ROLE"}, year2023))
		if th := a.InvolvementAggregate.Threshold; th == nil || *th != 5 || a.InvolvementAggregate.NoiseBound != 2 {
			t.Fatalf("DIHR: threshold %v, noise bound %d: want 5 and 2", th, a.InvolvementAggregate.NoiseBound)
		}
		checkPeopleProtected(t, "DIHR by role", a.all(), map[string]peopleTruth{
			"ROLE=VICTIM":              {17, 11}, // hidden: 7 to 12
			"ROLE=WITNESS":             {1, 1},   // the one it reads: protected all the same
			"ROLE=ALLEGED_PERPETRATOR": {12, 8},  // hidden: 7 to 10
			"":                         {30, 20},
		}, 5)
		a = askPeople(t, dihr, aggVars([]string{"AGE_BRACKET", "GENDER"}, year2023, victims))
		checkPeopleProtected(t, "DIHR, victims by age × gender", a.all(), map[string]peopleTruth{
			"AGE_BRACKET=AGE_18_35 GENDER=FEMALE":   {9, 7},
			"AGE_BRACKET=AGE_18_35 GENDER=MALE":     {1, 1},
			"AGE_BRACKET=AGE_36_59 GENDER=MALE":     {4, 0},
			"AGE_BRACKET=UNDER_18 GENDER=MALE":      {2, 2},
			"AGE_BRACKET=AGE_60_PLUS GENDER=FEMALE": {1, 1},
			"AGE_BRACKET=AGE_18_35":                 {10, 8},
			"AGE_BRACKET=AGE_36_59":                 {4, 0},
			"AGE_BRACKET=UNDER_18":                  {2, 2},
			"AGE_BRACKET=AGE_60_PLUS":               {1, 1},
			"GENDER=FEMALE":                         {10, 8},
			"GENDER=MALE":                           {7, 3},
			"":                                      {17, 11},
		}, 5)
		// Every cell of the grid is listed: 5 brackets × 4 genders, their
		// margins and the total.
		if n := len(a.all()); n != 5*4+5+4+1 {
			t.Errorf("DIHR, victims by age × gender: %d cells and totals, want the whole grid of 30", n)
		}

		// The involvements of 2023 in the cercle of Niono are those of the
		// verified incidents of 2023: the same count however asked.
		niono := askPeople(t, dihr, aggVars([]string{"LOCALITY"}, year2023)).all()["LOCALITY=Niono/CERCLE"]
		if niono == -1 {
			t.Fatalf("DIHR: Niono 2023 (29 involvements, 10 hidden) protected")
		}
		ways := map[string]int{
			"verified":             askPeople(t, dihr, aggVars([]string{"STATUS"}, year2023)).all()["STATUS=VERIFIED"],
			"filtered by locality": askPeople(t, dihr, aggVars([]string{}, year2023, map[string]any{"filter": map[string]any{"localities": []string{string(f.nionoCercle)}}})).all()[""],
			"filtered by status":   askPeople(t, dihr, aggVars([]string{}, year2023, map[string]any{"filter": map[string]any{"statuses": []string{"VERIFIED"}}})).all()[""],
			"margin by role":       askPeople(t, dihr, aggVars([]string{"LOCALITY", "ROLE"}, year2023)).all()["LOCALITY=Niono/CERCLE"],
			"by year":              askPeople(t, dihr, aggVars([]string{"LOCALITY", "PERIOD"}, year2023, map[string]any{"bucket": "YEAR"})).all()["LOCALITY=Niono/CERCLE PERIOD=2023-01"],
			"again":                askPeople(t, dihr, aggVars([]string{"LOCALITY"}, year2023)).all()["LOCALITY=Niono/CERCLE"],
		}
		for way, v := range ways {
			if v != niono {
				t.Errorf("DIHR: Niono 2023 %s = %d, as a cell by locality %d: the same involvements must get the same count", way, v, niono)
			}
		}
		// Kayes' one victim stays protected whichever way it is asked.
		for way, v := range map[string]int{
			"cell":     askPeople(t, dihr, aggVars([]string{"LOCALITY", "ROLE"}, year2023)).all()["LOCALITY=Kayes/CERCLE ROLE=VICTIM"],
			"filtered": askPeople(t, dihr, aggVars([]string{"ROLE"}, year2023, map[string]any{"filter": map[string]any{"localities": []string{string(f.kayesCercle)}}})).all()["ROLE=VICTIM"],
			"closed":   askPeople(t, dihr, aggVars([]string{}, year2023, map[string]any{"filter": map[string]any{"statuses": []string{"CLOSED"}}})).all()[""],
		} {
			if v != -1 {
				t.Errorf("DIHR: Kayes' victim of 2023 as %s = %d, want protected", way, v)
			}
		}
	})
}

// TestInvolvementAggregateRefused: the liaison may not count people at all;
// grouping or filtering by a field the role may not aggregate is
// FORBIDDEN (the monitor by the actors' demographics, DIHR by report date,
// and by role once an administrator revokes its grant of
// Involvement.role); under disclosure control a range off the grid of
// whole years, weeks, and filter lists of more than one value are
// BAD_USER_INPUT, and so are the inputs refused to everyone.
func TestInvolvementAggregateRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		f := newAggFixture(t, srv)
		addPeopleFixture(t, srv.DB.Client)
		dihr, mon, coord, fsi := srv.As(t, aggDIHR), srv.As(t, aggMon), srv.As(t, aggCoord), srv.As(t, aggFSI)
		for _, tt := range []struct {
			name string
			as   *apitest.Server
			vars map[string]any
			code string
		}{
			{"liaison", fsi, aggVars([]string{}), "FORBIDDEN"},
			{"liaison by role", fsi, aggVars([]string{"ROLE"}, year2023), "FORBIDDEN"},
			{"monitor by gender", mon, aggVars([]string{"GENDER"}), "FORBIDDEN"},
			{"monitor by age bracket", mon, aggVars([]string{"AGE_BRACKET", "ROLE"}), "FORBIDDEN"},
			{"DIHR by report date", dihr, aggVars([]string{"PERIOD"}, year2023, map[string]any{"dateField": "REPORTED_AT"}), "FORBIDDEN"},
			{"DIHR two roles", dihr, aggVars([]string{"GENDER"}, year2023, map[string]any{"filter": map[string]any{"roles": []string{"VICTIM", "WITNESS"}}}), "BAD_USER_INPUT"},
			{"DIHR two statuses", dihr, aggVars([]string{}, year2023, map[string]any{"filter": map[string]any{"statuses": []string{"VERIFIED", "CLOSED"}}}), "BAD_USER_INPUT"},
			{"DIHR two localities", dihr, aggVars([]string{}, year2023, map[string]any{"filter": map[string]any{"localities": []string{string(f.nionoCommune), string(f.siribala)}}}), "BAD_USER_INPUT"},
			{"DIHR range moved by a day", dihr, aggVars([]string{"GENDER"}, map[string]any{"from": "2023-01-02T00:00:00Z", "to": "2024-01-01T00:00:00Z"}), "BAD_USER_INPUT"},
			{"DIHR weeks", dihr, aggVars([]string{"PERIOD"}, year2023, map[string]any{"bucket": "WEEK"}), "BAD_USER_INPUT"},
			{"period without a range", coord, aggVars([]string{"PERIOD"}), "BAD_USER_INPUT"},
			{"a dimension twice", coord, aggVars([]string{"ROLE", "ROLE"}), "BAD_USER_INPUT"},
			{"a locality that is no id", coord, aggVars([]string{}, map[string]any{"filter": map[string]any{"localities": []string{"nowhere"}}}), "BAD_USER_INPUT"},
			{"an empty range", coord, aggVars([]string{}, map[string]any{"from": "2024-01-01T00:00:00Z", "to": "2023-01-01T00:00:00Z"}), "BAD_USER_INPUT"},
			{"no role", srv.As(t, "agg-nobody"), aggVars([]string{}), "UNAUTHENTICATED"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				tt.as.Query(t, peopleQuery, tt.vars).Code(t, tt.code)
			})
		}

		// Without aggregate on Involvement.role, DIHR may neither group nor
		// filter by role; it still counts people by their demographics.
		role := store.Permission{Role: "dihr_partner", Domain: "*", Object: "Involvement.role", Action: "aggregate", Scope: "all"}
		if err := srv.Apply(context.Background(), "test: DIHR counts people not by role", store.Change{Op: store.Revoke, Permission: role}); err != nil {
			t.Fatal(err)
		}
		dihr.Query(t, peopleQuery, aggVars([]string{"ROLE"}, year2023)).Code(t, "FORBIDDEN")
		dihr.Query(t, peopleQuery, aggVars([]string{"GENDER"}, year2023, victims)).Code(t, "FORBIDDEN")
		askPeople(t, dihr, aggVars([]string{"GENDER"}, year2023))
	})
}

// TestInvolvementAggregateIsOneStatement: a count of people is one SQL
// statement (a UNION ALL of GROUP BYs over the incidents joined to their
// involvements and actors), plus the reference data of its keys and, under
// disclosure control, of its grid; the involvements are read once per
// scan, once for every single-valued dimension and once more for
// violation types.
func TestInvolvementAggregateIsOneStatement(t *testing.T) {
	var counter storagetest.Counter
	storagetest.EachWith(t, storage.Config{WrapDriver: counter.Wrap}, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		newAggFixture(t, srv)
		addPeopleFixture(t, srv.DB.Client)
		dihr, coord := srv.As(t, aggDIHR), srv.As(t, aggCoord)
		askPeople(t, dihr, aggVars([]string{})) // warm the viewer caches
		askPeople(t, coord, aggVars([]string{}))
		for _, tt := range []struct {
			who     string
			as      *apitest.Server
			groupBy []string
			want    int64
			scans   int
		}{
			{"DIHR", dihr, []string{}, 1, 1},
			{"DIHR", dihr, []string{"AGE_BRACKET", "GENDER"}, 1, 1},
			{"DIHR", dihr, []string{"ROLE", "GENDER", "AGE_BRACKET", "PERIOD"}, 1, 1},
			// The grid's localities, and those of the keys.
			{"DIHR", dihr, []string{"LOCALITY", "ROLE"}, 3, 1},
			// And the grid's violation types, and those of the keys.
			{"DIHR", dihr, []string{"LOCALITY", "VIOLATION_TYPE", "ROLE", "GENDER"}, 5, 2},
			{"coordinator", coord, []string{"AGE_BRACKET", "GENDER"}, 1, 1},
			{"coordinator", coord, []string{"LOCALITY", "VIOLATION_TYPE", "ROLE", "CATEGORY"}, 3, 2},
		} {
			counter.Reset()
			askPeople(t, tt.as, aggVars(tt.groupBy, year2023))
			if got := counter.Count(); got != tt.want {
				t.Errorf("%s, group by %v: %d statements, want %d", tt.who, tt.groupBy, got, tt.want)
			}
			var stmt string
			for _, s := range counter.Statements() {
				if strings.Contains(s, "agg_set") {
					stmt = s
				}
			}
			scans := 0
			for _, q := range []string{`JOIN "involvements" AS "agg_iv"`, "JOIN `involvements` AS `agg_iv`"} {
				scans += strings.Count(stmt, q)
			}
			if scans != tt.scans {
				t.Errorf("%s, group by %v: the involvements are read %d times, want %d:\n%s", tt.who, tt.groupBy, scans, tt.scans, stmt)
			}
		}
	})
}
