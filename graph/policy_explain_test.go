package graph_test

// explain over HTTP on the leak-matrix fixture: the decision and the lines
// that produce it, for users and for roles of users that do not exist, and
// on rows the verdict of each line's scope, atom by atom; checked against
// what each user's own token receives.

import (
	"slices"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

const explainQuery = `query($subject: String, $role: String, $domain: String, $organization: ID, $object: String!, $action: String!, $id: ID) {
	explain(subject: $subject, role: $role, domain: $domain, organization: $organization, object: $object, action: $action, id: $id) {
		subject object action domain allowed
		assignments { role domain lines }
		grants { role domain line covers group }
		held { role domain line covers group }
		row { id type visible allowed notes
			grants { role domain line purpose admitted refusedBy parentRefused } }
	} }`

// explanation is explain's answer as decoded from JSON.
type explanation struct {
	Subject, Object, Action string
	Domain                  *string
	Allowed                 bool
	Assignments             []struct {
		Role, Domain string
		Lines        []string
	}
	Grants, Held []explainedGrant
	Row          *struct {
		ID, Type         string
		Visible, Allowed bool
		Notes            []string
		Grants           []explainedRowGrant
	}
}

type explainedGrant struct {
	Role, Domain, Line, Covers string
	Group                      *string
}

type explainedRowGrant struct {
	Role, Domain, Line, Purpose string
	Admitted, ParentRefused     bool
	RefusedBy                   []string
}

// explain asks srv's user to explain vars and decodes the answer.
func explain(t *testing.T, srv *apitest.Server, vars map[string]any) explanation {
	t.Helper()
	var out struct{ Explain explanation }
	srv.Query(t, explainQuery, vars).OK(t, &out)
	return out.Explain
}

func (x explanation) grantLines() []string {
	var out []string
	for _, g := range x.Grants {
		out = append(out, g.Line)
	}
	return out
}

func (x explanation) heldLines() []string {
	var out []string
	for _, g := range x.Held {
		out = append(out, g.Line)
	}
	return out
}

// rowGrant returns the row verdict of line, failing the test if there is none.
func (x explanation) rowGrant(t *testing.T, line string) explainedRowGrant {
	t.Helper()
	if x.Row == nil {
		t.Fatalf("no row explained: %+v", x)
	}
	for _, g := range x.Row.Grants {
		if g.Line == line {
			return g
		}
	}
	t.Fatalf("no verdict of %q on the row: %+v", line, x.Row.Grants)
	return explainedRowGrant{}
}

const (
	dihrIncidentLine  = "p, dihr_partner, *, Incident, read, shared_status&consented"
	dihrShareableLine = "p, dihr_partner, *, Incident:shareable, read, shared_status&consented"
)

// TestExplainDecisions: the decision and the lines that produce it, for
// users (dihr, a monitor in one locality) and for a role in a domain held by
// no user; a denial names no line and lists what the user holds instead.
func TestExplainDecisions(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		niono, kayes := string(w.niono.ID), string(w.kayes.ID)

		// A partner reads no full name: no line covers it, and the lines
		// it holds on actors are listed, the identifying ones not.
		x := explain(t, w.srv, map[string]any{"subject": accDIHR, "object": "Actor.fullName", "action": "read"})
		if x.Allowed || len(x.Grants) != 0 {
			t.Errorf("dihr reading Actor.fullName: want a denial without lines, got %+v", x)
		}
		for _, want := range []string{"p, dihr_partner, *, Actor, read, involved", "p, dihr_partner, *, Actor:demographics, read, all", "p, dihr_partner, *, Actor.pseudonym, read, all"} {
			if !slices.Contains(x.heldLines(), want) {
				t.Errorf("dihr reading Actor.fullName: held lines %q lack %q", x.heldLines(), want)
			}
		}
		for _, l := range x.heldLines() {
			if !strings.Contains(l, "Actor") || strings.Contains(l, "identifying") || !strings.Contains(l, ", read, ") {
				t.Errorf("dihr reading Actor.fullName: held line %q is not a read line of Actor it holds", l)
			}
		}
		if x.Subject != accDIHR || x.Domain != nil || len(x.Assignments) != 1 || x.Assignments[0].Role != "dihr_partner" ||
			!slices.Equal(x.Assignments[0].Lines, []string{"g, " + accDIHR + ", dihr_partner, *"}) {
			t.Errorf("dihr's assignments: %+v", x)
		}

		// It reads an incident's summary through its shareable group.
		x = explain(t, w.srv, map[string]any{"subject": accDIHR, "object": "Incident.summary", "action": "read"})
		if !x.Allowed || len(x.Grants) != 1 || x.Grants[0].Line != dihrShareableLine || x.Grants[0].Covers != "group" ||
			x.Grants[0].Group == nil || *x.Grants[0].Group != "g2, Incident.summary, Incident:shareable" || len(x.Held) != 0 {
			t.Errorf("dihr reading Incident.summary: want the shareable line and its g2 line, got %+v", x)
		}

		// A monitor of Niono creates incidents in Niono, and nowhere else.
		x = explain(t, w.srv, map[string]any{"subject": accMonNiono, "object": "Incident", "action": "create"})
		if !x.Allowed || !slices.Equal(x.grantLines(), []string{"p, amdh_monitor, *, Incident, create, own_localities&reported"}) || x.Grants[0].Domain != niono || x.Grants[0].Covers != "object" {
			t.Errorf("mon-niono creating an Incident: %+v", x)
		}
		for _, d := range []string{kayes, "*"} {
			x = explain(t, w.srv, map[string]any{"subject": accMonNiono, "domain": d, "object": "Incident", "action": "create"})
			if x.Allowed || len(x.Grants) != 0 || x.Domain == nil || *x.Domain != d {
				t.Errorf("mon-niono creating an Incident in %s: want a denial, got %+v", d, x)
			}
		}
		// A type grant covers a field for update, but never the collector.
		x = explain(t, w.srv, map[string]any{"subject": accMonNiono, "object": "Incident.summary", "action": "update"})
		if !x.Allowed || len(x.Grants) != 1 || x.Grants[0].Covers != "type" {
			t.Errorf("mon-niono updating Incident.summary: want the type's update line, got %+v", x)
		}
		x = explain(t, w.srv, map[string]any{"subject": accMonNiono, "object": "Incident.collectedBy", "action": "update"})
		if x.Allowed || len(x.Grants) != 0 {
			t.Errorf("mon-niono updating Incident.collectedBy: want a denial, got %+v", x)
		}
		// The admin holds everything through "*".
		x = explain(t, w.srv, map[string]any{"subject": apitest.Admin, "object": "Actor.fullName", "action": "read"})
		if !x.Allowed || len(x.Grants) != 1 || x.Grants[0].Covers != "*" || x.Grants[0].Line != "p, admin, *, *, read, all" {
			t.Errorf("admin reading Actor.fullName: %+v", x)
		}

		// A role in a domain, for a user that does not exist: a monitor in
		// Kayes reads sensitive fields of its own submissions only.
		x = explain(t, w.srv, map[string]any{"role": "amdh_monitor", "domain": kayes, "object": "Incident.narrative", "action": "read"})
		if !x.Allowed || !slices.Equal(x.grantLines(), []string{"p, amdh_monitor, *, Incident:sensitive, read, own_submissions"}) ||
			x.Grants[0].Domain != kayes || x.Domain == nil || *x.Domain != kayes ||
			len(x.Assignments) != 1 || !slices.Equal(x.Assignments[0].Lines, []string{"g, (hypothetical user), amdh_monitor, " + kayes}) {
			t.Errorf("amdh_monitor in Kayes reading Incident.narrative: %+v", x)
		}
		if !strings.Contains(x.Subject, "role=amdh_monitor") {
			t.Errorf("a role's explanation names %q", x.Subject)
		}
		x = explain(t, w.srv, map[string]any{"role": "fsi_liaison", "domain": niono, "object": "Actor:identifying", "action": "read"})
		if x.Allowed || len(x.Grants) != 0 || !slices.Contains(x.heldLines(), "p, fsi_liaison, *, Actor:unit, read, units") {
			t.Errorf("fsi_liaison reading Actor:identifying: %+v", x)
		}
	})
}

// TestExplainRows: on a row, each line's verdict and the atom that refuses
// it; the row's visibility and the field decision are what the user's own
// token receives.
func TestExplainRows(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		kayes := string(w.kayes.ID)
		id := func(key string) string { return string(w.incidents[key].ID) }

		// An unconsented incident is refused to dihr by consented, a
		// reported one by shared_status; a consented verified one admitted.
		for _, c := range []struct {
			key     string
			refused []string
		}{{"a", nil}, {"b", []string{"consented"}}, {"d", []string{"shared_status"}}, {"h", nil}} {
			x := explain(t, w.srv, map[string]any{"subject": accDIHR, "object": "Incident", "action": "read", "id": id(c.key)})
			g := x.rowGrant(t, dihrIncidentLine)
			if g.Admitted != (c.refused == nil) || !slices.Equal(g.RefusedBy, c.refused) && len(c.refused)+len(g.RefusedBy) > 0 || g.Purpose != "object" {
				t.Errorf("dihr, incident %s: want refused by %q, got %+v", c.key, c.refused, g)
			}
			if x.Row.Visible != (c.refused == nil) || x.Row.Allowed != x.Row.Visible || x.Row.Type != "Incident" || x.Row.ID != id(c.key) {
				t.Errorf("dihr, incident %s: row %+v", c.key, x.Row)
			}
		}
		// The fsi liaison of Niono: incident e is in Kayes, b has no
		// consent, c alleges another unit (and e the Kayes unit); a is admitted.
		for _, c := range []struct {
			key     string
			refused []string
		}{{"a", nil}, {"b", []string{"consented"}}, {"c", []string{"own_unit"}}, {"e", []string{"own_localities", "own_unit"}}} {
			x := explain(t, w.srv, map[string]any{"subject": accFSINiono, "object": "Incident", "action": "read", "id": id(c.key)})
			g := x.rowGrant(t, "p, fsi_liaison, *, Incident, read, verified&own_localities&own_unit&consented")
			if g.Admitted != (c.refused == nil) || len(c.refused)+len(g.RefusedBy) > 0 && !slices.Equal(g.RefusedBy, c.refused) {
				t.Errorf("fsi-niono, incident %s: want refused by %q, got %+v", c.key, c.refused, g)
			}
		}
		// An involvement of an unconsented incident: its line admits
		// every involvement, the incident is what refuses it.
		inv := string(w.involvements["b"][involvement.RoleVICTIM].ID)
		x := explain(t, w.srv, map[string]any{"subject": accDIHR, "object": "Involvement", "action": "read", "id": inv})
		if g := x.rowGrant(t, "p, dihr_partner, *, Involvement, read, all"); g.Admitted || !g.ParentRefused || len(g.RefusedBy) != 0 || x.Row.Visible {
			t.Errorf("dihr, involvement of incident b: want refused by its incident, got %+v %+v", g, x.Row)
		}
		// A field on a row: the field's line and the row's line both decide.
		x = explain(t, w.srv, map[string]any{"subject": accDIHR, "object": "Incident.summary", "action": "read", "id": id("b")})
		if x.Row.Allowed || x.rowGrant(t, dihrShareableLine).Admitted || x.rowGrant(t, dihrIncidentLine).Purpose != "row" {
			t.Errorf("dihr, summary of incident b: %+v", x.Row)
		}
		// A role in a domain: a monitor in Kayes sees e through
		// verified&own_localities, not through own_submissions.
		x = explain(t, w.srv, map[string]any{"role": "amdh_monitor", "domain": kayes, "object": "Incident", "action": "read", "id": id("e")})
		if !x.Row.Visible || !x.rowGrant(t, "p, amdh_monitor, *, Incident, read, verified&own_localities").Admitted ||
			!slices.Equal(x.rowGrant(t, "p, amdh_monitor, *, Incident, read, own_submissions").RefusedBy, []string{"own_submissions"}) {
			t.Errorf("amdh_monitor in Kayes, incident e: %+v", x.Row)
		}
		// An update: a monitor updates its own reported incidents of its
		// localities; f is its own but in Kayes.
		x = explain(t, w.srv, map[string]any{"subject": accMonNiono, "object": "Incident", "action": "update", "id": id("f")})
		if x.Row.Allowed || !slices.Equal(x.rowGrant(t, "p, amdh_monitor, *, Incident, update, own_submissions&own_localities&reported").RefusedBy, []string{"own_localities"}) {
			t.Errorf("mon-niono updating incident f: %+v", x.Row)
		}
		x = explain(t, w.srv, map[string]any{"subject": accMonNiono, "object": "Incident", "action": "update", "id": id("d")})
		if !x.Row.Allowed {
			t.Errorf("mon-niono updating incident d: %+v", x.Row)
		}

		// Every incident, for users of every role: the row is visible
		// exactly when the user's own feed holds it, and the narrative
		// allowed exactly when its own token reads it.
		for _, subject := range []string{accDIHR, accFSINiono, accMonNiono, accMonKayes, accMulti, accNoRole} {
			var feed struct {
				Incidents struct {
					Edges []struct {
						Node struct {
							ID        string
							Narrative *string
						}
					}
				}
			}
			w.srv.As(t, subject).Query(t, `{ incidents(first: 50) { edges { node { id narrative } } } }`, nil).OK(t, &feed)
			seen, reads := map[string]bool{}, map[string]bool{}
			for _, e := range feed.Incidents.Edges {
				seen[e.Node.ID] = true
				reads[e.Node.ID] = e.Node.Narrative != nil
			}
			for key, inc := range w.incidents {
				x := explain(t, w.srv, map[string]any{"subject": subject, "object": "Incident.narrative", "action": "read", "id": string(inc.ID)})
				if x.Row.Visible != seen[string(inc.ID)] || x.Row.Allowed != reads[string(inc.ID)] {
					t.Errorf("%s, incident %s: explain says visible %v, narrative %v; the user's feed: %v, %v",
						subject, key, x.Row.Visible, x.Row.Allowed, seen[string(inc.ID)], reads[string(inc.ID)])
				}
			}
		}
	})
}

// TestExplainRefusals: explain is for those who may read the policy; bad
// input and unknown names get stable codes, and nothing else.
func TestExplainRefusals(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		read := map[string]any{"subject": accDIHR, "object": "Incident", "action": "read"}
		for _, subject := range []string{accDIHR, accFSINiono, accMonNiono, accNoRole} {
			r := w.srv.As(t, subject).Query(t, explainQuery, read)
			wantError(t, r, "FORBIDDEN", "")
			wantNoData(t, r)
		}
		wantError(t, w.srv.As(t, "").Query(t, explainQuery, read), "UNAUTHENTICATED", "")
		// The coordinator may read the policy, so may explain it.
		if x := explain(t, w.srv.As(t, accCoord), read); !x.Allowed {
			t.Errorf("coordinator's explanation: %+v", x)
		}
		actorID := string(w.units[accUnitNiono].ID)
		for _, c := range []struct {
			name        string
			vars        map[string]any
			code, field string
		}{
			{"unknown field", map[string]any{"subject": accDIHR, "object": "Incident.nope", "action": "read"}, "BAD_USER_INPUT", "object"},
			{"unknown type", map[string]any{"subject": accDIHR, "object": "Nope", "action": "read"}, "BAD_USER_INPUT", "object"},
			{"unknown group", map[string]any{"subject": accDIHR, "object": "Incident:nope", "action": "read"}, "BAD_USER_INPUT", "object"},
			{"unknown action", map[string]any{"subject": accDIHR, "object": "Incident", "action": "delete"}, "BAD_USER_INPUT", "action"},
			{"neither user nor role", map[string]any{"object": "Incident", "action": "read"}, "BAD_USER_INPUT", "subject"},
			{"both user and role", map[string]any{"subject": accDIHR, "role": "admin", "object": "Incident", "action": "read"}, "BAD_USER_INPUT", "role"},
			{"id of another type", map[string]any{"subject": accDIHR, "object": "Incident", "action": "read", "id": actorID}, "BAD_USER_INPUT", "id"},
			{"id of no type", map[string]any{"subject": accDIHR, "object": "*", "action": "read", "id": actorID}, "BAD_USER_INPUT", "id"},
			{"unknown user", map[string]any{"subject": "nobody", "object": "Incident", "action": "read"}, "NOT_FOUND", ""},
			{"unknown role", map[string]any{"role": "nobody", "object": "Incident", "action": "read"}, "NOT_FOUND", ""},
			{"unknown locality", map[string]any{"role": "amdh_monitor", "domain": "loc_nope", "object": "Incident", "action": "read"}, "NOT_FOUND", ""},
			{"unknown locality for a user", map[string]any{"subject": accDIHR, "domain": "loc_nope", "object": "Incident", "action": "read"}, "NOT_FOUND", ""},
			{"unknown organization", map[string]any{"role": "fsi_liaison", "organization": string(gid.New("org")), "object": "Incident", "action": "read"}, "NOT_FOUND", ""},
			{"unknown row", map[string]any{"subject": accDIHR, "object": "Incident", "action": "read", "id": string(gid.New("inc"))}, "NOT_FOUND", "id"},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := w.srv.Query(t, explainQuery, c.vars)
				wantError(t, r, c.code, c.field)
				wantNoData(t, r)
			})
		}
	})
}
