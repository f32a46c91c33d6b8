package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent/actor"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/ent/user"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// impactWorld adds to the store tests' world incidents whose visibility is
// counted by hand below: the fixture's NIO-2024-0001 (Niono, VERIFIED,
// consented, collected by mon) and
//
//	NIO-2 Niono VERIFIED     no consent  coord  (a victim involved)
//	NIO-3 Niono REFERRED     no consent  coord
//	NIO-4 Niono REPORTED     no consent  mon
//	KAY-1 Kayes VERIFIED     consent     coord  (a victim involved)
//	KAY-2 Kayes VERIFIED     no consent  coord
//	KAY-3 Kayes CLOSED       consent     coord
//	KAY-4 Kayes UNDER_VERIF. consent     coord
func impactWorld(t *testing.T, db *storage.DB) *world {
	w := newWorld(t, db)
	sys := policy.SystemContext(w.ctx)
	c := db.Client
	mon := must(c.User.Query().Where(user.Subject(subjMon)).Only(sys))
	coord := must(c.User.Query().Where(user.Subject(subjCoord)).Only(sys))
	vt := must(c.ViolationType.Query().First(sys))
	at := time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range []struct {
		ref     string
		loc     string
		status  incident.Status
		consent bool
		byMon   bool
		victim  bool
	}{
		{"NIO-2024-0002", w.niono, incident.StatusVERIFIED, false, false, true},
		{"NIO-2024-0003", w.niono, incident.StatusREFERRED, false, false, false},
		{"NIO-2024-0004", w.niono, incident.StatusREPORTED, false, true, false},
		{"KAY-2024-0001", w.kayes, incident.StatusVERIFIED, true, false, true},
		{"KAY-2024-0002", w.kayes, incident.StatusVERIFIED, false, false, false},
		{"KAY-2024-0003", w.kayes, incident.StatusCLOSED, true, false, false},
		{"KAY-2024-0004", w.kayes, incident.StatusUNDER_VERIFICATION, true, false, false},
	} {
		by := coord
		if s.byMon {
			by = mon
		}
		inc := must(c.Incident.Create().SetReference(s.ref).SetOccurredAt(at).SetReportedAt(at).
			SetStatus(s.status).SetConsentToShare(s.consent).SetSummary("summary").SetNarrative("narrative").
			SetLocalityID(gid.ID(s.loc)).AddViolationTypes(vt).SetCollectedBy(by).Save(sys))
		if s.victim {
			a := must(c.Actor.Create().SetKind(actor.KindINDIVIDUAL).SetCategory(actor.CategoryCIVILIAN).
				SetFullName("Fictitious " + s.ref).SetCollectedBy(coord).Save(sys))
			must(c.Involvement.Create().SetRole(involvement.RoleVICTIM).SetIncident(inc).SetActor(a).Save(sys))
		}
	}
	return w
}

// shareable are the fields of Incident:shareable in the default policy.
var shareable = []string{"createdAt", "updatedAt", "reference", "occurredAt", "reportedAt", "status", "consentToShare", "summary", "locality", "violationTypes", "involvements", "followUps"}

// sensitive are the fields of Incident:sensitive in the default policy.
var sensitive = []string{"narrative", "exactLocation", "source", "collectedBy"}

// wantSubject is a subject's expected impact: per type, before, after,
// gained, lost, and the fields that change as "field:before>after", with
// a trailing "!" for a sensitive one.
type wantSubject struct {
	name  string
	types map[string][4]int
	field map[string][]string
}

func fieldChanges(fields []string, from, to policy.FieldAccess, sensitive bool) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = fmt.Sprintf("%s:%s>%s", f, from, to)
		if sensitive {
			out[i] += "!"
		}
	}
	slices.Sort(out)
	return out
}

func checkImpact(t *testing.T, got *store.Impact, want []wantSubject, wantSensitive bool) {
	t.Helper()
	var names []string
	for _, s := range got.Subjects {
		names = append(names, s.String())
	}
	var wantNames []string
	for _, s := range want {
		wantNames = append(wantNames, s.name)
	}
	if !slices.Equal(names, wantNames) {
		t.Fatalf("subjects %q, want %q", names, wantNames)
	}
	for i, s := range got.Subjects {
		w := want[i]
		types := map[string][4]int{}
		fields := map[string][]string{}
		for _, ti := range s.Types {
			types[ti.Type] = [4]int{ti.Before, ti.After, ti.Gained, ti.Lost}
			for _, f := range ti.Fields {
				text := fmt.Sprintf("%s:%s>%s", f.Field, f.Before, f.After)
				if f.Sensitive {
					text += "!"
				}
				fields[ti.Type] = append(fields[ti.Type], text)
			}
			slices.Sort(fields[ti.Type])
		}
		if fmt.Sprint(types) != fmt.Sprint(w.types) {
			t.Errorf("%s: rows (before, after, gained, lost) %v, want %v", s, types, w.types)
		}
		if fmt.Sprint(fields) != fmt.Sprint(w.field) {
			t.Errorf("%s: fields %v, want %v", s, fields, w.field)
		}
	}
	if got.Sensitive != wantSensitive {
		t.Errorf("sensitive %v, want %v", got.Sensitive, wantSensitive)
	}
}

func TestImpactCounts(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := impactWorld(t, db)
		// The rows each subject sees before, by hand: dihr_partner reads
		// shared statuses with consent: NIO-1, KAY-1, KAY-3 (and KAY-1's
		// victim and its involvement). mon (amdh_monitor in Niono) reads its
		// submissions NIO-1, NIO-4 and verified Niono NIO-1, NIO-2.
		for _, tc := range []struct {
			name      string
			changes   []store.Change
			want      []wantSubject
			sensitive bool
		}{{
			name:    "dihr_partner reads unconsented incidents of shared statuses",
			changes: []store.Change{grant("dihr_partner", "*", "Incident", "read", "shared_status")},
			want: []wantSubject{{
				name: "role dihr_partner in *",
				// + NIO-2, NIO-3, KAY-2; NIO-2's victim and its involvement.
				types: map[string][4]int{"Incident": {3, 6, 3, 0}, "Involvement": {1, 2, 1, 0}, "Actor": {1, 2, 1, 0}},
				// The shareable fields are granted with consent only: on
				// some of the rows now.
				field: map[string][]string{"Incident": fieldChanges(shareable, policy.FieldAll, policy.FieldSome, false)},
			}},
		}, {
			name: "dihr_partner reads verified incidents instead: some shown, one hidden",
			changes: []store.Change{
				revoke("dihr_partner", "*", "Incident", "read", "shared_status&consented"),
				grant("dihr_partner", "*", "Incident", "read", "verified"),
			},
			want: []wantSubject{{
				name: "role dihr_partner in *",
				// {NIO-1, KAY-1, KAY-3} → {NIO-1, NIO-2, KAY-1, KAY-2}.
				types: map[string][4]int{"Incident": {3, 4, 2, 1}, "Involvement": {1, 2, 1, 0}, "Actor": {1, 2, 1, 0}},
				field: map[string][]string{"Incident": fieldChanges(shareable, policy.FieldAll, policy.FieldSome, false)},
			}},
		}, {
			name:    "mon holds amdh_monitor in Kayes too",
			changes: []store.Change{assign(subjMon, "amdh_monitor", w.kayes)},
			want: []wantSubject{{
				name: "user " + subjMon,
				// + KAY-1, KAY-2 (verified in Kayes); the victims are no
				// submission of mon's and no perpetrators.
				types: map[string][4]int{"Incident": {3, 5, 2, 0}},
				field: map[string][]string{},
			}},
		}, {
			name:    "amdh_monitor loses the sensitive fields of its submissions",
			changes: []store.Change{revoke("amdh_monitor", "*", "Incident:sensitive", "read", "own_submissions")},
			want: []wantSubject{{
				// Counted for its one real holder, mon: its own NIO-1 and
				// NIO-4, and NIO-2, verified in Niono (a hypothetical
				// holder, who collected nothing, would see 2).
				name:  "role amdh_monitor in " + w.niono,
				types: map[string][4]int{"Incident": {3, 3, 0, 0}},
				field: map[string][]string{"Incident": fieldChanges(sensitive, policy.FieldSome, policy.FieldNone, false)},
			}},
		}, {
			name:    "the narrative leaves the sensitive group",
			changes: []store.Change{{Op: store.Ungroup, FieldGroup: store.FieldGroup{Field: "Incident.narrative", Group: "Incident:sensitive"}}},
			want: []wantSubject{{
				// The one role granted Incident:sensitive.
				name:  "role amdh_monitor in " + w.niono,
				types: map[string][4]int{"Incident": {3, 3, 0, 0}}, // mon's, as above
				field: map[string][]string{"Incident": {"narrative:some>none"}},
			}},
			// Admins and coordinators still read it, now unaudited.
			sensitive: true,
		}, {
			name:    "dihr_partner reads the sensitive fields of what it sees",
			changes: []store.Change{grant("dihr_partner", "*", "Incident:sensitive", "read", "shared_status&consented")},
			want: []wantSubject{{
				name:  "role dihr_partner in *",
				types: map[string][4]int{"Incident": {3, 3, 0, 0}},
				field: map[string][]string{"Incident": fieldChanges(sensitive, policy.FieldNone, policy.FieldAll, true)},
			}},
			sensitive: true,
		}} {
			t.Run(tc.name, func(t *testing.T) {
				before := w.counts()
				got, err := w.store.Impact(w.operator(), tc.changes)
				if err != nil {
					t.Fatalf("impact: %v", err)
				}
				checkImpact(t, got, tc.want, tc.sensitive)
				if after := w.counts(); after != before {
					t.Errorf("an impact wrote: %+v, then %+v", before, after)
				}
			})
		}
		// A user's rows before are those the user's viewer reads through
		// ent, as the policy in force decides.
		got, err := w.store.Impact(w.operator(), []store.Change{assign(subjMon, "amdh_monitor", w.kayes)})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(w.incidents(subjMon)); got.Subjects[0].Types[0].Before != n {
			t.Errorf("mon's incidents before: %d counted, %d read", got.Subjects[0].Types[0].Before, n)
		}
	})
}

// TestImpactInheritedRole: a change to a role other roles hold touches
// them all, each in the domains it is held in, and costs one COUNT
// statement per subject and type either viewer sees rows of.
func TestImpactInheritedRole(t *testing.T) {
	storagetest.EachWith(t, storage.Config{WrapDriver: storage.RecordStatements}, func(t *testing.T, db *storage.DB) {
		w := impactWorld(t, db)
		w.apply(t, "a role dihr_partner holds",
			store.Change{Op: store.CreateRole, Role: store.Role{Name: "reader", Description: "reads more"}},
			assign("dihr_partner", "reader", "*"))
		ctx, rec := storage.Track(w.operator())
		got, err := w.store.Impact(ctx, []store.Change{grant("reader", "*", "Incident", "read", "reported")})
		if err != nil {
			t.Fatal(err)
		}
		checkImpact(t, got, []wantSubject{{
			name: "role dihr_partner in *",
			// + NIO-4, the one REPORTED incident; it has no victim.
			types: map[string][4]int{"Incident": {3, 4, 1, 0}},
			field: map[string][]string{"Incident": fieldChanges(shareable, policy.FieldAll, policy.FieldSome, false)},
		}, {
			name:  "role reader in *",
			types: map[string][4]int{"Incident": {0, 1, 1, 0}},
			field: map[string][]string{},
		}}, false)
		// reader sees nothing but incidents, after only: 1 statement;
		// dihr_partner sees rows of every type but AuditEvent: 10.
		if want := 1 + len(policy.Types) - 1; got.Statements != want {
			t.Errorf("%d COUNT statements, want %d", got.Statements, want)
		}
		if db.Dialect == dialect.SQLite { // PostgreSQL reads in a transaction of the pool, past the recording driver
			n := 0
			for _, s := range rec.Statements() {
				if strings.Contains(s.Query, "COUNT(CASE WHEN") {
					n++
				}
			}
			if n != got.Statements {
				t.Errorf("the driver received %d COUNT statements, the impact says %d", n, got.Statements)
			}
		}
	})
}

// TestImpactRefusals: an impact refuses what Apply refuses, with the same
// errors, and needs what Apply needs.
func TestImpactRefusals(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		before := w.counts()
		for _, changes := range [][]store.Change{
			{grant("nosuchrole", "*", "Incident", "read", "all")},
			{grant("dihr_partner", "*", "Incident", "read", "no_such_atom")},
			{assign(subjMon, "amdh_monitor", "loc_nosuchlocality000000000")},
			{unassign(subjAdmin, policy.AdminRole, "*")},
			{},
			{grant("dihr_partner", "*", "Incident", "read", "all"), grant("dihr_partner", "*", "Incident.nope", "read", "all")},
		} {
			_, applyErr := w.store.Apply(w.operator(), changes, "refused")
			_, impactErr := w.store.Impact(w.operator(), changes)
			if applyErr == nil {
				t.Fatalf("apply %v: no error", changes)
			}
			a, i := wantCode(t, applyErr, benkan.EINVALID), wantCode(t, impactErr, benkan.EINVALID)
			if a.Message != i.Message || a.Field != i.Field {
				t.Errorf("%v: impact says %q (%s), apply %q (%s)", changes, i.Message, i.Field, a.Message, a.Field)
			}
		}
		ctx := policy.NewContext(w.ctx, w.viewer(subjCoord)) // reads the policy, may not change it
		_, err := w.store.Impact(ctx, []store.Change{grant("dihr_partner", "*", "Incident", "read", "all")})
		wantCode(t, err, benkan.EFORBIDDEN)
		if after := w.counts(); after != before {
			t.Errorf("impacts wrote: %+v, then %+v", before, after)
		}
	})
}

// TestImpactOfVersions: the impact of a diff between two versions, and of
// a rollback, is that of the change between their policies.
func TestImpactOfVersions(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := impactWorld(t, db)
		v1 := w.apply(t, "one", grant("dihr_partner", "*", "Incident", "read", "shared_status"))
		v2 := w.apply(t, "two", grant("dihr_partner", "*", "Incident:sensitive", "read", "shared_status&consented"))
		want := []wantSubject{{
			name:  "role dihr_partner in *",
			types: map[string][4]int{"Incident": {6, 6, 0, 0}},
			field: map[string][]string{"Incident": fieldChanges(sensitive, policy.FieldNone, policy.FieldSome, true)},
		}}
		got, err := w.store.DiffImpact(w.operator(), v1.ID, v2.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkImpact(t, got, want, true)
		if len(got.Added) != 1 || len(got.Removed) != 0 {
			t.Errorf("added %q, removed %q", got.Added, got.Removed)
		}
		// Rolling back to v1 masks them again, and hides nothing else.
		back, err := w.store.RollbackImpact(w.operator(), v1.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkImpact(t, back, []wantSubject{{
			name:  "role dihr_partner in *",
			types: map[string][4]int{"Incident": {6, 6, 0, 0}},
			field: map[string][]string{"Incident": fieldChanges(sensitive, policy.FieldSome, policy.FieldNone, false)},
		}}, false)
		_, err = w.store.RollbackImpact(w.operator(), v2.ID)
		wantCode(t, err, benkan.EINVALID) // the policy is v2's already
	})
}

// TestImpactUnaudited: a change that takes a field out of every
// identifying and sensitive group (so that its reads would no longer be
// audited, by whoever still reads it: admins and coordinators read every
// field) lists it as unaudited and is flagged sensitive; one that leaves a
// field audited, or makes one audited, lists nothing.
func TestImpactUnaudited(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		group := func(op store.Op, field, g string) store.Change {
			return store.Change{Op: op, FieldGroup: store.FieldGroup{Field: field, Group: g}}
		}
		for _, c := range []struct {
			name      string
			changes   []store.Change
			unaudited []string
		}{
			{"out of its sensitive group", []store.Change{group(store.Ungroup, "Incident.narrative", "Incident:sensitive")}, []string{"Incident.narrative"}},
			{"moved to a shareable group", []store.Change{group(store.Ungroup, "Actor.fullName", "Actor:identifying"), group(store.Group, "Actor.fullName", "Actor:demographics")}, []string{"Actor.fullName"}},
			{"moved to another audited group", []store.Change{group(store.Ungroup, "Incident.source", "Incident:sensitive"), group(store.Group, "Incident.source", "Incident:identifying")}, nil},
			{"a shareable field made audited", []store.Change{group(store.Group, "Incident.summary", "Incident:sensitive")}, nil},
			{"a shareable field ungrouped", []store.Change{group(store.Ungroup, "Incident.summary", "Incident:shareable")}, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				im, err := w.store.Impact(w.operator(), c.changes)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(im.Unaudited, c.unaudited) && !(len(c.unaudited) == 0 && len(im.Unaudited) == 0) {
					t.Errorf("unaudited %v, want %v", im.Unaudited, c.unaudited)
				}
				if len(c.unaudited) > 0 && !im.Sensitive {
					t.Error("a change that stops auditing reads is not flagged sensitive")
				}
			})
		}
	})
}
