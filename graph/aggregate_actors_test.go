package graph_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/actor"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// addAggActors gives the twelve verified arrests of Niono in January 2023
// (AGG-2023-0001 to 0012) their actors:
//   - victims: a woman of 18-35 in 1 to 8, a man of 36-59 in 9 to 12; a
//     boy under 18 too in 1 and 2; a second woman of 18-35 in 3;
//   - a witness, a girl under 18, in 4 (a witness is no victim);
//   - alleged perpetrators: an FDS agent in 1 to 10, a second FDS agent
//     and a civilian in 1.
//
// Hand-counted over 2023 (25 incidents): by victim gender FEMALE 8 (1-8,
// 3 once), MALE 6 (9-12, 1, 2); by victim age 18-35 8, 36-59 4, under 18
// 2; by perpetrator category FDS_AGENT 10 (1 once), CIVILIAN 1.
func addAggActors(t *testing.T, c *ent.Client) {
	t.Helper()
	sys := policy.SystemContext(context.Background())
	person := func(g actor.Gender, a actor.AgeBracket, cat actor.Category) *ent.Actor {
		x, err := c.Actor.Create().SetKind(actor.KindINDIVIDUAL).SetGender(g).SetAgeBracket(a).SetCategory(cat).Save(sys)
		if err != nil {
			t.Fatalf("fixture actor: %v", err)
		}
		return x
	}
	involve := func(n int, role involvement.Role, a *ent.Actor) {
		inc, err := c.Incident.Query().Where(incident.Reference(fmt.Sprintf("AGG-2023-%04d", n))).Only(sys)
		if err != nil {
			t.Fatalf("fixture incident %d: %v", n, err)
		}
		if err := c.Involvement.Create().SetRole(role).SetIncidentID(inc.ID).SetActorID(a.ID).Exec(sys); err != nil {
			t.Fatalf("fixture involvement: %v", err)
		}
	}
	for n := 1; n <= 12; n++ {
		if n <= 8 {
			involve(n, involvement.RoleVICTIM, person(actor.GenderFEMALE, actor.AgeBracketAGE_18_35, actor.CategoryCIVILIAN))
		} else {
			involve(n, involvement.RoleVICTIM, person(actor.GenderMALE, actor.AgeBracketAGE_36_59, actor.CategoryCIVILIAN))
		}
		if n <= 10 {
			involve(n, involvement.RoleALLEGED_PERPETRATOR, person(actor.GenderMALE, actor.AgeBracketAGE_18_35, actor.CategoryFDS_AGENT))
		}
	}
	for _, n := range []int{1, 2} {
		involve(n, involvement.RoleVICTIM, person(actor.GenderMALE, actor.AgeBracketUNDER_18, actor.CategoryCIVILIAN))
	}
	involve(3, involvement.RoleVICTIM, person(actor.GenderFEMALE, actor.AgeBracketAGE_18_35, actor.CategoryCIVILIAN))
	involve(4, involvement.RoleWITNESS, person(actor.GenderFEMALE, actor.AgeBracketUNDER_18, actor.CategoryCIVILIAN))
	involve(1, involvement.RoleALLEGED_PERPETRATOR, person(actor.GenderMALE, actor.AgeBracketAGE_36_59, actor.CategoryFDS_AGENT))
	involve(1, involvement.RoleALLEGED_PERPETRATOR, person(actor.GenderMALE, actor.AgeBracketAGE_36_59, actor.CategoryCIVILIAN))
}

const aggActorQuery = `query($groupBy: [IncidentDimension!]!, $from: Time, $to: Time) {
  incidentAggregate(groupBy: $groupBy, from: $from, to: $to) {
    threshold
    cells { ...cell }
    totals { ...cell }
  }
}
fragment cell on IncidentCell {
  groupedBy violationType { code } status perpetratorCategory victimGender victimAgeBracket count protected
}`

type aggActorCell struct {
	GroupedBy                         []string
	ViolationType                     *struct{ Code string }
	Status                            *string
	PerpetratorCategory, VictimGender *string
	VictimAgeBracket                  *string
	Count                             *int
	Protected                         bool
}

func (c aggActorCell) label() string {
	s := fmt.Sprint(c.GroupedBy)
	for _, k := range []*string{c.Status, c.PerpetratorCategory, c.VictimGender, c.VictimAgeBracket} {
		if k != nil {
			s += " " + *k
		}
	}
	if c.ViolationType != nil {
		s += " " + c.ViolationType.Code
	}
	return s
}

type aggActorAnswer struct {
	IncidentAggregate struct {
		Threshold     *int
		Cells, Totals []aggActorCell
	}
}

// counts is every cell and total by label, -1 when protected.
func (a aggActorAnswer) counts() map[string]int {
	out := map[string]int{}
	for _, cs := range [][]aggActorCell{a.IncidentAggregate.Cells, a.IncidentAggregate.Totals} {
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

func askActorAgg(t *testing.T, srv *apitest.Server, groupBy ...string) aggActorAnswer {
	t.Helper()
	var a aggActorAnswer
	if groupBy == nil {
		groupBy = []string{}
	}
	srv.Query(t, aggActorQuery, aggVars(groupBy, year2023)).OK(t, &a)
	return a
}

// TestIncidentAggregateByActors: counts of incidents by their victims'
// gender and age bracket and their perpetrators' category, exact for the
// coordinator against the hand count of addAggActors (an incident once
// per distinct value, once in a total), under disclosure control for DIHR,
// and refused to the roles the policy does not let aggregate those fields
// of Actor (the liaison, the monitor).
func TestIncidentAggregateByActors(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		newAggFixture(t, srv)
		addAggActors(t, srv.DB.Client)
		coord, dihr := srv.As(t, aggCoord), srv.As(t, aggDIHR)
		for _, tt := range []struct {
			groupBy []string
			want    map[string]int
		}{
			{[]string{"VICTIM_GENDER"}, map[string]int{"[VICTIM_GENDER] FEMALE": 8, "[VICTIM_GENDER] MALE": 6, "[]": 25}},
			{[]string{"VICTIM_AGE_BRACKET"}, map[string]int{"[VICTIM_AGE_BRACKET] AGE_18_35": 8, "[VICTIM_AGE_BRACKET] AGE_36_59": 4, "[VICTIM_AGE_BRACKET] UNDER_18": 2, "[]": 25}},
			{[]string{"PERPETRATOR_CATEGORY"}, map[string]int{"[PERPETRATOR_CATEGORY] FDS_AGENT": 10, "[PERPETRATOR_CATEGORY] CIVILIAN": 1, "[]": 25}},
			{[]string{"VICTIM_GENDER", "STATUS"}, map[string]int{
				"[VICTIM_GENDER STATUS] VERIFIED FEMALE": 8, "[VICTIM_GENDER STATUS] VERIFIED MALE": 6,
				"[VICTIM_GENDER] FEMALE": 8, "[VICTIM_GENDER] MALE": 6,
				"[STATUS] VERIFIED": 20, "[STATUS] REPORTED": 3, "[STATUS] CLOSED": 2, "[]": 25}},
			{[]string{"VICTIM_GENDER", "PERPETRATOR_CATEGORY", "VIOLATION_TYPE"}, map[string]int{
				"[VICTIM_GENDER PERPETRATOR_CATEGORY VIOLATION_TYPE] FDS_AGENT FEMALE arbitrary_arrest": 8,
				"[VICTIM_GENDER PERPETRATOR_CATEGORY VIOLATION_TYPE] FDS_AGENT MALE arbitrary_arrest":   4,
				"[VICTIM_GENDER PERPETRATOR_CATEGORY VIOLATION_TYPE] CIVILIAN MALE arbitrary_arrest":    1,
				"[VICTIM_GENDER PERPETRATOR_CATEGORY VIOLATION_TYPE] CIVILIAN FEMALE arbitrary_arrest":  1,
				"[VICTIM_GENDER VIOLATION_TYPE] MALE arbitrary_arrest":                                  6,
				"[PERPETRATOR_CATEGORY VIOLATION_TYPE] FDS_AGENT arbitrary_arrest":                      10,
				"[VICTIM_GENDER PERPETRATOR_CATEGORY] CIVILIAN FEMALE":                                  1,
				"[VICTIM_GENDER PERPETRATOR_CATEGORY] CIVILIAN MALE":                                    1,
				"[VICTIM_GENDER PERPETRATOR_CATEGORY] FDS_AGENT FEMALE":                                 8,
				"[VICTIM_GENDER PERPETRATOR_CATEGORY] FDS_AGENT MALE":                                   4,
				"[VICTIM_GENDER VIOLATION_TYPE] FEMALE arbitrary_arrest":                                8,
				"[PERPETRATOR_CATEGORY VIOLATION_TYPE] CIVILIAN arbitrary_arrest":                       1,
				"[VICTIM_GENDER] FEMALE":            8,
				"[VICTIM_GENDER] MALE":              6,
				"[PERPETRATOR_CATEGORY] FDS_AGENT":  10,
				"[PERPETRATOR_CATEGORY] CIVILIAN":   1,
				"[VIOLATION_TYPE] arbitrary_arrest": 20,
				"[VIOLATION_TYPE] torture":          6,
				"[]":                                25}},
		} {
			got := askActorAgg(t, coord, tt.groupBy...).counts()
			for k, w := range tt.want {
				if g, ok := got[k]; !ok || g != w {
					t.Errorf("coordinator, group by %v: %q = %d (present %v), want %d", tt.groupBy, k, g, ok, w)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("coordinator, group by %v: %d cells %v, want %d", tt.groupBy, len(got), got, len(tt.want))
			}
		}
		// DIHR: the whole grid (every gender), small counts protected, the
		// others within the noise. Protection is of the incidents DIHR may
		// not read (aggregate.PublishSeen): it reads the consented ones
		// (1 to 6 of the arrests, the March arrest, Kayes' two closed), so
		// FEMALE holds 8 incidents of which 2 hidden (7, 8) and MALE 6 of
		// which 4 hidden (9-12): both protected, though 8 and 6 are over
		// the threshold; the total holds 16 hidden of 25, published.
		a := askActorAgg(t, dihr, "VICTIM_GENDER")
		if a.IncidentAggregate.Threshold == nil || *a.IncidentAggregate.Threshold != 5 {
			t.Fatalf("DIHR by victim gender: threshold %v, want 5", a.IncidentAggregate.Threshold)
		}
		got := a.counts()
		for k, exact := range map[string]int{"[]": 25} {
			if g := got[k]; g < max(exact-2, 5) || g > exact+2 {
				t.Errorf("DIHR by victim gender: %q = %d, want %d ± 2 and at least 5", k, g, exact)
			}
		}
		for _, k := range []string{"[VICTIM_GENDER] FEMALE", "[VICTIM_GENDER] MALE", "[VICTIM_GENDER] OTHER", "[VICTIM_GENDER] UNKNOWN"} {
			if g, ok := got[k]; !ok || g != -1 {
				t.Errorf("DIHR by victim gender: %q = %d (present %v), want listed and protected", k, g, ok)
			}
		}
		// The same incidents get the same answer however asked: again, as
		// a margin of another grouping, as the cell of VERIFIED (the eight
		// incidents with a female victim are all verified), and the overall
		// total as when grouped by nothing. A difference of two answers of
		// the same rows is then 0, never a fresh draw of the noise.
		again := askActorAgg(t, dihr, "VICTIM_GENDER").counts()
		byStatus := askActorAgg(t, dihr, "VICTIM_GENDER", "STATUS").counts()
		overall := askActorAgg(t, dihr).counts()
		for _, same := range []struct {
			name string
			a, b int
		}{
			{"FEMALE, asked again", got["[VICTIM_GENDER] FEMALE"], again["[VICTIM_GENDER] FEMALE"]},
			{"FEMALE as a margin of gender × status", got["[VICTIM_GENDER] FEMALE"], byStatus["[VICTIM_GENDER] FEMALE"]},
			{"FEMALE as its VERIFIED cell", got["[VICTIM_GENDER] FEMALE"], byStatus["[VICTIM_GENDER STATUS] VERIFIED FEMALE"]},
			{"the overall total grouped by nothing", got["[]"], overall["[]"]},
		} {
			if same.a != same.b {
				t.Errorf("DIHR: %s: %d and %d, want one answer for the same incidents", same.name, same.a, same.b)
			}
		}
		civ := askActorAgg(t, dihr, "PERPETRATOR_CATEGORY").counts()["[PERPETRATOR_CATEGORY] CIVILIAN"]
		if civ != -1 {
			t.Errorf("DIHR by perpetrator category: CIVILIAN (1 incident) = %d, want protected", civ)
		}
		for _, who := range []string{aggFSI, aggMon} {
			for _, d := range []string{"VICTIM_GENDER", "VICTIM_AGE_BRACKET", "PERPETRATOR_CATEGORY"} {
				srv.As(t, who).Query(t, aggActorQuery, aggVars([]string{d}, year2023)).Code(t, "FORBIDDEN")
			}
		}
	})
}

// TestIncidentAggregateByActorsFiltered: the actors' values are those of
// the incidents counted only (actorPairs is semi-joined to the range and
// the filters), so that filters by locality, status, violation type and
// where count the same as the hand count of addAggActors: the twelve
// verified arrests of Niono in January 2023 and the verified arrest of
// March (no actor) are the 13 incidents kept.
func TestIncidentAggregateByActorsFiltered(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		f := newAggFixture(t, srv)
		addAggActors(t, srv.DB.Client)
		const q = `query($groupBy: [IncidentDimension!]!, $filter: IncidentAggregateFilter, $where: IncidentWhereInput) {
  incidentAggregate(groupBy: $groupBy, from: "2023-01-01T00:00:00Z", to: "2024-01-01T00:00:00Z", filter: $filter, where: $where) {
    cells { ...cell }
    totals { ...cell }
  }
}
fragment cell on IncidentCell {
  groupedBy violationType { code } status perpetratorCategory victimGender victimAgeBracket count protected
}`
		filter := map[string]any{"localities": []string{string(f.nionoCommune)}, "statuses": []string{"VERIFIED"}, "violationTypes": []string{string(f.arrest)}}
		for _, tt := range []struct {
			name    string
			groupBy []string
			vars    map[string]any
			want    map[string]int
		}{
			{"by gender, filtered", []string{"VICTIM_GENDER"}, map[string]any{"filter": filter},
				map[string]int{"[VICTIM_GENDER] FEMALE": 8, "[VICTIM_GENDER] MALE": 6, "[]": 13}},
			{"by gender and category, filtered and where", []string{"VICTIM_GENDER", "PERPETRATOR_CATEGORY"},
				map[string]any{"filter": filter, "where": map[string]any{"occurredAtLT": "2023-02-01T00:00:00Z"}},
				map[string]int{
					"[VICTIM_GENDER PERPETRATOR_CATEGORY] FDS_AGENT FEMALE": 8, "[VICTIM_GENDER PERPETRATOR_CATEGORY] FDS_AGENT MALE": 4,
					"[VICTIM_GENDER PERPETRATOR_CATEGORY] CIVILIAN FEMALE": 1, "[VICTIM_GENDER PERPETRATOR_CATEGORY] CIVILIAN MALE": 1,
					"[VICTIM_GENDER] FEMALE": 8, "[VICTIM_GENDER] MALE": 6,
					"[PERPETRATOR_CATEGORY] FDS_AGENT": 10, "[PERPETRATOR_CATEGORY] CIVILIAN": 1, "[]": 12}},
			{"by age, where only", []string{"VICTIM_AGE_BRACKET"}, map[string]any{"where": map[string]any{"referenceIn": []string{"AGG-2023-0001", "AGG-2023-0009"}}},
				map[string]int{"[VICTIM_AGE_BRACKET] AGE_18_35": 1, "[VICTIM_AGE_BRACKET] UNDER_18": 1, "[VICTIM_AGE_BRACKET] AGE_36_59": 1, "[]": 2}},
		} {
			var a aggActorAnswer
			srv.As(t, aggCoord).Query(t, q, aggVars(tt.groupBy, tt.vars)).OK(t, &a)
			got := a.counts()
			for k, w := range tt.want {
				if g, ok := got[k]; !ok || g != w {
					t.Errorf("%s: %q = %d (present %v), want %d", tt.name, k, g, ok, w)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("%s: %d cells %v, want %d", tt.name, len(got), got, len(tt.want))
			}
		}
	})
}
