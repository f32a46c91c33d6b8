package graph_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/user"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestPolicyChanges applies each kind of change as the admin over HTTP and
// checks its record (one version, one audit event) and its effect on the
// affected user's next request: the store puts the change in force before
// the mutation answers.
func TestPolicyChanges(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := polSetup(t, db)
		niono, kayes := string(w.f.niono.ID), string(w.f.kayes.ID)
		mon := w.as(t, polMon)
		sees := func(srv *apitest.Server, refs []string, narratives int) {
			t.Helper()
			got, n := polIncidents(t, srv)
			if !slices.Equal(got, refs) || n != narratives {
				t.Fatalf("sees %v with %d narratives, want %v with %d", got, n, refs, narratives)
			}
		}
		// change runs one mutation as the admin and checks its record.
		change := func(field, doc string, vars map[string]any, reason string, added, removed []string) {
			t.Helper()
			before := polState(t, w)
			var data map[string]polVersion
			w.srv.Query(t, doc, vars).OK(t, &data)
			wantVersion(t, w, before, data[field], reason, added, removed)
		}
		const perm = `($role: String!, $object: String!, $action: String!, $scope: String!, $reason: String!) {
			%s(permission: {role: $role, object: $object, action: $action, scope: $scope}, reason: $reason) ` + polVersionFields + ` }`
		permVars := func(role, object, action, scope, reason string) map[string]any {
			return map[string]any{"role": role, "object": object, "action": action, "scope": scope, "reason": reason}
		}
		grant, revoke := "mutation "+strings.Replace(perm, "%s", "grant", 1), "mutation "+strings.Replace(perm, "%s", "revoke", 1)
		const assignment = `($subject: String!, $role: String!, $domain: String!) {
			%s(assignment: {subject: $subject, role: $role, domain: $domain}, reason: "` + "a monitor moves" + `") ` + polVersionFields + ` }`
		assign, unassign := "mutation "+strings.Replace(assignment, "%s", "assign", 1), "mutation "+strings.Replace(assignment, "%s", "unassign", 1)

		// The default policy: Niono's verified incident, without its narrative.
		sees(mon, []string{"TST-2023-0000"}, 0)

		t.Run("grant and revoke a field", func(t *testing.T) {
			line := "p, amdh_monitor, *, Incident.narrative, read, all"
			change("grant", grant, permVars("amdh_monitor", "Incident.narrative", "read", "all", "monitors read narratives"), "monitors read narratives", []string{line}, nil)
			sees(mon, []string{"TST-2023-0000"}, 1)
			change("revoke", revoke, permVars("amdh_monitor", "Incident.narrative", "read", "all", "not any more"), "not any more", nil, []string{line})
			sees(mon, []string{"TST-2023-0000"}, 0)
			resp := mon.Query(t, `{ incidents(first: 5) { edges { node { narrative } } } }`, nil)
			if masked := accMasked(resp); !masked["incidents.edges[0].node.narrative"] {
				t.Fatalf("a revoked field is not listed as masked: %s", resp.Body)
			}
		})
		t.Run("revoke and grant back a row scope", func(t *testing.T) {
			// The scope's atoms in another order name the same line; the
			// version records it as stored.
			line := "p, amdh_monitor, *, Incident, read, verified&own_localities"
			change("revoke", revoke, permVars("amdh_monitor", "Incident", "read", "own_localities&verified", "no verified incidents"), "no verified incidents", nil, []string{line})
			sees(mon, nil, 0)
			change("grant", grant, permVars("amdh_monitor", "Incident", "read", "verified&own_localities", "back"), "back", []string{line}, nil)
			sees(mon, []string{"TST-2023-0000"}, 0)
		})
		t.Run("assign and unassign in a locality", func(t *testing.T) {
			line := "g, pol-mon, amdh_monitor, " + kayes
			vars := map[string]any{"subject": polMon, "role": "amdh_monitor", "domain": kayes}
			change("assign", assign, vars, "a monitor moves", []string{line}, nil)
			sees(mon, []string{"TST-2023-0000", "TST-2023-0003"}, 0)
			change("unassign", unassign, vars, "a monitor moves", nil, []string{line})
			sees(mon, []string{"TST-2023-0000"}, 0)
		})
		t.Run("read the policy", func(t *testing.T) {
			dihr := w.as(t, polDIHR)
			dihr.Query(t, `{ policy { revision } }`, nil).Code(t, "FORBIDDEN")
			line := "p, dihr_partner, *, Policy, read, all"
			change("grant", grant, permVars("dihr_partner", "Policy", "read", "all", "partners audit the policy"), "partners audit the policy", []string{line}, nil)
			dihr.Query(t, `{ policy { revision } }`, nil).OK(t, nil)
			dihr.Query(t, `mutation { grant(permission: {role: "dihr_partner", object: "Incident", action: "read"}, reason: "x") { id } }`, nil).Code(t, "FORBIDDEN")
			change("revoke", revoke, permVars("dihr_partner", "Policy", "read", "all", "no"), "no", nil, []string{line})
			dihr.Query(t, `{ policy { revision } }`, nil).Code(t, "FORBIDDEN")

			// The policy is no locality's: a grant of it to a role held
			// in a locality lets no one read it.
			change("grant", grant, permVars("fsi_liaison", "Policy", "read", "all", "liaisons"), "liaisons", []string{"p, fsi_liaison, *, Policy, read, all"}, nil)
			w.as(t, polFSI).Query(t, `{ policy { revision } }`, nil).Code(t, "FORBIDDEN")
		})
		t.Run("applyPolicyChanges: a new role, its grants and a user", func(t *testing.T) {
			if err := db.Client.User.Create().SetSubject("pol-aud").SetDisplayName("Auditor").Exec(sysCtx()); err != nil {
				t.Fatal(err)
			}
			aud := w.as(t, "pol-aud")
			sees(aud, nil, 0)
			change("applyPolicyChanges", `mutation($kayes: String!) { applyPolicyChanges(reason: "an auditor for Kayes", changes: [
				{createRole: {name: "auditor", description: "reads the references of its localities"}},
				{grant: {role: "auditor", object: "Incident", action: "read", scope: "own_localities"}},
				{grant: {role: "auditor", object: "Incident.reference", action: "read"}},
				{assign: {subject: "pol-aud", role: "auditor", domain: $kayes}}]) `+polVersionFields+` }`,
				map[string]any{"kayes": kayes}, "an auditor for Kayes",
				[]string{"role auditor", "p, auditor, *, Incident, read, own_localities", "p, auditor, *, Incident.reference, read, all", "g, pol-aud, auditor, " + kayes}, nil)
			sees(aud, []string{"TST-2023-0001", "TST-2023-0003", "TST-2023-0005"}, 0)
			var got struct {
				Policy struct {
					Roles []struct{ Name, Description string }
				}
			}
			w.srv.Query(t, `{ policy { roles { name description } } }`, nil).OK(t, &got)
			if !slices.Contains(got.Policy.Roles, struct{ Name, Description string }{"auditor", "reads the references of its localities"}) {
				t.Fatalf("roles %+v", got.Policy.Roles)
			}
		})
		t.Run("applyPolicyChanges: group and ungroup a field", func(t *testing.T) {
			line := "g2, Incident.narrative, Incident:shareable"
			change("applyPolicyChanges", `mutation { applyPolicyChanges(reason: "narratives are shareable", changes: [
				{group: {field: "Incident.narrative", group: "Incident:shareable"}}]) `+polVersionFields+` }`, nil,
				"narratives are shareable", []string{line}, nil)
			sees(mon, []string{"TST-2023-0000"}, 1)
			change("applyPolicyChanges", `mutation { applyPolicyChanges(reason: "they are not", changes: [
				{ungroup: {field: "Incident.narrative", group: "Incident:shareable"}}]) `+polVersionFields+` }`, nil,
				"they are not", nil, []string{line})
			sees(mon, []string{"TST-2023-0000"}, 0)
		})
		t.Run("applyPolicyChanges: delete a role with its lines", func(t *testing.T) {
			change("applyPolicyChanges", `mutation($kayes: String!) { applyPolicyChanges(reason: "no more auditors", changes: [
				{unassign: {subject: "pol-aud", role: "auditor", domain: $kayes}},
				{revoke: {role: "auditor", object: "Incident", action: "read", scope: "own_localities"}},
				{revoke: {role: "auditor", object: "Incident.reference", action: "read"}},
				{deleteRole: "auditor"}]) `+polVersionFields+` }`,
				map[string]any{"kayes": kayes}, "no more auditors", nil,
				[]string{"role auditor", "p, auditor, *, Incident, read, own_localities", "p, auditor, *, Incident.reference, read, all", "g, pol-aud, auditor, " + kayes})
			sees(w.as(t, "pol-aud"), nil, 0)
		})
		t.Run("createUser with a role in a locality", func(t *testing.T) {
			before := polState(t, w)
			var got struct{ CreateUser struct{ Subject string } }
			w.srv.Query(t, `mutation($niono: String!) { createUser(input: {subject: "pol-new", displayName: "New monitor"},
				roles: [{role: "amdh_monitor", domain: $niono}]) { subject } }`, map[string]any{"niono": niono}).OK(t, &got)
			if got.CreateUser.Subject != "pol-new" {
				t.Fatalf("created %+v", got)
			}
			var read struct {
				Policy struct{ Versions []polVersion }
			}
			w.srv.Query(t, `{ policy { versions(last: 1) `+polVersionFields+` } }`, nil).OK(t, &read)
			wantVersion(t, w, before, read.Policy.Versions[0], "the roles of the new user pol-new", []string{"g, pol-new, amdh_monitor, " + niono}, nil)
			// Niono's verified incident; not Kayes's.
			sees(w.as(t, "pol-new"), []string{"TST-2023-0000"}, 0)
		})
	})
}

// TestPolicyBadInput: every change the store refuses answers BAD_USER_INPUT
// naming the problem, and writes nothing: no line, role, version, audit
// event or revision.
func TestPolicyBadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := polSetup(t, db)
		niono := string(w.f.niono.ID)
		nowhere := string(gid.New("loc"))
		grant := func(role, domain, object, action, scope string) (string, map[string]any) {
			return `mutation($p: PermissionInput!) { grant(permission: $p, reason: "test") { id } }`,
				map[string]any{"p": map[string]any{"role": role, "domain": domain, "object": object, "action": action, "scope": scope}}
		}
		apply := func(changes ...map[string]any) (string, map[string]any) {
			return `mutation($c: [PolicyChangeInput!]!) { applyPolicyChanges(changes: $c, reason: "test") { id } }`, map[string]any{"c": changes}
		}
		literal := func(doc string) func() (string, map[string]any) {
			return func() (string, map[string]any) { return doc, nil }
		}
		lit := func(f func() (string, map[string]any)) func() (string, map[string]any) { return f }
		wrap := func(doc string, vars map[string]any) func() (string, map[string]any) {
			return func() (string, map[string]any) { return doc, vars }
		}
		for _, c := range []struct {
			name  string
			op    func() (string, map[string]any)
			field string // extensions.field, if any
			says  string // in the message
			code  string // BAD_USER_INPUT if empty
		}{
			{"unknown role", wrap(grant("dihr_parnter", "*", "Incident", "read", "all")), "", `"dihr_parnter"`, ""},
			{"unknown type", wrap(grant("dihr_partner", "*", "Incidnt", "read", "all")), "", `"Incidnt"`, ""},
			{"unknown field", wrap(grant("dihr_partner", "*", "Incident.narative", "read", "all")), "", `"narative"`, ""},
			{"unknown field group", wrap(grant("dihr_partner", "*", "Incident:secret", "read", "all")), "", "Incident:secret", ""},
			{"unknown action", wrap(grant("dihr_partner", "*", "Incident", "delete", "all")), "", `"delete"`, ""},
			{"unknown scope atom", wrap(grant("dihr_partner", "*", "Incident", "read", "verified&nowhere")), "", "nowhere", ""},
			{"scope on * other than all", wrap(grant("dihr_partner", "*", "*", "read", "verified")), "", "verified", ""},
			{"malformed domain", wrap(grant("dihr_partner", "niono", "Incident", "read", "all")), "", `"niono"`, ""},
			{"domain naming no locality", wrap(grant("dihr_partner", nowhere, "Incident", "read", "all")), "", nowhere, ""},
			{"assignment in no locality", wrap(`mutation($d: String!) { assign(assignment: {subject: "pol-dihr", role: "amdh_monitor", domain: $d}, reason: "x") { id } }`, map[string]any{"d": nowhere}), "", nowhere, ""},
			{"subject neither user nor role", literal(`mutation { assign(assignment: {subject: "ghost", role: "amdh_monitor"}, reason: "x") { id } }`), "", `"ghost"`, ""},
			{"duplicate grant", wrap(grant("amdh_monitor", "*", "Incident", "read", "own_submissions")), "", "already granted", ""},
			{"duplicate assignment", wrap(`mutation($d: String!) { assign(assignment: {subject: "pol-mon", role: "amdh_monitor", domain: $d}, reason: "x") { id } }`, map[string]any{"d": niono}), "", "already assigned", ""},
			{"revoke of an absent permission", literal(`mutation { revoke(permission: {role: "dihr_partner", object: "Incident.narrative", action: "read"}, reason: "x") { id } }`), "", "nothing to revoke", ""},
			{"unassign of an absent assignment", literal(`mutation { unassign(assignment: {subject: "pol-mon", role: "amdh_monitor"}, reason: "x") { id } }`), "", "nothing to unassign", ""},
			{"unassign the last admin", literal(`mutation { unassign(assignment: {subject: "test-admin", role: "admin"}, reason: "x") { id } }`), "", "no user who may change the access policy", ""},
			{"revoke the only update of Policy", literal(`mutation { revoke(permission: {role: "admin", object: "*", action: "update"}, reason: "x") { id } }`), "", "no user who may change the access policy", ""},
			{"create a role that exists", wrap(apply(map[string]any{"createRole": map[string]any{"name": "admin"}})), "", "exists already", ""},
			{"create a role of a bad name", wrap(apply(map[string]any{"createRole": map[string]any{"name": "Auditor"}})), "", `"Auditor"`, ""},
			{"versions(last: -1)", literal(`{ policy { versions(last: -1) { id } } }`), "last", "versions", ""},
			{"delete a role lines name", wrap(apply(map[string]any{"deleteRole": "dihr_partner"})), "", "still name the role", ""},
			{"empty reason", literal(`mutation { grant(permission: {role: "dihr_partner", object: "Incident.narrative", action: "read"}, reason: "  ") { id } }`), "reason", "reason", ""},
			// A literal that breaks @oneOf does not fit the schema: the document
			// fails validation (GraphQL's OneOf rule), as any literal of a wrong shape.
			{"oneOf: no field (literal)", literal(`mutation { applyPolicyChanges(changes: [{}], reason: "x") { id } }`), "", "PolicyChangeInput", "GRAPHQL_VALIDATION_FAILED"},
			{"oneOf: two fields (literal)", literal(`mutation { applyPolicyChanges(changes: [{deleteRole: "dihr_partner", discard: 1}], reason: "x") { id } }`), "", "PolicyChangeInput", "GRAPHQL_VALIDATION_FAILED"},
			{"oneOf: no field (variables)", wrap(apply(map[string]any{})), "changes[0]", "exactly one", ""},
			{"oneOf: two fields (variables)", wrap(apply(map[string]any{"createRole": map[string]any{"name": "two"}, "deleteRole": "dihr_partner"})), "changes[0]", "exactly one", ""},
			{"change 2 of 3", lit(func() (string, map[string]any) {
				return apply(
					map[string]any{"createRole": map[string]any{"name": "reader"}},
					map[string]any{"grant": map[string]any{"role": "reader", "object": "Incident.narative", "action": "read"}},
					map[string]any{"assign": map[string]any{"subject": polDIHR, "role": "reader"}})
			}), "changes[1]", `"narative"`, ""},
			{"all or nothing: the last change is bad", lit(func() (string, map[string]any) {
				return apply(
					map[string]any{"createRole": map[string]any{"name": "reader"}},
					map[string]any{"grant": map[string]any{"role": "reader", "object": "Incident.narrative", "action": "read"}},
					map[string]any{"assign": map[string]any{"subject": "ghost", "role": "reader"}})
			}), "changes[2]", `"ghost"`, ""},
			{"createUser with an unknown role", literal(`mutation { createUser(input: {subject: "pol-bad", displayName: "Bad"}, roles: [{role: "dihr_parnter"}]) { id } }`), "", `"dihr_parnter"`, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := polState(t, w)
				doc, vars := c.op()
				resp := w.srv.Query(t, doc, vars)
				code := c.code
				if code == "" {
					code = "BAD_USER_INPUT"
				}
				e := wantError(t, resp, code, c.field)
				if !strings.Contains(e.Message, c.says) {
					t.Errorf("message %q does not name %s", e.Message, c.says)
				}
				wantNoData(t, resp)
				polUnchanged(t, w, before)
			})
		}
		if n, err := db.Client.User.Query().Where(user.Subject("pol-bad")).Count(sysCtx()); err != nil || n != 0 {
			t.Fatalf("createUser refused for its roles left %d users (%v)", n, err)
		}
	})
}
