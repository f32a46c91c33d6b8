package graph_test

// The access policy's admin API over HTTP: who may read it and what the
// reads return (this file), and what each change does (policy_change_test.go).

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// Subjects of the users polSetup gives a role.
const (
	polCoord = "pol-coord" // amdh_coordinator in *
	polMon   = "pol-mon"   // amdh_monitor in Niono
	polDIHR  = "pol-dihr"  // dihr_partner in *
	polFSI   = "pol-fsi"   // fsi_liaison in Niono
)

// polWorld is newFixture's world (6 incidents: TST-2023-0000 is VERIFIED in
// Niono, TST-2023-0003 VERIFIED in Kayes, the others REPORTED, all
// collected by "collector") with a server and a user holding each role.
type polWorld struct {
	db  *storage.DB
	srv *apitest.Server
	f   *fixture
}

func polSetup(t *testing.T, db *storage.DB) *polWorld {
	t.Helper()
	return polSetupWith(t, db, apitest.Options{})
}

// polSetupWith is polSetup with the server's options.
func polSetupWith(t *testing.T, db *storage.DB, o apitest.Options) *polWorld {
	t.Helper()
	w := &polWorld{db: db, f: newFixture(t, db.Client, 6)}
	w.srv = apitest.StartWith(t, db, o)
	for _, u := range []struct{ subject, role, domain string }{
		{polCoord, "amdh_coordinator", "*"},
		{polMon, "amdh_monitor", string(w.f.niono.ID)},
		{polDIHR, "dihr_partner", "*"},
		{polFSI, "fsi_liaison", string(w.f.niono.ID)},
	} {
		if err := db.Client.User.Create().SetSubject(u.subject).SetDisplayName("Display " + u.subject).Exec(sysCtx()); err != nil {
			t.Fatal(err)
		}
		if err := w.srv.Assign(context.Background(), u.subject, u.role, u.domain); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *polWorld) as(t *testing.T, subject string) *apitest.Server {
	if subject == apitest.Admin {
		return w.srv
	}
	return w.srv.As(t, subject)
}

// polStored is the stored policy and its history, read through the ent
// client and the store as an operator (not through the API under test).
type polStored struct {
	revision        int64
	csv             string
	roles           []store.Role
	versions, audit int
}

func polState(t *testing.T, w *polWorld) polStored {
	t.Helper()
	p, err := w.srv.Policy.Load(store.AsOperator(context.Background(), "test"))
	if err != nil {
		t.Fatal(err)
	}
	versions, err := w.db.Client.PolicyVersion.Query().Count(sysCtx())
	if err != nil {
		t.Fatal(err)
	}
	audit, err := w.db.Client.AuditEvent.Query().Where(auditevent.ActionEQ(auditevent.ActionPOLICY_CHANGE)).Count(sysCtx())
	if err != nil {
		t.Fatal(err)
	}
	return polStored{revision: p.Revision, csv: p.CSV(), roles: p.Roles, versions: versions, audit: audit}
}

// polUnchanged fails unless nothing of the policy or its history changed.
func polUnchanged(t *testing.T, w *polWorld, before polStored) {
	t.Helper()
	after := polState(t, w)
	if after.revision != before.revision || after.versions != before.versions || after.audit != before.audit ||
		after.csv != before.csv || !slices.Equal(after.roles, before.roles) {
		t.Fatalf("the policy changed: revision %d→%d, versions %d→%d, audit events %d→%d, lines equal %v, roles %v→%v",
			before.revision, after.revision, before.versions, after.versions, before.audit, after.audit,
			after.csv == before.csv, before.roles, after.roles)
	}
}

// defaultPLines counts the permissions of policy/default.csv, read from the
// file itself.
func defaultPLines(t *testing.T) int {
	raw, err := os.ReadFile("../policy/default.csv")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "p,") {
			n++
		}
	}
	return n
}

type polPerm struct{ Role, Domain, Object, Action, Scope string }

type polAssignment struct {
	Subject, Role, Domain string
	User                  *struct{ Subject, DisplayName string }
	Locality              *struct{ Name string }
}

type polVersion struct {
	ID, Revision   int
	Actor, Reason  string
	Added, Removed []string
}

const polVersionFields = `{ id revision actor reason added removed }`

// TestPolicyRead: admin and amdh_coordinator read the stored policy; each
// filter keeps exactly the lines it names; assignments resolve their user
// and locality.
func TestPolicyRead(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := polSetup(t, db)
		niono := string(w.f.niono.ID)
		const q = `query($niono: String) { policy {
			revision
			roles { name description }
			all: permissions { role }
			monitorIncident: permissions(where: {role: "amdh_monitor", object: "Incident", action: "read"}) { role domain object action scope }
			fsiUpdates: permissions(where: {role: "fsi_liaison", domain: "*", action: "update"}) { role domain object action scope }
			none: permissions(where: {role: "dihr_partner", action: "update"}) { role }
			assignments { subject role domain user { subject displayName } locality { name } }
			inNiono: assignments(where: {domain: $niono}) { subject role domain }
			monitors: assignments(where: {role: "amdh_monitor", subject: "pol-mon"}) { subject role domain }
			allGroups: fieldGroups { field }
			sensitive: fieldGroups(where: {group: "Incident:sensitive"}) { field group }
			narrative: fieldGroups(where: {field: "Incident.narrative"}) { field group }
			problems { ruleID line reason }
			versions(last: 2) { id revision actor reason added removed }
		} }`
		for _, who := range []string{apitest.Admin, polCoord} {
			t.Run(who, func(t *testing.T) {
				var got struct {
					Policy struct {
						Revision                          int
						Roles                             []struct{ Name, Description string }
						All                               []polPerm
						MonitorIncident, FsiUpdates, None []polPerm
						Assignments                       []polAssignment
						InNiono, Monitors                 []polAssignment
						AllGroups, Sensitive, Narrative   []struct{ Field, Group string }
						Problems                          []struct{ RuleID int }
						Versions                          []polVersion
					}
				}
				w.as(t, who).Query(t, q, map[string]any{"niono": niono}).OK(t, &got)
				p := got.Policy
				if p.Revision < 1 {
					t.Errorf("revision %d", p.Revision)
				}
				var roles []string
				for _, r := range p.Roles {
					roles = append(roles, r.Name)
					if r.Description == "" {
						t.Errorf("role %s has no description", r.Name)
					}
				}
				if want := []string{"admin", "amdh_coordinator", "amdh_monitor", "dihr_partner", "fsi_liaison"}; !slices.Equal(roles, want) {
					t.Errorf("roles %v, want %v", roles, want)
				}
				if n := defaultPLines(t); len(p.All) != n {
					t.Errorf("%d permissions, default.csv has %d", len(p.All), n)
				}
				wantPerms(t, "monitor's Incident reads", p.MonitorIncident,
					polPerm{"amdh_monitor", "*", "Incident", "read", "own_submissions"},
					polPerm{"amdh_monitor", "*", "Incident", "read", "verified&own_localities"})
				wantPerms(t, "fsi updates", p.FsiUpdates, polPerm{"fsi_liaison", "*", "Recommendation.status", "update", "addressed_to_own_org"})
				wantPerms(t, "dihr updates", p.None)

				want := map[string]string{ // subject → "role domain"
					apitest.Admin: "admin *",
					polCoord:      "amdh_coordinator *",
					polMon:        "amdh_monitor " + niono,
					polDIHR:       "dihr_partner *",
					polFSI:        "fsi_liaison " + niono,
				}
				if len(p.Assignments) != len(want) {
					t.Errorf("assignments %+v, want %v", p.Assignments, want)
				}
				for _, a := range p.Assignments {
					if want[a.Subject] != a.Role+" "+a.Domain {
						t.Errorf("assignment %s %s %s, want %q", a.Subject, a.Role, a.Domain, want[a.Subject])
					}
					if a.User == nil || a.User.Subject != a.Subject || a.User.DisplayName == "" {
						t.Errorf("assignment of %s: user %+v", a.Subject, a.User)
					}
					switch {
					case a.Domain == "*" && a.Locality != nil:
						t.Errorf("assignment of %s everywhere has locality %+v", a.Subject, a.Locality)
					case a.Domain == niono && (a.Locality == nil || a.Locality.Name != "Niono"):
						t.Errorf("assignment of %s in Niono: locality %+v", a.Subject, a.Locality)
					}
				}
				if subjects := polSubjects(p.InNiono); !slices.Equal(subjects, []string{polFSI, polMon}) {
					t.Errorf("assignments in Niono: %v", subjects)
				}
				if subjects := polSubjects(p.Monitors); !slices.Equal(subjects, []string{polMon}) {
					t.Errorf("monitor assignments: %v", subjects)
				}
				var sensitive []string
				for _, g := range p.Sensitive {
					sensitive = append(sensitive, g.Field)
					if g.Group != "Incident:sensitive" {
						t.Errorf("sensitive filter kept %+v", g)
					}
				}
				if !accEqual(sensitive, []string{"Incident.narrative", "Incident.exactLocation", "Incident.source", "Incident.collectedBy"}) {
					t.Errorf("Incident:sensitive fields: %v", sensitive)
				}
				if len(p.Narrative) != 1 || p.Narrative[0].Group != "Incident:sensitive" {
					t.Errorf("groups of Incident.narrative: %+v", p.Narrative)
				}
				if len(p.AllGroups) <= len(p.Sensitive) {
					t.Errorf("%d field group lines in all, %d sensitive: the filter keeps everything", len(p.AllGroups), len(p.Sensitive))
				}
				if len(p.Problems) != 0 {
					t.Errorf("problems %+v", p.Problems)
				}
				if len(p.Versions) != 2 || p.Versions[0].ID <= p.Versions[1].ID || p.Versions[0].Revision != p.Revision {
					t.Errorf("versions(last: 2), newest first at revision %d: %+v", p.Revision, p.Versions)
				}
				// The setup's last change gave pol-fsi its role.
				if v := p.Versions[0]; v.Actor != "apitest" || !slices.Equal(v.Added, []string{"g, pol-fsi, fsi_liaison, " + niono}) || len(v.Removed) != 0 {
					t.Errorf("newest version %+v", v)
				}
			})
		}
	})
}

func wantPerms(t *testing.T, what string, got []polPerm, want ...polPerm) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %+v, want %+v", what, got, want)
		return
	}
	for _, p := range want {
		if !slices.Contains(got, p) {
			t.Errorf("%s: %+v, want %+v", what, got, want)
		}
	}
}

func polSubjects(as []polAssignment) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Subject)
	}
	slices.Sort(out)
	return out
}

// TestPolicyRefusals: every operation of the admin API refuses those the
// default policy does not allow, with no data and nothing of the policy in
// the answer, and writes nothing.
func TestPolicyRefusals(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := polSetup(t, db)
		niono := string(w.f.niono.ID)
		reads := []struct{ name, doc string }{
			{"revision", `{ policy { revision } }`},
			{"roles and lines", `{ policy { roles { name } permissions { role object scope } assignments { subject role } fieldGroups { field } } }`},
			{"problems", `{ policy { problems { line } } }`},
			{"versions", `{ policy { versions(last: 5) { actor reason added } } }`},
		}
		// Each write is valid: the admin may apply it (checked last).
		writes := []struct {
			name, doc string
			vars      map[string]any
		}{
			{"grant", `mutation { grant(permission: {role: "dihr_partner", object: "Incident.narrative", action: "read"}, reason: "probe") ` + polVersionFields + ` }`, nil},
			{"revoke", `mutation { revoke(permission: {role: "amdh_monitor", object: "Incident", action: "read", scope: "own_submissions"}, reason: "probe") ` + polVersionFields + ` }`, nil},
			{"assign", `mutation($d: String!) { assign(assignment: {subject: "pol-dihr", role: "amdh_monitor", domain: $d}, reason: "probe") ` + polVersionFields + ` }`, map[string]any{"d": niono}},
			{"unassign", `mutation($d: String!) { unassign(assignment: {subject: "pol-mon", role: "amdh_monitor", domain: $d}, reason: "probe") ` + polVersionFields + ` }`, map[string]any{"d": niono}},
			{"applyPolicyChanges", `mutation { applyPolicyChanges(reason: "probe", changes: [
				{createRole: {name: "probe_role"}},
				{grant: {role: "probe_role", object: "Policy", action: "update"}},
				{assign: {subject: "pol-fsi", role: "probe_role"}}]) ` + polVersionFields + ` }`, nil},
			{"createUser with roles", `mutation { createUser(input: {subject: "pol-probe", displayName: "Probe"}, roles: [{role: "admin"}]) { id subject } }`, nil},
		}
		before := polState(t, w)
		users, _ := db.Client.User.Query().Count(sysCtx())
		for _, c := range []struct {
			who, readCode, writeCode string
		}{
			{polCoord, "", "FORBIDDEN"},
			{polMon, "FORBIDDEN", "FORBIDDEN"},
			{polDIHR, "FORBIDDEN", "FORBIDDEN"},
			{polFSI, "FORBIDDEN", "FORBIDDEN"},
			{"", "UNAUTHENTICATED", "UNAUTHENTICATED"},
		} {
			name := c.who
			if name == "" {
				name = "anonymous"
			}
			srv := w.as(t, c.who)
			for _, r := range reads {
				t.Run(name+"/read "+r.name, func(t *testing.T) {
					resp := srv.Query(t, r.doc, nil)
					if c.readCode == "" {
						resp.OK(t, nil)
						return
					}
					resp.Code(t, c.readCode)
					polNoLeak(t, resp)
				})
			}
			for _, m := range writes {
				t.Run(name+"/"+m.name, func(t *testing.T) {
					resp := srv.Query(t, m.doc, m.vars)
					resp.Code(t, c.writeCode)
					polNoLeak(t, resp)
				})
			}
		}
		polUnchanged(t, w, before)
		if n, _ := db.Client.User.Query().Count(sysCtx()); n != users {
			t.Fatalf("refused createUser wrote a user: %d → %d", users, n)
		}
		// The probes are valid: the admin may apply each (so the refusals
		// above are the callers', not the inputs').
		for _, m := range writes {
			w.srv.Query(t, m.doc, m.vars).OK(t, nil)
		}
	})
}

// polNoLeak fails unless a refusal carries no data and nothing of the
// policy: no role, subject, line or scope.
func polNoLeak(t *testing.T, r *apitest.Response) {
	t.Helper()
	wantNoData(t, r)
	for _, s := range []string{"amdh_", "dihr_partner", "fsi_liaison", "test-admin", "pol-", "own_", "Incident.", "apitest", "probe"} {
		if strings.Contains(string(r.Body), s) {
			t.Errorf("the refusal carries %q: %s", s, r.Body)
		}
	}
}

// TestPolicyProblems: a line stored behind the store's back that does not
// validate is listed in problems, left out of the policy in force (it
// grants nothing), and discarding it removes it, as one version.
func TestPolicyProblems(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := polSetup(t, db)
		ctx := context.Background()
		// A scope that does not exist, which a lenient reading might take as "all".
		bad, err := db.Client.PolicyRule.Create().SetPtype("p").SetV0("amdh_monitor").SetV1("*").
			SetV2("Incident").SetV3("read").SetV4("everything").Save(sysCtx())
		if err != nil {
			t.Fatal(err)
		}
		// Hand-written too: the narrative of every incident, for a role with a typo.
		if err := db.Client.PolicyRule.Create().SetPtype("p").SetV0("amdh_monitr").SetV1("*").
			SetV2("Incident.narrative").SetV3("read").SetV4("all").Exec(sysCtx()); err != nil {
			t.Fatal(err)
		}
		if _, err := w.srv.Policy.Reload(ctx); err != nil { // what the watch does within a second
			t.Fatal(err)
		}
		var got struct {
			Policy struct {
				Problems []struct {
					RuleID       int
					Line, Reason string
				}
				Permissions []polPerm
			}
		}
		const q = `{ policy { problems { ruleID line reason } permissions(where: {role: "amdh_monitor", object: "Incident"}) { role domain object action scope } } }`
		w.as(t, polCoord).Query(t, q, nil).OK(t, &got)
		if len(got.Policy.Problems) != 2 {
			t.Fatalf("problems %+v", got.Policy.Problems)
		}
		pr := got.Policy.Problems[0]
		if pr.RuleID != bad.ID || pr.Line != "p, amdh_monitor, *, Incident, read, everything" || !strings.Contains(pr.Reason, "everything") {
			t.Errorf("problem %+v", pr)
		}
		if pr := got.Policy.Problems[1]; !strings.Contains(pr.Reason, "amdh_monitr") {
			t.Errorf("problem %+v", pr)
		}
		for _, p := range got.Policy.Permissions {
			if p.Scope == "everything" {
				t.Errorf("the invalid line is listed as a permission: %+v", p)
			}
		}
		// Fail closed: the monitor of Niono still sees only Niono's verified incident, without narrative.
		if refs, narratives := polIncidents(t, w.as(t, polMon)); !slices.Equal(refs, []string{"TST-2023-0000"}) || narratives != 0 {
			t.Fatalf("with the invalid lines the monitor sees %v (%d narratives)", refs, narratives)
		}

		before := polState(t, w)
		var v struct{ ApplyPolicyChanges polVersion }
		w.srv.Query(t, `mutation($id: Int!) { applyPolicyChanges(changes: [{discard: $id}], reason: "a hand-written line") `+polVersionFields+` }`,
			map[string]any{"id": bad.ID}).OK(t, &v)
		wantVersion(t, w, before, v.ApplyPolicyChanges, "a hand-written line", nil, []string{"p, amdh_monitor, *, Incident, read, everything"})
		w.as(t, polCoord).Query(t, q, nil).OK(t, &got)
		if len(got.Policy.Problems) != 1 || got.Policy.Problems[0].RuleID == bad.ID {
			t.Fatalf("problems after the discard: %+v", got.Policy.Problems)
		}
		// A valid line is revoked, not discarded.
		resp := w.srv.Query(t, `mutation { applyPolicyChanges(changes: [{discard: 1}], reason: "x") { id } }`, nil)
		if e := wantError(t, resp, "BAD_USER_INPUT", ""); !strings.Contains(e.Message, "rule 1") {
			t.Errorf("discard of a valid line: %s", resp.Body)
		}
	})
}

// polIncidents returns the references srv's viewer reads, sorted, and how
// many narratives it reads.
func polIncidents(t *testing.T, srv *apitest.Server) ([]string, int) {
	t.Helper()
	var got struct {
		Incidents struct {
			Edges []struct {
				Node struct{ Reference, Narrative *string }
			}
		}
	}
	srv.Query(t, `{ incidents(first: 50) { edges { node { reference narrative } } } }`, nil).OK(t, &got)
	var refs []string
	n := 0
	for _, e := range got.Incidents.Edges {
		if e.Node.Reference != nil {
			refs = append(refs, *e.Node.Reference)
		} else {
			refs = append(refs, "(masked)")
		}
		if e.Node.Narrative != nil {
			n++
		}
	}
	slices.Sort(refs)
	return refs, n
}

// wantVersion fails unless exactly one policy version and one POLICY_CHANGE
// audit event were written since before, both as the admin's, with reason
// and these lines added and removed, as the admin reads them over HTTP.
func wantVersion(t *testing.T, w *polWorld, before polStored, got polVersion, reason string, added, removed []string) {
	t.Helper()
	var read struct {
		Policy struct {
			Revision int
			Versions []polVersion
		}
		AuditEvents struct {
			TotalCount int
			Edges      []struct {
				Node struct{ Subject, ObjectType, ObjectID, Decision string }
			}
		}
	}
	w.srv.Query(t, `query { policy { revision versions(last: 1000) `+polVersionFields+` }
		auditEvents(first: 1000, where: {action: POLICY_CHANGE}) { totalCount edges { node { subject objectType objectID decision } } } }`, nil).OK(t, &read)
	vs := read.Policy.Versions
	if len(vs) != before.versions+1 {
		t.Fatalf("%d versions, want %d", len(vs), before.versions+1)
	}
	v := vs[0]
	if v.ID != got.ID || v.Revision != got.Revision || v.Revision <= int(before.revision) || v.Revision != read.Policy.Revision {
		t.Errorf("newest version %+v, the mutation answered %+v; revision %d before, %d now", v, got, before.revision, read.Policy.Revision)
	}
	if v.Actor != apitest.Admin || v.Reason != reason || !accEqual(v.Added, added) || !accEqual(v.Removed, removed) {
		t.Errorf("version %+v, want actor %s, reason %q, added %q, removed %q", v, apitest.Admin, reason, added, removed)
	}
	if got.Actor != v.Actor || got.Reason != v.Reason || !slices.Equal(got.Added, v.Added) || !slices.Equal(got.Removed, v.Removed) {
		t.Errorf("the mutation answered %+v, stored %+v", got, v)
	}
	if read.AuditEvents.TotalCount != before.audit+1 {
		t.Fatalf("%d POLICY_CHANGE events, want %d", read.AuditEvents.TotalCount, before.audit+1)
	}
	n := 0
	for _, e := range read.AuditEvents.Edges {
		if e.Node.ObjectID == "version "+strconv.Itoa(v.ID) {
			n++
			if e.Node.Subject != apitest.Admin || e.Node.ObjectType != "Policy" || !strings.Contains(e.Node.Decision, reason) {
				t.Errorf("audit event %+v", e.Node)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d audit events name version %d", n, v.ID)
	}
}
