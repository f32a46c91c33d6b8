package demo_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/demo"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/activity"
	"github.com/benkan-project/benkan/ent/actor"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/ent/organization"
	"github.com/benkan-project/benkan/ent/user"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// counts returns the number of rows of every type Load writes.
func counts(t *testing.T, ctx context.Context, c *ent.Client) map[string]int {
	t.Helper()
	out := map[string]int{}
	for name, count := range map[string]func(context.Context) (int, error){
		"ViolationType":  c.ViolationType.Query().Count,
		"Locality":       c.Locality.Query().Count,
		"Organization":   c.Organization.Query().Count,
		"User":           c.User.Query().Count,
		"Actor":          c.Actor.Query().Count,
		"Incident":       c.Incident.Query().Count,
		"Involvement":    c.Involvement.Query().Count,
		"FollowUp":       c.FollowUp.Query().Count,
		"Activity":       c.Activity.Query().Count,
		"Recommendation": c.Recommendation.Query().Count,
	} {
		n, err := count(ctx)
		if err != nil {
			t.Fatalf("count %s: %v", name, err)
		}
		out[name] = n
	}
	return out
}

func TestLoad(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := policy.SystemContext(context.Background())
		c := db.Client

		start := time.Now()
		loaded, err := demo.Load(ctx, c)
		elapsed := time.Since(start)
		if err != nil || !loaded {
			t.Fatalf("first Load = %v, %v; want true, nil", loaded, err)
		}
		first := counts(t, ctx, c)
		t.Logf("%s: Load took %v and wrote %v", db.Dialect, elapsed.Round(time.Millisecond), first)

		loaded, err = demo.Load(ctx, c)
		if err != nil || loaded {
			t.Fatalf("second Load = %v, %v; want false, nil", loaded, err)
		}
		if second := counts(t, ctx, c); !mapsEqual(first, second) {
			t.Fatalf("second Load changed the row counts: %v, then %v", first, second)
		}

		t.Run("counts", func(t *testing.T) { checkCounts(t, first) })
		t.Run("incidents", func(t *testing.T) { checkIncidents(t, ctx, c) })
		t.Run("follow-ups", func(t *testing.T) { checkFollowUps(t, ctx, c) })
		t.Run("actors", func(t *testing.T) { checkActors(t, ctx, c) })
		t.Run("retreat", func(t *testing.T) { checkRetreat(t, ctx, c) })
		t.Run("users", func(t *testing.T) { checkUsers(t, ctx, c) })
		t.Run("assignments", func(t *testing.T) { checkAssignments(t, ctx, c) })
		t.Run("liaisons", func(t *testing.T) { checkLiaisons(t, ctx, c) })
	})
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func checkCounts(t *testing.T, got map[string]int) {
	want := map[string][2]int{
		"ViolationType":  {len(demo.ViolationTypes), len(demo.ViolationTypes)},
		"Locality":       {11, 11}, // 3 regions, 4 cercles, 4 communes
		"Organization":   {16, 16},
		"User":           {len(demo.Users), len(demo.Users)},
		"Actor":          {250, 400},
		"Incident":       {250, 400},
		"Involvement":    {250, 2000},
		"FollowUp":       {100, 250},
		"Activity":       {40, 60},
		"Recommendation": {10, 30},
	}
	for name, r := range want {
		if got[name] < r[0] || got[name] > r[1] {
			t.Errorf("%d rows of %s, want %d to %d", got[name], name, r[0], r[1])
		}
	}
}

func checkIncidents(t *testing.T, ctx context.Context, c *ent.Client) {
	if n, err := c.Incident.Query().Where(incident.Not(incident.HasInvolvements())).Count(ctx); err != nil || n != 0 {
		t.Errorf("incidents without involvements: %d, %v", n, err)
	}
	if n, err := c.Incident.Query().Where(incident.Not(incident.HasViolationTypes())).Count(ctx); err != nil || n != 0 {
		t.Errorf("incidents without violation types: %d, %v", n, err)
	}
	if n, err := c.Incident.Query().Where(incident.Not(incident.HasInvolvementsWith(involvement.RoleEQ(involvement.RoleVICTIM)))).Count(ctx); err != nil || n != 0 {
		t.Errorf("incidents without victims: %d, %v", n, err)
	}
	incidents, err := c.Incident.Query().
		WithLocality().
		WithInvolvements(func(q *ent.InvolvementQuery) {
			q.Where(involvement.RoleEQ(involvement.RoleALLEGED_PERPETRATOR)).
				WithActor(func(q *ent.ActorQuery) { q.WithOrganization(func(q *ent.OrganizationQuery) { q.WithLocality() }) })
		}).
		All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[incident.Status]int{}
	places := map[string]int{}
	withPerpetrator, consented := 0, 0
	for _, i := range incidents {
		statuses[i.Status]++
		places[i.Edges.Locality.Name]++
		if i.ConsentToShare {
			consented++
		}
		if i.ReportedAt.Before(i.OccurredAt) {
			t.Errorf("%s reported %v before it occurred %v", i.Reference, i.ReportedAt, i.OccurredAt)
		}
		if i.OccurredAt.Year() < 2021 || i.OccurredAt.Year() > 2023 {
			t.Errorf("%s occurred in %d", i.Reference, i.OccurredAt.Year())
		}
		code := map[string]string{"Niono": "NIO-", "Kayes": "KAY-", "Fourou": "FOU-"}[i.Edges.Locality.Name]
		if code == "" || !strings.HasPrefix(i.Reference, code) {
			t.Errorf("%s is in %s", i.Reference, i.Edges.Locality.Name)
		}
		for _, field := range []*string{i.Narrative, i.ExactLocation, i.Source} {
			if field == nil || !strings.Contains(*field, "fictif") {
				t.Errorf("%s: a sensitive field is not marked fictitious: %v", i.Reference, field)
			}
		}
		if len(i.Edges.Involvements) > 1 {
			t.Errorf("%s has %d alleged perpetrators", i.Reference, len(i.Edges.Involvements))
		}
		for _, inv := range i.Edges.Involvements {
			withPerpetrator++
			a := inv.Edges.Actor
			if a.Kind == actor.KindUNIT && a.Edges.Organization.Edges.Locality.ID != i.LocalityID {
				t.Errorf("%s (in %s) alleges %s, based elsewhere", i.Reference, i.Edges.Locality.Name, *a.FullName)
			}
		}
	}
	t.Logf("statuses %v, places %v, %d with an alleged perpetrator, %d consented", statuses, places, withPerpetrator, consented)
	if len(statuses) != 6 {
		t.Errorf("statuses used: %v, want all six", statuses)
	}
	if statuses[incident.StatusVERIFIED] < statuses[incident.StatusUNSUBSTANTIATED] || statuses[incident.StatusVERIFIED] < statuses[incident.StatusCLOSED] {
		t.Errorf("statuses %v: want most VERIFIED", statuses)
	}
	if share := float64(consented) / float64(len(incidents)); share < 0.6 || share > 0.8 {
		t.Errorf("%.0f%% of incidents consented to sharing, want about 70%%", share*100)
	}
	if withPerpetrator < len(incidents)/2 {
		t.Errorf("%d of %d incidents name an alleged perpetrator, want most", withPerpetrator, len(incidents))
	}
}

func checkFollowUps(t *testing.T, ctx context.Context, c *ent.Client) {
	fus, err := c.FollowUp.Query().WithIncident().WithOrganization().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fus {
		if !f.DoneOn.After(f.Edges.Incident.ReportedAt) {
			t.Errorf("follow-up of %s done on %v, not after it was reported %v", f.Edges.Incident.Reference, f.DoneOn, f.Edges.Incident.ReportedAt)
		}
		if k := f.Edges.Organization.Kind; k != organization.KindHUMAN_RIGHTS_NGO && k != organization.KindSECURITY_FORCE_UNIT {
			t.Errorf("follow-up of %s by %s", f.Edges.Incident.Reference, f.Edges.Organization.Name)
		}
	}
}

func checkActors(t *testing.T, ctx context.Context, c *ent.Client) {
	actors, err := c.Actor.Query().WithOrganization().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	units := 0
	for _, a := range actors {
		if a.FullName == nil {
			t.Errorf("actor %s has no name", a.ID)
			continue
		}
		name := *a.FullName
		if a.Kind == actor.KindUNIT {
			units++
			if o := a.Edges.Organization; o == nil || o.Name != name || o.Kind != organization.KindSECURITY_FORCE_UNIT {
				t.Errorf("unit actor %q does not stand for the unit of that name: %v", name, o)
			}
			continue
		}
		if !strings.Contains(name, "fictif") && !strings.Contains(name, "fictive") {
			t.Errorf("actor %q is not visibly fictitious", name)
		}
		for _, field := range []*string{a.Contact, a.Address} {
			if field != nil && !strings.Contains(*field, "fictif") {
				t.Errorf("actor %q: %q is not visibly fictitious", name, *field)
			}
		}
	}
	if units != 4 {
		t.Errorf("%d unit actors, want one per unit (4)", units)
	}
}

func checkRetreat(t *testing.T, ctx context.Context, c *ent.Client) {
	r, err := c.Activity.Query().
		Where(activity.KindEQ(activity.KindSTRATEGIC_RETREAT)).
		WithLocality().WithOrganizers().WithRecommendations().
		Only(ctx)
	if err != nil {
		t.Fatalf("the strategic retreat: %v", err)
	}
	if r.Title != "Retraite stratégique de Ségou" || r.Edges.Locality.Name != "Ségou" || r.Edges.Locality.Level != locality.LevelCOMMUNE {
		t.Errorf("retreat %q in %s (%s)", r.Title, r.Edges.Locality.Name, r.Edges.Locality.Level)
	}
	if s, e := r.StartsOn.UTC().Format(time.DateOnly), r.EndsOn.UTC().Format(time.DateOnly); s != "2023-12-18" || e != "2023-12-19" {
		t.Errorf("retreat from %s to %s, want 2023-12-18 to 2023-12-19", s, e)
	}
	var organizers []string
	for _, o := range r.Edges.Organizers {
		organizers = append(organizers, o.Acronym)
	}
	slices.Sort(organizers)
	if !slices.Equal(organizers, []string{"AMDH", "DIHR"}) {
		t.Errorf("retreat organized by %v, want AMDH and DIHR", organizers)
	}
	if len(r.Edges.Recommendations) < 5 {
		t.Errorf("retreat made %d recommendations, want about 6", len(r.Edges.Recommendations))
	}
	for _, rec := range r.Edges.Recommendations {
		if rec.DueOn == nil || rec.DueOn.Year() != 2024 {
			t.Errorf("retreat recommendation %q due %v, want in 2024", rec.Text, rec.DueOn)
		}
	}
	for _, want := range []string{"capitalis", "solutions", "recommandations majeures", "prorogation"} {
		if !strings.Contains(r.Outcomes, want) {
			t.Errorf("retreat outcomes lack %q", want)
		}
	}
}

func checkUsers(t *testing.T, ctx context.Context, c *ent.Client) {
	for _, u := range demo.Users {
		got, err := c.User.Query().Where(user.Subject(u.Subject)).WithOrganization().Only(ctx)
		if err != nil {
			t.Errorf("user %s: %v", u.Subject, err)
			continue
		}
		if got.DisplayName != u.DisplayName || got.Edges.Organization == nil || got.Edges.Organization.Name != u.Organization {
			t.Errorf("user %s = %q of %v, want %q of %q", u.Subject, got.DisplayName, got.Edges.Organization, u.DisplayName, u.Organization)
		}
	}
}

func checkAssignments(t *testing.T, ctx context.Context, c *ent.Client) {
	as, err := demo.Assignments(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	bySubject := map[string][]demo.Assignment{}
	for _, a := range as {
		bySubject[a.Subject] = append(bySubject[a.Subject], a)
	}
	for _, u := range demo.Users {
		got := bySubject[u.Subject]
		if len(u.Localities) == 0 {
			if len(got) != 1 || got[0].Domain != "*" || got[0].Role != u.Role {
				t.Errorf("assignments of %s = %v, want %s everywhere", u.Subject, got, u.Role)
			}
			continue
		}
		if len(got) != len(u.Localities) {
			t.Errorf("assignments of %s = %v, want one per locality %v", u.Subject, got, u.Localities)
			continue
		}
		for i, a := range got {
			l, err := c.Locality.Get(ctx, gid.ID(a.Domain))
			if err != nil || l.Name != u.Localities[i] || l.Level != locality.LevelCOMMUNE || a.Role != u.Role {
				t.Errorf("assignment %v of %s: locality %v, %v", a, u.Subject, l, err)
			}
		}
	}
}

// checkLiaisons checks that each FSI liaison has verified, shared
// allegations against its own unit to see.
func checkLiaisons(t *testing.T, ctx context.Context, c *ent.Client) {
	for _, u := range demo.Users {
		if u.Role != "fsi_liaison" {
			continue
		}
		n, err := c.Incident.Query().Where(
			incident.StatusEQ(incident.StatusVERIFIED),
			incident.ConsentToShare(true),
			incident.HasLocalityWith(locality.NameIn(u.Localities...)),
			incident.HasInvolvementsWith(
				involvement.RoleEQ(involvement.RoleALLEGED_PERPETRATOR),
				involvement.HasActorWith(actor.HasOrganizationWith(organization.Name(u.Organization)))),
		).Count(ctx)
		if err != nil || n < 3 {
			t.Errorf("%s sees %d verified shared allegations against %s (%v), want some", u.Subject, n, u.Organization, err)
		}
	}
}

// fingerprint describes the loaded data without their ids.
func fingerprint(t *testing.T, ctx context.Context, c *ent.Client) string {
	t.Helper()
	var b strings.Builder
	incidents, err := c.Incident.Query().
		Order(incident.ByReference()).
		WithViolationTypes().
		WithInvolvements(func(q *ent.InvolvementQuery) { q.WithActor() }).
		WithFollowUps().
		All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range incidents {
		var types, people []string
		for _, v := range i.Edges.ViolationTypes {
			types = append(types, v.Code)
		}
		for _, inv := range i.Edges.Involvements {
			people = append(people, fmt.Sprintf("%s:%s/%s/%s", inv.Role, *inv.Edges.Actor.FullName, inv.Edges.Actor.Gender, inv.Edges.Actor.AgeBracket))
		}
		var fus []string
		for _, f := range i.Edges.FollowUps {
			fus = append(fus, fmt.Sprintf("%s@%s", f.Kind, f.DoneOn.UTC().Format(time.DateOnly)))
		}
		slices.Sort(types)
		slices.Sort(people)
		slices.Sort(fus)
		fmt.Fprintf(&b, "%s %s %s %s %v %q %v %v %v\n", i.Reference, i.Status, i.OccurredAt.UTC().Format(time.RFC3339), i.ReportedAt.UTC().Format(time.RFC3339),
			i.ConsentToShare, i.Summary, types, people, fus)
	}
	activities, err := c.Activity.Query().Order(activity.ByStartsOn(), activity.ByTitle()).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range activities {
		fmt.Fprintf(&b, "%s %s %s %d/%d/%d/%d\n", a.StartsOn.UTC().Format(time.DateOnly), a.EndsOn.UTC().Format(time.DateOnly), a.Title, a.WomenCount, a.MenCount, a.YouthCount, a.SecurityForceCount)
	}
	return b.String()
}

func TestLoadIsDeterministic(t *testing.T) {
	ctx := policy.SystemContext(context.Background())
	sqlite := storagetest.Databases()[0]
	var prints []string
	for range 2 {
		db := sqlite.Open(t, storage.Config{})
		if loaded, err := demo.Load(ctx, db.Client); err != nil || !loaded {
			t.Fatalf("Load = %v, %v", loaded, err)
		}
		prints = append(prints, fingerprint(t, ctx, db.Client))
	}
	if prints[0] != prints[1] {
		t.Fatal("two loads produced different data")
	}
}

func TestViolationTypeCodes(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range demo.ViolationTypes {
		if seen[v.Code] {
			t.Errorf("code %s twice", v.Code)
		}
		seen[v.Code] = true
		if v.LabelFR == "" || v.LabelEN == "" {
			t.Errorf("term %s lacks a label", v.Code)
		}
	}
	if len(seen) != 10 {
		t.Errorf("%d violation types, want 10", len(seen))
	}
}

func TestLoadLeavesNonEmptyDatabase(t *testing.T) {
	ctx := policy.SystemContext(context.Background())
	db := storagetest.Databases()[0].Open(t, storage.Config{})
	c := db.Client
	if _, err := c.Organization.Create().SetName("Organisation existante (fictive)").SetKind(organization.KindOTHER).Save(ctx); err != nil {
		t.Fatal(err)
	}
	if loaded, err := demo.Load(ctx, c); err != nil || loaded {
		t.Fatalf("Load = %v, %v; want false, nil", loaded, err)
	}
	got := counts(t, ctx, c)
	for name, n := range got {
		if want := map[string]int{"Organization": 1}[name]; n != want {
			t.Errorf("%d rows of %s, want %d", n, name, want)
		}
	}
	if as, err := demo.Assignments(ctx, c); err != nil || len(as) != 0 {
		t.Errorf("Assignments = %v, %v; want none", as, err)
	}
}
