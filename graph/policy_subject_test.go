package graph_test

import (
	"context"
	"testing"

	"github.com/benkan-project/benkan/ent/user"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestPolicySubjectNamesUserAndRole: an assignment's subject is a user when
// a user has it and a role otherwise, so a subject that is both would let
// the line change meaning when a user's subject changes. Before the store
// refused it, the admin could create a role "ops" (held by the DIHR
// partner), give a user "ops" admin, rename the user, and at the next
// reload the line "g, ops, admin, *" made every holder of ops an admin: the
// DIHR partner could then read and change the policy. Every way there is
// refused, and the partner stays refused.
func TestPolicySubjectNamesUserAndRole(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := polSetup(t, db)
		dihr := w.as(t, polDIHR)
		partnerRefused := func(when string) {
			t.Helper()
			w.srv.Query(t, `mutation { grant(permission: {role: "amdh_coordinator", object: "Organization", action: "create"}, reason: "reload") { id } }`, nil).OK(t, nil)
			w.srv.Query(t, `mutation { revoke(permission: {role: "amdh_coordinator", object: "Organization", action: "create"}, reason: "reload") { id } }`, nil).OK(t, nil)
			if e := dihr.Query(t, `{ policy { revision } }`, nil).Code(t, "FORBIDDEN"); e.Code() != "FORBIDDEN" {
				t.Fatalf("%s: the DIHR partner reads the policy", when)
			}
			dihr.Query(t, `mutation { grant(permission: {role: "dihr_partner", object: "Incident.narrative", action: "read"}, reason: "mine") { id } }`, nil).Code(t, "FORBIDDEN")
		}
		w.srv.Query(t, `mutation { applyPolicyChanges(reason: "an operations role", changes: [
			{createRole: {name: "ops"}},
			{grant: {role: "ops", object: "Locality", action: "read"}},
			{assign: {subject: "pol-dihr", role: "ops"}}]) { id } }`, nil).OK(t, nil)

		// A user named as the role, given admin: refused, and not created.
		before := polState(t, w)
		w.srv.Query(t, `mutation { createUser(input: {subject: "ops", displayName: "Ops"}, roles: [{role: "admin"}]) { id } }`, nil).Code(t, "BAD_USER_INPUT")
		polUnchanged(t, w, before)
		if n, _ := db.Client.User.Query().Count(sysCtx()); n == 0 {
			t.Fatal("no users")
		}
		// Created without roles, then assigned: refused too.
		var created struct{ CreateUser struct{ ID string } }
		w.srv.Query(t, `mutation { createUser(input: {subject: "ops", displayName: "Ops"}) { id } }`, nil).OK(t, &created)
		w.srv.Query(t, `mutation { assign(assignment: {subject: "ops", role: "admin"}, reason: "ops account") { id } }`, nil).Code(t, "BAD_USER_INPUT")
		partnerRefused("user ops")

		// A user "svc" holds admin; a role "svc" may not be created, before
		// or after the user's subject changes (the line, left out then,
		// would hold again as the role's).
		var svc struct{ CreateUser struct{ ID string } }
		w.srv.Query(t, `mutation { createUser(input: {subject: "svc", displayName: "Service"}, roles: [{role: "admin"}]) { id } }`, nil).OK(t, &svc)
		const svcRole = `mutation { applyPolicyChanges(reason: "a service role", changes: [
			{createRole: {name: "svc"}}, {assign: {subject: "pol-dihr", role: "svc"}}]) { id } }`
		w.srv.Query(t, svcRole, nil).Code(t, "BAD_USER_INPUT")
		w.srv.Query(t, `mutation($id: ID!) { updateUser(id: $id, input: {subject: "svc.retired"}) { id } }`, map[string]any{"id": svc.CreateUser.ID}).OK(t, nil)
		partnerRefused("user svc renamed")
		w.srv.Query(t, svcRole, nil).Code(t, "BAD_USER_INPUT")
		partnerRefused("role svc refused")
	})
}

// TestPolicyLastAdminRenamed: the policy names users by subject, so
// renaming the only user who may change the policy left no one who could
// (the store's check of the last admin only guarded policy changes).
// updateUser refuses it, writing nothing, and allows it once another user
// is an admin.
func TestPolicyLastAdminRenamed(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := polSetup(t, db)
		var me struct {
			Users struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		w.srv.Query(t, `{ users(first: 1, where: {subject: "test-admin"}) { edges { node { id } } } }`, nil).OK(t, &me)
		if len(me.Users.Edges) != 1 {
			t.Fatalf("want the admin's user, got %+v", me)
		}
		rename := `mutation($id: ID!, $s: String!) { updateUser(id: $id, input: {subject: $s}) { subject } }`
		vars := map[string]any{"id": me.Users.Edges[0].Node.ID, "s": "test-admin.old"}
		before := polState(t, w)
		if e := w.srv.Query(t, rename, vars).Code(t, "BAD_USER_INPUT"); e.Extensions["field"] != "subject" {
			t.Fatalf("want the subject named, got %+v", e)
		}
		polUnchanged(t, w, before)
		w.srv.Query(t, `{ policy { revision } }`, nil).OK(t, nil) // still the admin
		// A rename that keeps an admin is not refused: display names too.
		w.srv.Query(t, `mutation($id: ID!) { updateUser(id: $id, input: {displayName: "Admin"}) { subject } }`, vars).OK(t, nil)
		w.srv.Query(t, `mutation { assign(assignment: {subject: "pol-coord", role: "admin"}, reason: "a second admin") { id } }`, nil).OK(t, nil)
		w.srv.Query(t, rename, vars).OK(t, nil)
		w.as(t, polCoord).Query(t, `mutation { unassign(assignment: {subject: "test-admin", role: "admin"}, reason: "renamed away") { id } }`, nil).OK(t, nil)
	})
}

// TestPolicyLocalPermission: a permission's domain only says where its role
// must be held, and its rows come from its scope. A grant of the narrative
// "in Niono", scope all, to a role held everywhere gave the narratives of
// every locality (reproduced on the demo server: the DIHR partner read
// Kayes' and Fourou's). Such a line is refused; with own_localities in its
// scope it holds, and only on Niono's incidents.
func TestPolicyLocalPermission(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := polSetup(t, db)
		niono := string(w.f.niono.ID)
		if err := db.Client.User.Create().SetSubject("pol-aud").SetDisplayName("Auditor").Exec(sysCtx()); err != nil {
			t.Fatal(err)
		}
		w.srv.Query(t, `mutation { applyPolicyChanges(reason: "auditors", changes: [
			{createRole: {name: "auditor"}},
			{grant: {role: "auditor", object: "Incident", action: "read"}},
			{grant: {role: "auditor", object: "Incident.reference", action: "read"}},
			{grant: {role: "auditor", object: "Incident.locality", action: "read"}},
			{grant: {role: "auditor", object: "Locality", action: "read"}},
			{grant: {role: "auditor", object: "Locality.name", action: "read"}}]) { id } }`, nil).OK(t, nil)
		if err := w.srv.Assign(context.Background(), "pol-aud", "auditor", "*"); err != nil {
			t.Fatal(err)
		}
		const grant = `mutation($d: String!, $o: String!, $s: String!) { grant(permission: {role: "auditor", domain: $d, object: $o, action: "read", scope: $s}, reason: "Niono's narratives") { id } }`
		for _, c := range []struct{ object, scope string }{
			{"Incident.narrative", "all"},
			{"Incident:sensitive", "all"},
			{"Incident", "verified"},
			{"Locality", "all"}, // no own_localities: never limited
			{"*", "all"},
			{"Policy", "all"},
		} {
			before := polState(t, w)
			w.srv.Query(t, grant, map[string]any{"d": niono, "o": c.object, "s": c.scope}).Code(t, "BAD_USER_INPUT")
			polUnchanged(t, w, before)
		}
		w.srv.Query(t, grant, map[string]any{"d": niono, "o": "Incident.narrative", "s": "own_localities"}).OK(t, nil)
		var got struct {
			Incidents struct {
				Edges []struct {
					Node struct {
						Reference string
						Narrative *string
						Locality  struct{ Name string }
					}
				}
			}
		}
		w.as(t, "pol-aud").Query(t, `{ incidents(first: 50) { edges { node { reference narrative locality { name } } } } }`, nil).OK(t, &got)
		inNiono := 0
		for _, e := range got.Incidents.Edges {
			n := e.Node
			if (n.Narrative != nil) != (n.Locality.Name == "Niono") {
				t.Errorf("%s in %s: narrative %v", n.Reference, n.Locality.Name, n.Narrative != nil)
			}
			if n.Locality.Name == "Niono" {
				inNiono++
			}
		}
		if len(got.Incidents.Edges) != 6 || inNiono == 0 || inNiono == 6 {
			t.Fatalf("want the 6 incidents, some in Niono, got %d (%d in Niono)", len(got.Incidents.Edges), inNiono)
		}
	})
}

// TestPolicyLeftoverLinesNotInherited: the policy names users by subject,
// so the lines of a user renamed (or deleted) stay, left out as problems.
// A new user taking that subject would receive them silently, with no
// change, version or audit event; creating or renaming a user to such a
// subject is refused until the lines are unassigned.
func TestPolicyLeftoverLinesNotInherited(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := polSetup(t, db)
		var temp struct{ CreateUser struct{ ID string } }
		w.srv.Query(t, `mutation { createUser(input: {subject: "temp", displayName: "Temp"}, roles: [{role: "amdh_coordinator"}]) { id } }`, nil).OK(t, &temp)
		w.srv.Query(t, `mutation($id: ID!) { updateUser(id: $id, input: {subject: "temp.old"}) { id } }`, map[string]any{"id": temp.CreateUser.ID}).OK(t, nil)

		before := polState(t, w)
		if e := w.srv.Query(t, `mutation { createUser(input: {subject: "temp", displayName: "New"}) { id } }`, nil).Code(t, "BAD_USER_INPUT"); e.Extensions["field"] != "input.subject" {
			t.Fatalf("want input.subject named, got %+v", e)
		}
		var other struct{ CreateUser struct{ ID string } }
		w.srv.Query(t, `mutation { createUser(input: {subject: "other", displayName: "Other"}) { id } }`, nil).OK(t, &other)
		if e := w.srv.Query(t, `mutation($id: ID!) { updateUser(id: $id, input: {subject: "temp"}) { id } }`, map[string]any{"id": other.CreateUser.ID}).Code(t, "BAD_USER_INPUT"); e.Extensions["field"] != "subject" {
			t.Fatalf("want subject named, got %+v", e)
		}
		polUnchanged(t, w, before)
		if n, _ := db.Client.User.Query().Where(user.Subject("temp")).Count(sysCtx()); n != 0 {
			t.Fatalf("a user temp exists after the refusals")
		}

		// Once the left-over line is unassigned, the subject is free, and the
		// new user holds nothing of the old one's.
		w.srv.Query(t, `mutation { unassign(assignment: {subject: "temp", role: "amdh_coordinator"}, reason: "temp left") { id } }`, nil).OK(t, nil)
		w.srv.Query(t, `mutation { createUser(input: {subject: "temp", displayName: "New"}) { id } }`, nil).OK(t, nil)
		w.as(t, "temp").Query(t, `{ policy { revision } }`, nil).Code(t, "FORBIDDEN")
		var got struct{ Incidents struct{ TotalCount int } }
		w.as(t, "temp").Query(t, `{ incidents { totalCount } }`, nil).OK(t, &got)
		if got.Incidents.TotalCount != 0 {
			t.Fatalf("the new user temp reads %d incidents", got.Incidents.TotalCount)
		}
	})
}
