package graph_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// The aggregate fixture: a tree Ségou › Niono (cercle) › Niono and
// Siribala (communes), and Kayes › Kayes (cercle, with incidents located
// at the cercle itself), and 30 incidents whose counts are computed by
// hand below. Subjects hold one role each.
const (
	aggCoord = "agg-coord" // amdh_coordinator in *
	aggMon   = "agg-mon"   // amdh_monitor in the cercle of Niono
	aggDIHR  = "agg-dihr"  // dihr_partner in *
	aggFSI   = "agg-fsi"   // fsi_liaison in the cercle of Niono
)

type aggFixture struct {
	nionoCercle, kayesCercle, nionoCommune, siribala gid.ID
	arrest, torture                                  gid.ID
}

// aggBatch is a batch of incidents of the fixture.
type aggBatch struct {
	n        int
	commune  string // "niono", "siribala" or "kayes" (the cercle itself)
	status   incident.Status
	occurred time.Time
	types    []string // "arrest", "torture"
	consent  int      // how many of the n are consented
}

var aggBatches = []aggBatch{
	{12, "niono", incident.StatusVERIFIED, time.Date(2023, 1, 10, 9, 0, 0, 0, time.UTC), []string{"arrest"}, 6},
	{3, "niono", incident.StatusREPORTED, time.Date(2023, 2, 14, 9, 0, 0, 0, time.UTC), []string{"torture"}, 0},
	{1, "niono", incident.StatusVERIFIED, time.Date(2023, 3, 3, 9, 0, 0, 0, time.UTC), []string{"arrest", "torture"}, 1},
	{7, "siribala", incident.StatusVERIFIED, time.Date(2023, 1, 20, 9, 0, 0, 0, time.UTC), []string{"arrest"}, 0},
	{2, "kayes", incident.StatusCLOSED, time.Date(2023, 1, 5, 9, 0, 0, 0, time.UTC), []string{"torture"}, 2},
	{5, "niono", incident.StatusVERIFIED, time.Date(2022, 6, 1, 9, 0, 0, 0, time.UTC), []string{"arrest"}, 5},
}

func newAggFixture(t *testing.T, srv *apitest.Server) *aggFixture {
	t.Helper()
	ctx := context.Background()
	sys := policy.SystemContext(ctx)
	c := srv.DB.Client
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture: %v", err)
		}
	}
	loc := func(name string, level locality.Level, parent gid.ID) gid.ID {
		b := c.Locality.Create().SetName(name).SetLevel(level)
		if parent != "" {
			b.SetParentID(parent)
		}
		l, err := b.Save(sys)
		must(err)
		return l.ID
	}
	f := &aggFixture{}
	segou := loc("Ségou", locality.LevelREGION, "")
	f.nionoCercle = loc("Niono", locality.LevelCERCLE, segou)
	f.nionoCommune = loc("Niono", locality.LevelCOMMUNE, f.nionoCercle)
	f.siribala = loc("Siribala", locality.LevelCOMMUNE, f.nionoCercle)
	kayes := loc("Kayes", locality.LevelREGION, "")
	f.kayesCercle = loc("Kayes", locality.LevelCERCLE, kayes)
	vt := func(code string) gid.ID {
		v, err := c.ViolationType.Create().SetCode(code).SetLabelFr(code).SetLabelEn(code).Save(sys)
		must(err)
		return v.ID
	}
	f.arrest, f.torture = vt("arbitrary_arrest"), vt("torture")
	org, err := c.Organization.Create().SetName("Commissariat fictif de Niono").SetKind("SECURITY_FORCE_UNIT").Save(sys)
	must(err)
	users := map[string]*ent.User{}
	for _, s := range []string{aggCoord, aggMon, aggDIHR, aggFSI} {
		b := c.User.Create().SetSubject(s).SetDisplayName("Utilisateur fictif " + s)
		if s == aggFSI {
			b.SetOrganization(org)
		}
		users[s], err = b.Save(sys)
		must(err)
	}
	must(srv.Assign(ctx, aggCoord, "amdh_coordinator", "*"))
	must(srv.Assign(ctx, aggMon, "amdh_monitor", string(f.nionoCercle)))
	must(srv.Assign(ctx, aggDIHR, "dihr_partner", "*"))
	must(srv.Assign(ctx, aggFSI, "fsi_liaison", string(f.nionoCercle)))
	places := map[string]gid.ID{"niono": f.nionoCommune, "siribala": f.siribala, "kayes": f.kayesCercle}
	types := map[string]gid.ID{"arrest": f.arrest, "torture": f.torture}
	seq := 0
	var builders []*ent.IncidentCreate
	for _, b := range aggBatches {
		var ids []gid.ID
		for _, ty := range b.types {
			ids = append(ids, types[ty])
		}
		for i := range b.n {
			seq++
			builders = append(builders, c.Incident.Create().
				SetReference(fmt.Sprintf("AGG-%d-%04d", b.occurred.Year(), seq)).
				SetOccurredAt(b.occurred.Add(time.Duration(i)*time.Hour)).
				SetReportedAt(b.occurred.Add(time.Duration(i+24)*time.Hour)).
				SetStatus(b.status).
				SetConsentToShare(i < b.consent).
				SetSummary("Résumé fictif").
				SetLocalityID(places[b.commune]).
				SetCollectedByID(users[aggMon].ID).
				AddViolationTypeIDs(ids...))
		}
	}
	must(c.Incident.CreateBulk(builders...).Exec(sys))
	return f
}

const aggQuery = `query($groupBy: [IncidentDimension!]!, $level: LocalityLevel! = CERCLE, $bucket: AggregateBucket! = MONTH, $dateField: AggregateDateField! = OCCURRED_AT, $from: Time, $to: Time, $filter: IncidentAggregateFilter, $where: IncidentWhereInput) {
  incidentAggregate(groupBy: $groupBy, localityLevel: $level, bucket: $bucket, dateField: $dateField, from: $from, to: $to, filter: $filter, where: $where) {
    threshold noiseBound
    cells { ...cell }
    totals { ...cell }
  }
}
fragment cell on IncidentCell {
  groupedBy locality { id name level } violationType { code } status period { start end }
  perpetratorCategory victimGender victimAgeBracket count protected
}`

type aggCell struct {
	GroupedBy []string
	Locality  *struct {
		ID    string
		Name  string
		Level string
	}
	ViolationType *struct{ Code string }
	Status        *string
	Period        *struct{ Start, End time.Time }
	// The keys of the actors' dimensions (the attack test's).
	PerpetratorCategory, VictimGender, VictimAgeBracket *string
	Count                                               *int
	Protected                                           bool
}

// label names a cell by its keys, e.g. "LOCALITY=Niono STATUS=VERIFIED"
// ("-" for a null key, "" for the overall total).
func (c aggCell) label() string {
	s := ""
	for _, d := range c.GroupedBy {
		v := "-"
		switch d {
		case "LOCALITY":
			if c.Locality != nil {
				v = c.Locality.Name + "/" + c.Locality.Level
			}
		case "VIOLATION_TYPE":
			if c.ViolationType != nil {
				v = c.ViolationType.Code
			}
		case "STATUS":
			if c.Status != nil {
				v = *c.Status
			}
		case "PERIOD":
			if c.Period != nil {
				v = c.Period.Start.Format("2006-01")
			}
		}
		if s != "" {
			s += " "
		}
		s += d + "=" + v
	}
	return s
}

type aggAnswer struct {
	IncidentAggregate struct {
		Threshold  *int
		NoiseBound int
		Cells      []aggCell
		Totals     []aggCell
	}
}

// all maps every cell and total of an answer by label to its count (-1:
// protected).
func (a aggAnswer) all() map[string]int {
	out := map[string]int{}
	for _, cs := range [][]aggCell{a.IncidentAggregate.Cells, a.IncidentAggregate.Totals} {
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

var year2023 = map[string]any{"from": "2023-01-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"}

func aggVars(groupBy []string, extra ...map[string]any) map[string]any {
	v := map[string]any{"groupBy": groupBy}
	for _, e := range extra {
		for k, x := range e {
			v[k] = x
		}
	}
	return v
}

func askAgg(t *testing.T, srv *apitest.Server, vars map[string]any) aggAnswer {
	t.Helper()
	var a aggAnswer
	srv.Query(t, aggQuery, vars).OK(t, &a)
	return a
}

func wantCounts(t *testing.T, who string, got map[string]int, want map[string]int) {
	t.Helper()
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("%s: %q = %d (present %v), want %d", who, k, g, ok, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d cells and totals, want %d: %v", who, len(got), len(want), got)
	}
}

// TestIncidentAggregateExact: the coordinator and the monitor count
// exactly, against the hand-computed fixture: cells, per-row and
// per-column totals, the overall total, and a total by violation type that
// is not the sum of its cells (an incident alleging two types counts once).
func TestIncidentAggregateExact(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		newAggFixture(t, srv)
		coord, mon := srv.As(t, aggCoord), srv.As(t, aggMon)

		a := askAgg(t, coord, aggVars([]string{"LOCALITY", "STATUS"}, year2023))
		if a.IncidentAggregate.Threshold != nil || a.IncidentAggregate.NoiseBound != 0 {
			t.Errorf("coordinator: threshold %v, noise bound %d: want exact", a.IncidentAggregate.Threshold, a.IncidentAggregate.NoiseBound)
		}
		wantCounts(t, "coordinator by cercle × status", a.all(), map[string]int{
			"LOCALITY=Niono/CERCLE STATUS=VERIFIED": 20,
			"LOCALITY=Niono/CERCLE STATUS=REPORTED": 3,
			"LOCALITY=Kayes/CERCLE STATUS=CLOSED":   2,
			"LOCALITY=Niono/CERCLE":                 23,
			"LOCALITY=Kayes/CERCLE":                 2,
			"STATUS=VERIFIED":                       20,
			"STATUS=REPORTED":                       3,
			"STATUS=CLOSED":                         2,
			"":                                      25,
		})

		a = askAgg(t, coord, aggVars([]string{"LOCALITY"}, year2023, map[string]any{"level": "COMMUNE"}))
		wantCounts(t, "coordinator by commune", a.all(), map[string]int{
			"LOCALITY=Niono/COMMUNE":    16,
			"LOCALITY=Siribala/COMMUNE": 7,
			"LOCALITY=-":                2, // Kayes' incidents are located at the cercle
			"":                          25,
		})

		a = askAgg(t, coord, aggVars([]string{"VIOLATION_TYPE", "PERIOD"}, year2023, map[string]any{"bucket": "QUARTER"}))
		wantCounts(t, "coordinator by type × quarter", a.all(), map[string]int{
			"VIOLATION_TYPE=arbitrary_arrest PERIOD=2023-01": 20,
			"VIOLATION_TYPE=torture PERIOD=2023-01":          6,
			"VIOLATION_TYPE=arbitrary_arrest":                20,
			"VIOLATION_TYPE=torture":                         6,
			"PERIOD=2023-01":                                 25, // not 26: the incident alleging both counts once
			"":                                               25,
		})

		// All time, grouped by nothing; then in the monitor's localities
		// only, all its incidents counted, read or not.
		wantCounts(t, "coordinator overall", askAgg(t, coord, aggVars([]string{})).all(), map[string]int{"": 30})
		wantCounts(t, "monitor overall", askAgg(t, mon, aggVars([]string{})).all(), map[string]int{"": 28})
		a = askAgg(t, mon, aggVars([]string{"STATUS"}, year2023, map[string]any{"filter": map[string]any{"violationTypes": []string{}}}))
		wantCounts(t, "monitor by status", a.all(), map[string]int{"STATUS=VERIFIED": 20, "STATUS=REPORTED": 3, "": 23})

		// The exact roles' where: filters of the list's kind.
		a = askAgg(t, coord, aggVars([]string{}, map[string]any{"where": map[string]any{"consentToShare": true}}))
		wantCounts(t, "coordinator, consented", a.all(), map[string]int{"": 14})
	})
}

// TestIncidentAggregateProtected: DIHR counts every incident (not only the
// consented ones it reads) and the liaison the verified ones of its
// localities, both under disclosure control: small cells are protected,
// the others are within the noise bound of the truth and never under the
// threshold, and the same incidents get the same count however they are
// asked for, or how often.
func TestIncidentAggregateProtected(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		f := newAggFixture(t, srv)
		dihr, fsi := srv.As(t, aggDIHR), srv.As(t, aggFSI)

		a := askAgg(t, dihr, aggVars([]string{"LOCALITY", "STATUS"}, year2023))
		if th := a.IncidentAggregate.Threshold; th == nil || *th != 5 || a.IncidentAggregate.NoiseBound != 2 {
			t.Fatalf("DIHR: threshold %v, noise bound %d: want 5 and 2", th, a.IncidentAggregate.NoiseBound)
		}
		got := a.all()
		truth := map[string]int{
			"LOCALITY=Niono/CERCLE STATUS=VERIFIED": 20,
			"LOCALITY=Niono/CERCLE STATUS=REPORTED": 3,
			"LOCALITY=Kayes/CERCLE STATUS=CLOSED":   2,
			"LOCALITY=Niono/CERCLE":                 23,
			"LOCALITY=Kayes/CERCLE":                 2,
			"STATUS=VERIFIED":                       20,
			"STATUS=REPORTED":                       3,
			"STATUS=CLOSED":                         2,
			"":                                      25,
		}
		checkProtected(t, "DIHR", got, truth, 5)

		// The liaison: verified incidents of the cercle of Niono only.
		a = askAgg(t, fsi, aggVars([]string{"VIOLATION_TYPE"}, year2023))
		checkProtected(t, "liaison", a.all(), map[string]int{
			"VIOLATION_TYPE=arbitrary_arrest": 20,
			"VIOLATION_TYPE=torture":          1,
			"":                                20,
		}, 5)

		// The same incidents, asked for in other ways, get the same count:
		// the cercle of Niono in 2023 as a total by locality, as a cell, as
		// a filter, and asked again.
		niono := got["LOCALITY=Niono/CERCLE"]
		ways := map[string]int{
			"cell":     askAgg(t, dihr, aggVars([]string{"LOCALITY"}, year2023)).all()["LOCALITY=Niono/CERCLE"],
			"filtered": askAgg(t, dihr, aggVars([]string{}, year2023, map[string]any{"filter": map[string]any{"localities": []string{string(f.nionoCercle)}}})).all()[""],
			"by year":  askAgg(t, dihr, aggVars([]string{"LOCALITY", "PERIOD"}, year2023, map[string]any{"bucket": "YEAR"})).all()["LOCALITY=Niono/CERCLE PERIOD=2023-01"],
			"again":    askAgg(t, dihr, aggVars([]string{"LOCALITY", "STATUS"}, year2023)).all()["LOCALITY=Niono/CERCLE"],
		}
		for way, v := range ways {
			if v != niono {
				t.Errorf("DIHR: Niono 2023 %s = %d, as a total by locality %d: the same incidents must get the same count", way, v, niono)
			}
		}
		// A protected cell stays protected whichever way it is asked.
		if v := askAgg(t, dihr, aggVars([]string{}, year2023, map[string]any{"filter": map[string]any{"localities": []string{string(f.kayesCercle)}}})).all()[""]; v != -1 {
			t.Errorf("DIHR: Kayes 2023 as a filter = %d, want protected", v)
		}
	})
}

// checkProtected checks an answer under threshold k against the truth
// (the cells that hold incidents; every other cell of the grid holds none):
// 0..k−1 protected, the others protected or within the noise bound and
// never under k.
func checkProtected(t *testing.T, who string, got, truth map[string]int, k int) {
	t.Helper()
	for label, g := range got {
		if _, ok := truth[label]; !ok && g != -1 {
			t.Errorf("%s: %q (no incident) = %d, want protected", who, label, g)
		}
	}
	for label, n := range truth {
		g, ok := got[label]
		switch {
		case !ok:
			t.Errorf("%s: no cell %q", who, label)
		case n < k && g != -1:
			t.Errorf("%s: %q = %d published, true count %d is under %d: want protected", who, label, g, n, k)
		case n >= k && g != -1 && (g < k || g < n-2 || g > n+2):
			t.Errorf("%s: %q = %d, true count %d: want within 2 and at least %d", who, label, g, n, k)
		case n >= k+2 && g == -1:
			t.Errorf("%s: %q protected, true count %d cannot fall under %d", who, label, n, k)
		}
	}
}

// TestIncidentAggregateRefused: grouping or filtering by a field the role
// may not aggregate is FORBIDDEN, and so is counting for a role with no
// aggregate grant; under disclosure control, where is FORBIDDEN and a
// range off the grid of whole years, or weeks, BAD_USER_INPUT.
func TestIncidentAggregateRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		f := newAggFixture(t, srv)
		ctx := context.Background()
		dihr, mon, coord := srv.As(t, aggDIHR), srv.As(t, aggMon), srv.As(t, aggCoord)
		for _, tt := range []struct {
			name string
			as   *apitest.Server
			vars map[string]any
			code string
		}{
			{"DIHR where", dihr, aggVars([]string{}, map[string]any{"where": map[string]any{"status": "VERIFIED"}}), "FORBIDDEN"},
			{"DIHR range moved by a day", dihr, aggVars([]string{"PERIOD"}, map[string]any{"from": "2023-01-02T00:00:00Z", "to": "2024-01-01T00:00:00Z"}), "BAD_USER_INPUT"},
			{"DIHR range to a month", dihr, aggVars([]string{}, map[string]any{"from": "2023-01-01T00:00:00Z", "to": "2023-07-01T00:00:00Z"}), "BAD_USER_INPUT"},
			{"DIHR weeks", dihr, aggVars([]string{"PERIOD"}, year2023, map[string]any{"bucket": "WEEK"}), "BAD_USER_INPUT"},
			{"DIHR two statuses", dihr, aggVars([]string{}, year2023, map[string]any{"filter": map[string]any{"statuses": []string{"VERIFIED", "CLOSED"}}}), "BAD_USER_INPUT"},
			{"DIHR two localities", dihr, aggVars([]string{}, year2023, map[string]any{"filter": map[string]any{"localities": []string{string(f.nionoCommune), string(f.siribala)}}}), "BAD_USER_INPUT"},
			{"DIHR two violation types", dihr, aggVars([]string{}, year2023, map[string]any{"filter": map[string]any{"violationTypes": []string{string(f.arrest), string(f.torture)}}}), "BAD_USER_INPUT"},
			{"liaison two statuses", srv.As(t, aggFSI), aggVars([]string{}, map[string]any{"filter": map[string]any{"statuses": []string{"VERIFIED", "CLOSED"}}}), "BAD_USER_INPUT"},
			{"DIHR by report date", dihr, aggVars([]string{"PERIOD"}, year2023, map[string]any{"dateField": "REPORTED_AT"}), "FORBIDDEN"},
			{"period without a range", coord, aggVars([]string{"PERIOD"}), "BAD_USER_INPUT"},
			{"monitor where on a field it may not aggregate", mon, aggVars([]string{}, map[string]any{"where": map[string]any{"consentToShare": true}}), "FORBIDDEN"},
			{"coordinator where on who collected", coord, aggVars([]string{}, map[string]any{"where": map[string]any{"hasCollectedBy": true}}), "FORBIDDEN"},
			{"coordinator where on who recorded an actor", coord, aggVars([]string{}, map[string]any{"where": map[string]any{"hasInvolvementsWith": []any{map[string]any{"hasActorWith": []any{map[string]any{"hasCollectedBy": true}}}}}}), "FORBIDDEN"},
			{"no role", srv.As(t, "agg-nobody"), aggVars([]string{}), "UNAUTHENTICATED"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				tt.as.Query(t, aggQuery, tt.vars).Code(t, tt.code)
			})
		}

		// Without aggregate on Incident.status, DIHR may not group by it;
		// without any aggregate grant it may not count at all.
		statistics := store.Permission{Role: "dihr_partner", Domain: "*", Object: "Incident:statistics", Action: "aggregate", Scope: "all"}
		if err := srv.Apply(ctx, "test: DIHR groups by nothing", store.Change{Op: store.Revoke, Permission: statistics}); err != nil {
			t.Fatal(err)
		}
		dihr.Query(t, aggQuery, aggVars([]string{"STATUS"})).Code(t, "FORBIDDEN")
		dihr.Query(t, aggQuery, aggVars([]string{}, map[string]any{"filter": map[string]any{"statuses": []string{"VERIFIED"}}})).Code(t, "FORBIDDEN")
		askAgg(t, dihr, aggVars([]string{})) // the total it may still count
		rows := store.Permission{Role: "dihr_partner", Domain: "*", Object: "Incident", Action: "aggregate", Scope: "protected(5)"}
		if err := srv.Apply(ctx, "test: DIHR counts nothing", store.Change{Op: store.Revoke, Permission: rows}); err != nil {
			t.Fatal(err)
		}
		dihr.Query(t, aggQuery, aggVars([]string{})).Code(t, "FORBIDDEN")
	})
}

// TestIncidentAggregateThresholdFromPolicy: the threshold is the policy's;
// an administrator raising it from 5 to 10 protects a count of 7 at once.
func TestIncidentAggregateThresholdFromPolicy(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		newAggFixture(t, srv)
		dihr := srv.As(t, aggDIHR)
		siribala := "LOCALITY=Siribala/COMMUNE"
		vars := aggVars([]string{"LOCALITY"}, year2023, map[string]any{"level": "COMMUNE"})
		if v := askAgg(t, dihr, vars).all()[siribala]; v < 5 || v > 9 {
			t.Fatalf("Siribala 2023 (7 incidents) under threshold 5: %d, want 5 to 9", v)
		}
		old := store.Permission{Role: "dihr_partner", Domain: "*", Object: "Incident", Action: "aggregate", Scope: "protected(5)"}
		raised := old
		raised.Scope = "protected(10)"
		if err := srv.Apply(context.Background(), "test: threshold 10", store.Change{Op: store.Revoke, Permission: old}, store.Change{Op: store.Grant, Permission: raised}); err != nil {
			t.Fatal(err)
		}
		a := askAgg(t, dihr, vars)
		if th := a.IncidentAggregate.Threshold; th == nil || *th != 10 {
			t.Fatalf("threshold %v after the change, want 10", th)
		}
		if v := a.all()[siribala]; v != -1 {
			t.Errorf("Siribala 2023 (7 incidents) under threshold 10: %d, want protected", v)
		}
		// The strictest wins: the coordinator, who also holds DIHR's role,
		// counts under its protection.
		if err := srv.Assign(context.Background(), aggCoord, "dihr_partner", "*"); err != nil {
			t.Fatal(err)
		}
		if th := askAgg(t, srv.As(t, aggCoord), vars).IncidentAggregate.Threshold; th == nil || *th != 10 {
			t.Errorf("coordinator holding dihr_partner too: threshold %v, want 10", th)
		}
		// The store refuses a threshold it cannot apply.
		for _, scope := range []string{"protected(1)", "protected(x)", "protected"} {
			bad := old
			bad.Scope = scope
			if err := srv.Apply(context.Background(), "test: bad threshold", store.Change{Op: store.Grant, Permission: bad}); err == nil {
				t.Errorf("scope %s accepted", scope)
			}
		}
		readProtected := store.Permission{Role: "dihr_partner", Domain: "*", Object: "Incident", Action: "read", Scope: "protected(5)"}
		if err := srv.Apply(context.Background(), "test: protected read", store.Change{Op: store.Grant, Permission: readProtected}); err == nil {
			t.Errorf("protected(5) accepted on a read")
		}
	})
}

// TestAggregateIsOneStatement: an aggregate is one SQL statement whatever
// its dimensions and margins (a UNION ALL of GROUP BYs), plus one query
// for the localities and one for the violation types of its keys, and,
// under disclosure control, one for each to list the whole grid. The
// coordinator's, the same without the grid.
func TestAggregateIsOneStatement(t *testing.T) {
	var counter storagetest.Counter
	storagetest.EachWith(t, storage.Config{WrapDriver: counter.Wrap}, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		newAggFixture(t, srv)
		dihr := srv.As(t, aggDIHR)
		askAgg(t, dihr, aggVars([]string{})) // warm the viewer cache
		for _, tt := range []struct {
			groupBy []string
			want    int64
		}{
			// Under disclosure control the grid's keys are read too: the
			// localities of the level and the violation types.
			{[]string{}, 1},
			{[]string{"STATUS"}, 1},
			{[]string{"LOCALITY"}, 3},
			{[]string{"LOCALITY", "STATUS", "PERIOD"}, 3},
			{[]string{"LOCALITY", "VIOLATION_TYPE", "STATUS", "PERIOD"}, 5},
		} {
			counter.Reset()
			askAgg(t, dihr, aggVars(tt.groupBy, year2023))
			if got := counter.Count(); got != tt.want {
				t.Errorf("DIHR, group by %v: %d statements, want %d", tt.groupBy, got, tt.want)
			}
		}
		coord := srv.As(t, aggCoord)
		askAgg(t, coord, aggVars([]string{}))
		counter.Reset()
		askAgg(t, coord, aggVars([]string{"LOCALITY", "VIOLATION_TYPE", "STATUS", "PERIOD"}, year2023))
		if got := counter.Count(); got != 3 {
			t.Errorf("coordinator, group by all four: %d statements, want 3", got)
		}
	})
}

// TestIncidentAggregateGridIgnoresData: under disclosure control the
// cells listed are the grid's, whatever the incidents. A filter on
// violation types keeps the incidents alleging one of them, which count in
// the cells of every type they allege: the grid must list every type, or
// the cell of another type would appear only when some incident alleges
// both (here the one incident of Niono alleging arrest and torture, a
// protected count of 1, would be told apart from an empty cell).
func TestIncidentAggregateGridIgnoresData(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		f := newAggFixture(t, srv)
		dihr := srv.As(t, aggDIHR)
		labels := func(vars map[string]any) []string {
			var out []string
			for l := range askAgg(t, dihr, vars).all() {
				out = append(out, l)
			}
			slices.Sort(out)
			return out
		}
		dims := []string{"VIOLATION_TYPE", "LOCALITY"}
		level := map[string]any{"level": "COMMUNE"}
		all := labels(aggVars(dims, year2023, level))
		for _, ty := range []gid.ID{f.arrest, f.torture} {
			filtered := labels(aggVars(dims, year2023, level, map[string]any{"filter": map[string]any{"violationTypes": []string{string(ty)}}}))
			if !slices.Equal(filtered, all) {
				t.Errorf("DIHR filtered by %s lists %d cells, unfiltered %d: the cells listed must not depend on the data\nfiltered: %v\nall: %v",
					ty, len(filtered), len(all), filtered, all)
			}
		}
	})
}

// TestIncidentAggregateNeverByCollector: who collected an incident is
// never a filter of counts, whatever the policy: not even for the
// coordinator, who reads every incident, once an administrator takes
// Incident.collectedBy out of the sensitive fields.
func TestIncidentAggregateNeverByCollector(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		newAggFixture(t, srv)
		ctx := context.Background()
		coord := srv.As(t, aggCoord)
		byCollector := aggVars([]string{}, map[string]any{"where": map[string]any{"hasCollectedByWith": []any{map[string]any{"subject": aggMon}}}})
		coord.Query(t, aggQuery, byCollector).Code(t, "FORBIDDEN")
		out := store.Change{Op: store.Ungroup, FieldGroup: store.FieldGroup{Field: "Incident.collectedBy", Group: "Incident:sensitive"}}
		if err := srv.Apply(ctx, "test: the collector is not sensitive", out); err != nil {
			t.Fatal(err)
		}
		coord.Query(t, aggQuery, byCollector).Code(t, "FORBIDDEN")
		coord.Query(t, aggQuery, aggVars([]string{}, map[string]any{"where": map[string]any{"hasCollectedBy": true}})).Code(t, "FORBIDDEN")
	})
}

// TestAggregateScansIncidentsOnce: the one statement of an aggregate reads
// the incidents table once for the grouping sets of single-valued
// dimensions, however many margins they have, and once more for those
// grouped by violation type (whose totals must count an incident once):
// every margin is re-aggregated from a scan, not a scan of its own.
func TestAggregateScansIncidentsOnce(t *testing.T) {
	var counter storagetest.Counter
	storagetest.EachWith(t, storage.Config{WrapDriver: counter.Wrap}, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		newAggFixture(t, srv)
		coord := srv.As(t, aggCoord)
		askAgg(t, coord, aggVars([]string{})) // warm the viewer cache
		for _, tt := range []struct {
			groupBy []string
			scans   int
		}{
			{[]string{}, 1},
			{[]string{"LOCALITY", "STATUS", "PERIOD"}, 1},
			{[]string{"VIOLATION_TYPE"}, 2},
			{[]string{"LOCALITY", "VIOLATION_TYPE", "STATUS", "PERIOD"}, 2},
		} {
			counter.Reset()
			askAgg(t, coord, aggVars(tt.groupBy, year2023))
			var stmt string
			for _, s := range counter.Statements() {
				if strings.Contains(s, "agg_set") {
					stmt = s
				}
			}
			if stmt == "" {
				t.Fatalf("group by %v: no aggregate statement among %q", tt.groupBy, counter.Statements())
			}
			scans := 0
			for _, q := range []string{`FROM "incidents"`, "FROM `incidents`"} {
				scans += strings.Count(stmt, q)
			}
			if scans != tt.scans {
				t.Errorf("group by %v: the incidents are read %d times, want %d:\n%s", tt.groupBy, scans, tt.scans, stmt)
			}
		}
	})
}
