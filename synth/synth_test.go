package synth

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/ent/migrate"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

const testN = 2000

// count runs a query returning one integer.
func count(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// near checks that got is within tol of want.
func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.3f, want %.3f ± %.3f", what, got, want, tol)
	}
}

func TestLoad(t *testing.T) {
	for _, d := range storagetest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			db := d.Open(t, storage.Config{})
			testLoad(t, db)
		})
	}
}

func testLoad(t *testing.T, db *storage.DB) {
	ctx := context.Background()
	var before []string
	if db.Dialect == dialectPostgres {
		before = pgDefinitions(t, db.SQL)
	}
	var progress bytes.Buffer
	res, err := Load(ctx, db.SQL, db.Dialect, Config{Incidents: testN, Seed: 42, Progress: &progress})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if db.Dialect == dialectPostgres {
		if after := pgDefinitions(t, db.SQL); !slices.Equal(before, after) {
			t.Errorf("indexes and constraints changed:\nbefore %q\nafter  %q", before, after)
		}
	}

	// Counts: as reported, and in proportion.
	for table, n := range res.Counts {
		if got := count(t, db.SQL, "SELECT COUNT(*) FROM "+table); got != n {
			t.Errorf("%s: %d rows, Result says %d", table, got, n)
		}
	}
	want := map[string]int{
		"incidents": testN, "actors": 600, "localities": 200, "activities": 40,
		"follow_ups": 100, "recommendations": 10, "violation_types": 10, "users": 78,
	}
	for table, n := range want {
		if got := res.Counts[table]; got != n {
			t.Errorf("%s: %d rows, want %d", table, got, n)
		}
	}
	near(t, "involvements per incident", float64(res.Counts["involvements"])/testN, 3, 0.2)
	near(t, "violation types per incident", float64(res.Counts["incident_violation_types"])/testN, 1.6, 0.1)
	if n := res.Counts["recommendation_addressees"]; n < 10 || n > 20 {
		t.Errorf("%d recommendation addressees for 10 recommendations", n)
	}
	for level, n := range map[string]int{"REGION": 8, "CERCLE": 32, "COMMUNE": 160} {
		if got := count(t, db.SQL, "SELECT COUNT(*) FROM localities WHERE level = $1", level); got != n {
			t.Errorf("%d localities of level %s, want %d", got, level, n)
		}
	}
	if got := count(t, db.SQL, `SELECT COUNT(*) FROM organizations WHERE kind = 'SECURITY_FORCE_UNIT'`); got != 40 {
		t.Errorf("%d units, want 40", got)
	}
	if got := count(t, db.SQL, `SELECT COUNT(*) FROM actors a JOIN organizations o ON o.id = a.organization_id
		WHERE a.kind = 'UNIT' AND o.kind = 'SECURITY_FORCE_UNIT'`); got != 40 {
		t.Errorf("%d UNIT actors standing for a unit, want 40", got)
	}

	// Proportions.
	for i, s := range statuses {
		got := float64(count(t, db.SQL, "SELECT COUNT(*) FROM incidents WHERE status = $1", s)) / testN
		near(t, "share of "+s, got, statusShare[i]/100, 0.035)
	}
	near(t, "share with consent", float64(count(t, db.SQL, "SELECT COUNT(*) FROM incidents WHERE consent_to_share = $1", true))/testN, 0.7, 0.035)
	byType := map[string]int{}
	rows, err := db.SQL.Query(`SELECT v.code, COUNT(*) FROM incident_violation_types x
		JOIN violation_types v ON v.id = x.violation_type_id GROUP BY v.code`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var code string
		var n int
		if err := rows.Scan(&code, &n); err != nil {
			t.Fatal(err)
		}
		byType[code] = n
	}
	rows.Close()
	if a, b, c := byType["arbitrary_arrest"], byType["torture_ill_treatment"], byType["attack_on_fsi"]; !(a > b && b > c && c > 0) {
		t.Errorf("violation types not Zipf-like: %v", byType)
	}
	if got := count(t, db.SQL, `SELECT COUNT(*) FROM (SELECT incident_id FROM incident_violation_types
		GROUP BY incident_id HAVING COUNT(*) BETWEEN 1 AND 3) t`); got != testN {
		t.Errorf("%d incidents have 1–3 violation types, want all %d", got, testN)
	}
	const unitAlleged = `SELECT COUNT(DISTINCT v.incident_id) FROM involvements v JOIN actors a ON a.id = v.actor_id
		WHERE v.role = 'ALLEGED_PERPETRATOR' AND a.kind = 'UNIT'`
	near(t, "share alleging a unit", float64(count(t, db.SQL, unitAlleged))/testN, 0.6, 0.04)
	// The alleged unit is of the incident's region: its locality is the
	// incident's cercle or region.
	if got := count(t, db.SQL, `SELECT COUNT(*) FROM involvements v
		JOIN actors a ON a.id = v.actor_id AND a.kind = 'UNIT'
		JOIN organizations o ON o.id = a.organization_id
		JOIN incidents i ON i.id = v.incident_id
		JOIN localities commune ON commune.id = i.locality_id
		JOIN localities cercle ON cercle.id = commune.locality_children
		WHERE o.organization_locality NOT IN (cercle.id, cercle.locality_children)`); got != 0 {
		t.Errorf("%d incidents allege a unit of another region", got)
	}

	// Foreign keys.
	for _, q := range []string{
		`SELECT COUNT(*) FROM involvements v LEFT JOIN incidents i ON i.id = v.incident_id WHERE i.id IS NULL`,
		`SELECT COUNT(*) FROM involvements v LEFT JOIN actors a ON a.id = v.actor_id WHERE a.id IS NULL`,
		`SELECT COUNT(*) FROM incident_violation_types x LEFT JOIN incidents i ON i.id = x.incident_id WHERE i.id IS NULL`,
		`SELECT COUNT(*) FROM incident_violation_types x LEFT JOIN violation_types v ON v.id = x.violation_type_id WHERE v.id IS NULL`,
		`SELECT COUNT(*) FROM incidents i LEFT JOIN localities l ON l.id = i.locality_id WHERE l.id IS NULL OR l.level <> 'COMMUNE'`,
		`SELECT COUNT(*) FROM incidents i LEFT JOIN users u ON u.id = i.collected_by_id WHERE i.collected_by_id IS NOT NULL AND u.id IS NULL`,
		`SELECT COUNT(*) FROM actors a LEFT JOIN users u ON u.id = a.collected_by_id WHERE a.collected_by_id IS NOT NULL AND u.id IS NULL`,
		`SELECT COUNT(*) FROM follow_ups f LEFT JOIN incidents i ON i.id = f.incident_id WHERE i.id IS NULL`,
		`SELECT COUNT(*) FROM follow_ups f LEFT JOIN organizations o ON o.id = f.` + fkColumn(migrate.FollowUpsTable, migrate.OrganizationsTable) + ` WHERE o.id IS NULL`,
		`SELECT COUNT(*) FROM activities a LEFT JOIN localities l ON l.id = a.locality_id WHERE l.id IS NULL`,
		`SELECT COUNT(*) FROM activity_organizers x LEFT JOIN activities a ON a.id = x.activity_id WHERE a.id IS NULL`,
		`SELECT COUNT(*) FROM activity_organizers x LEFT JOIN organizations o ON o.id = x.organization_id WHERE o.id IS NULL`,
		`SELECT COUNT(*) FROM recommendations r LEFT JOIN activities a ON a.id = r.activity_id WHERE a.id IS NULL`,
		`SELECT COUNT(*) FROM recommendation_addressees x LEFT JOIN recommendations r ON r.id = x.recommendation_id WHERE r.id IS NULL`,
		`SELECT COUNT(*) FROM recommendation_addressees x LEFT JOIN organizations o ON o.id = x.organization_id WHERE o.id IS NULL`,
		`SELECT COUNT(*) FROM localities c LEFT JOIN localities p ON p.id = c.locality_children
			WHERE c.level <> 'REGION' AND (p.id IS NULL OR p.level = c.level)`,
		`SELECT COUNT(*) FROM (SELECT incident_id, actor_id, role FROM involvements
			GROUP BY incident_id, actor_id, role HAVING COUNT(*) > 1) t`,
		`SELECT COUNT(*) FROM (SELECT reference FROM incidents GROUP BY reference HAVING COUNT(*) > 1) t`,
		`SELECT COUNT(*) FROM incidents WHERE created_at IS NULL OR updated_at IS NULL`,
		`SELECT COUNT(*) FROM actors WHERE created_at IS NULL OR updated_at IS NULL`,
		`SELECT COUNT(*) FROM involvements WHERE created_at IS NULL OR updated_at IS NULL`,
	} {
		if n := count(t, db.SQL, q); n != 0 {
			t.Errorf("%d rows break: %s", n, q)
		}
	}

	// Ids are gid ids with the type's prefix.
	for table, prefix := range map[string]string{
		"localities": "loc", "organizations": "org", "users": "usr", "violation_types": "vty", "actors": "act",
		"incidents": "inc", "involvements": "inv", "follow_ups": "fup", "activities": "acv", "recommendations": "rec",
	} {
		rows, err := db.SQL.Query("SELECT id FROM " + table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			if err := gid.ID(id).Validate(); err != nil || gid.ID(id).Prefix() != prefix {
				t.Errorf("%s: bad id %q: %v", table, id, err)
				break
			}
		}
		rows.Close()
	}

	// The ent client reads the rows back, and they keep the model's rules.
	sys := policy.SystemContext(ctx)
	c := db.Client
	if n, err := c.Incident.Query().Count(sys); err != nil || n != testN {
		t.Fatalf("ent counts %d incidents (%v), want %d", n, err, testN)
	}
	reference := regexp.MustCompile(`^[A-Z]{2,6}-[0-9]{4}-[0-9]{3,6}$`)
	incidents, err := c.Incident.Query().WithViolationTypes().WithInvolvements().WithFollowUps().All(sys)
	if err != nil {
		t.Fatalf("ent: read incidents: %v", err)
	}
	for _, in := range incidents {
		switch {
		case !reference.MatchString(in.Reference) || !strings.HasPrefix(in.Reference, "SYN-"):
			t.Errorf("%s: reference %q", in.ID, in.Reference)
		case in.ReportedAt.Before(in.OccurredAt):
			t.Errorf("%s: reported %s before it occurred %s", in.Reference, in.ReportedAt, in.OccurredAt)
		case in.OccurredAt.Year() < 2018 || in.ReportedAt.Year() > 2025:
			t.Errorf("%s: dates %s, %s outside 2018–2025", in.Reference, in.OccurredAt, in.ReportedAt)
		case in.CreatedAt.IsZero() || in.UpdatedAt.Before(in.CreatedAt) || in.CreatedAt.Before(in.ReportedAt):
			t.Errorf("%s: created %s, updated %s", in.Reference, in.CreatedAt, in.UpdatedAt)
		case len(in.Edges.ViolationTypes) < 1 || len(in.Edges.ViolationTypes) > 3:
			t.Errorf("%s: %d violation types", in.Reference, len(in.Edges.ViolationTypes))
		case len(in.Edges.Involvements) == 0:
			t.Errorf("%s: no involvement", in.Reference)
		case (in.Summary != "" && !strings.Contains(in.Summary, "synthétique")) || (in.Narrative != nil && !strings.Contains(*in.Narrative, "synthétique")):
			t.Errorf("%s: not visibly synthetic", in.Reference)
		}
		for _, f := range in.Edges.FollowUps {
			if !f.DoneOn.After(in.ReportedAt) {
				t.Errorf("%s: follow-up done %s, not after the report %s", in.Reference, f.DoneOn, in.ReportedAt)
			}
		}
	}
	activities, err := c.Activity.Query().WithOrganizers().WithRecommendations().All(sys)
	if err != nil {
		t.Fatalf("ent: read activities: %v", err)
	}
	for _, a := range activities {
		if a.EndsOn.Before(a.StartsOn) || len(a.Edges.Organizers) == 0 || !strings.Contains(a.Title, "synthétique") {
			t.Errorf("activity %q: %s–%s, %d organizers", a.Title, a.StartsOn, a.EndsOn, len(a.Edges.Organizers))
		}
	}
	actors, err := c.Actor.Query().All(sys)
	if err != nil {
		t.Fatalf("ent: read actors: %v", err)
	}
	for _, a := range actors {
		if a.FullName == nil || !strings.Contains(*a.FullName, "synthétique") {
			t.Errorf("actor %s: name %v not visibly synthetic", a.ID, a.FullName)
			break
		}
	}
	if _, err := c.Recommendation.Query().WithAddressees().All(sys); err != nil {
		t.Fatalf("ent: read recommendations: %v", err)
	}
	if _, err := c.FollowUp.Query().WithOrganization().All(sys); err != nil {
		t.Fatalf("ent: read follow-ups: %v", err)
	}

	// Users and their roles.
	roleCount := map[string]int{}
	for _, u := range res.Users {
		roleCount[u.Role]++
		if !strings.HasPrefix(u.Subject, "synth-") {
			t.Errorf("subject %q", u.Subject)
		}
		switch u.Role {
		case roleCoordinator, roleDIHR:
			if u.Domain != "*" {
				t.Errorf("%s: domain %q, want *", u.Subject, u.Domain)
			}
		case roleMonitor, roleFSI:
			level := map[string]string{roleMonitor: "'COMMUNE'", roleFSI: "'CERCLE', 'REGION'"}[u.Role]
			if n := count(t, db.SQL, "SELECT COUNT(*) FROM localities WHERE level IN ("+level+") AND id = $1", u.Domain); n != 1 {
				t.Errorf("%s: domain %q is not a locality of level %s", u.Subject, u.Domain, level)
			}
		default:
			t.Errorf("%s: role %q", u.Subject, u.Role)
		}
	}
	if want := map[string]int{roleMonitor: 60, roleCoordinator: 3, roleDIHR: 3, roleFSI: 12}; fmt.Sprint(roleCount) != fmt.Sprint(want) {
		t.Errorf("roles %v, want %v", roleCount, want)
	}
	// What the fsi_liaison row filter selects: verified, consented
	// incidents below the user's domain alleging the user's unit.
	fsiVisible := 0
	for _, u := range res.Users {
		if u.Role != roleFSI {
			continue
		}
		fsiVisible += count(t, db.SQL, `SELECT COUNT(DISTINCT i.id) FROM incidents i
			JOIN localities commune ON commune.id = i.locality_id
			JOIN localities cercle ON cercle.id = commune.locality_children
			JOIN involvements v ON v.incident_id = i.id AND v.role = 'ALLEGED_PERPETRATOR'
			JOIN actors a ON a.id = v.actor_id
			JOIN users usr ON usr.subject = $1 AND usr.`+fkColumn(migrate.UsersTable, migrate.OrganizationsTable)+` = a.organization_id
			WHERE i.status = 'VERIFIED' AND i.consent_to_share = $2 AND $3 IN (cercle.id, cercle.locality_children)`,
			u.Subject, true, u.Domain)
	}
	// 12 of 40 units, ~60% alleging a unit, 30% verified, 70% consented:
	// about 4%, depending on where the incidents fall.
	if share := float64(fsiVisible) / testN; share < 0.01 || share > 0.08 {
		t.Errorf("the fsi liaisons see %.3f of the incidents, want about 0.04", share)
	}

	// Progress bars.
	out := progress.String()
	if !strings.Contains(out, "\r") || !strings.Contains(out, fmt.Sprintf("incidents                 [%s] %d/%d", strings.Repeat("#", barWidth), testN, testN)) {
		t.Errorf("progress output:\n%s", out)
	}

	// A second load refuses.
	if _, err := Load(ctx, db.SQL, db.Dialect, Config{Incidents: 10, Seed: 42}); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("second Load: %v, want ErrNotEmpty", err)
	}
	if got := count(t, db.SQL, "SELECT COUNT(*) FROM incidents"); got != testN {
		t.Errorf("%d incidents after the refused load", got)
	}
}

// pgDefinitions lists the definitions of the indexes and constraints of
// the current schema.
func pgDefinitions(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`
		SELECT indexrelid::regclass::text || ' ' || pg_get_indexdef(indexrelid) FROM pg_index
		WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = current_schema()::regnamespace)
		UNION ALL
		SELECT conname || ' ' || contype::text || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
		WHERE connamespace = current_schema()::regnamespace
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if len(out) < 20 {
		t.Fatalf("only %d indexes and constraints: %q", len(out), out)
	}
	return out
}

// snapshot is what determinism compares: incidents (id, reference,
// status) and the status histogram.
type snapshot struct {
	incidents []string
	statuses  map[string]int
	other     []string
}

func takeSnapshot(t *testing.T, db *sql.DB) snapshot {
	t.Helper()
	s := snapshot{statuses: map[string]int{}}
	rows, err := db.Query("SELECT id, reference, status, locality_id, consent_to_share FROM incidents")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, ref, status, loc string
		var consent bool
		if err := rows.Scan(&id, &ref, &status, &loc, &consent); err != nil {
			t.Fatal(err)
		}
		s.incidents = append(s.incidents, fmt.Sprint(id, ref, status, loc, consent))
		s.statuses[status]++
	}
	rows.Close()
	sort.Strings(s.incidents)
	rows, err = db.Query("SELECT id || ' ' || incident_id || ' ' || actor_id || ' ' || role FROM involvements")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		s.other = append(s.other, v)
	}
	rows.Close()
	sort.Strings(s.other)
	return s
}

// TestDeterminism loads the same seed into two fresh databases (SQLite
// twice, and PostgreSQL when available) and another seed into a third.
func TestDeterminism(t *testing.T) {
	ctx := context.Background()
	load := func(d storagetest.Database, seed uint64) snapshot {
		db := d.Open(t, storage.Config{})
		if _, err := Load(ctx, db.SQL, db.Dialect, Config{Incidents: 500, Seed: seed}); err != nil {
			t.Fatalf("%s: Load: %v", d.Name, err)
		}
		return takeSnapshot(t, db.SQL)
	}
	dbs := storagetest.Databases()
	first := load(dbs[0], 7)
	for _, d := range append(dbs, dbs[0]) {
		again := load(d, 7)
		if !slices.Equal(first.incidents, again.incidents) || !slices.Equal(first.other, again.other) ||
			fmt.Sprint(first.statuses) != fmt.Sprint(again.statuses) {
			t.Errorf("%s: seed 7 loaded twice differs", d.Name)
		}
	}
	other := load(dbs[0], 8)
	if slices.Equal(first.incidents, other.incidents) {
		t.Error("seeds 7 and 8 give the same incidents")
	}
	if len(first.incidents) != 500 || first.incidents[0] == other.incidents[0] {
		t.Errorf("unexpected snapshots: %d incidents", len(first.incidents))
	}
}

// TestReuseViolationTypes: a violation type that exists is reused.
func TestReuseViolationTypes(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Databases()[0].Open(t, storage.Config{})
	sys := policy.SystemContext(ctx)
	killing, err := db.Client.ViolationType.Create().SetCode("killing").SetLabelFr("Meurtre").SetLabelEn("Killing").Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Load(ctx, db.SQL, db.Dialect, Config{Incidents: 300, Seed: 1})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if res.Counts["violation_types"] != 9 {
		t.Errorf("%d violation types written, want 9", res.Counts["violation_types"])
	}
	if n := count(t, db.SQL, "SELECT COUNT(*) FROM violation_types"); n != 10 {
		t.Errorf("%d violation types, want 10", n)
	}
	if n := count(t, db.SQL, "SELECT COUNT(*) FROM incident_violation_types WHERE violation_type_id = $1", string(killing.ID)); n == 0 {
		t.Error("no incident uses the existing violation type")
	}
}

// TestRefuses: Load refuses a database with incidents, unknown dialects
// and impossible sizes.
func TestRefuses(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Databases()[0].Open(t, storage.Config{})
	if _, err := Load(ctx, db.SQL, "mysql", Config{Incidents: 10}); err == nil {
		t.Error("Load accepted dialect mysql")
	}
	for _, n := range []int{-1, MaxIncidents + 1} {
		if _, err := Load(ctx, db.SQL, db.Dialect, Config{Incidents: n}); err == nil {
			t.Errorf("Load accepted %d incidents", n)
		}
	}
	if _, err := Load(ctx, db.SQL, db.Dialect, Config{Incidents: 10, Seed: 3}); err != nil {
		t.Fatalf("Load of 10 incidents: %v", err)
	}
	if n := count(t, db.SQL, "SELECT COUNT(*) FROM actors"); n != 50 {
		t.Errorf("%d actors for 10 incidents, want the minimum 50", n)
	}
	if _, err := Load(ctx, db.SQL, db.Dialect, Config{Incidents: 10, Seed: 4}); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("second Load: %v, want ErrNotEmpty", err)
	}
}

// TestColumns checks the columns written against ent's generated schema:
// each exists, and no required column is left out.
func TestColumns(t *testing.T) {
	tables := map[string]*table{}
	for _, tb := range newPlan(50, 1).tables() {
		tables[tb.name] = tb
	}
	for _, st := range migrate.Tables {
		tb, ok := tables[st.Name]
		if !ok {
			continue
		}
		have := map[string]bool{}
		for _, c := range st.Columns {
			have[c.Name] = true
			if !c.Nullable && c.Default == nil && !c.Increment && !slices.Contains(tb.cols, c.Name) {
				t.Errorf("%s: required column %s is not written", st.Name, c.Name)
			}
		}
		for _, c := range tb.cols {
			if !have[c] {
				t.Errorf("%s: column %s is not in ent/migrate", st.Name, c)
			}
		}
		delete(tables, st.Name)
	}
	for name := range tables {
		t.Errorf("table %s is not in ent/migrate", name)
	}
}

// TestSortedOrder: the write order is the order of the ids as strings.
func TestSortedOrder(t *testing.T) {
	g := newIDGen(99, "inv")
	order := g.sortedOrder(20000)
	for k := 1; k < len(order); k++ {
		if a, b := g.id(int(order[k-1])), g.id(int(order[k])); a >= b {
			t.Fatalf("ids out of order at %d: %s, %s", k, a, b)
		}
	}
	if err := gid.ID(g.id(0)).Validate(); err != nil {
		t.Fatal(err)
	}
}
