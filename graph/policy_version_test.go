package graph_test

// Policy versions over HTTP: one version, the difference between two, and
// a rollback, with its effect on the roles it touches.

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/policyrule"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// polLatest returns the id of the newest version, as the admin reads it.
func polLatest(t *testing.T, w *polWorld) int {
	t.Helper()
	var got struct {
		Policy struct{ Versions []polVersion }
	}
	w.srv.Query(t, `{ policy { versions(last: 1) { id } } }`, nil).OK(t, &got)
	if len(got.Policy.Versions) != 1 {
		t.Fatalf("versions %+v", got)
	}
	return got.Policy.Versions[0].ID
}

// polDiff is policy.diff as srv's viewer reads it.
func polDiff(t *testing.T, srv *apitest.Server, from, to int) (added, removed []string) {
	t.Helper()
	var got struct {
		Policy struct {
			Diff struct{ Added, Removed []string }
		}
	}
	srv.Query(t, `query($from: Int!, $to: Int!) { policy { diff(from: $from, to: $to) { added removed } } }`,
		map[string]any{"from": from, "to": to}).OK(t, &got)
	return got.Policy.Diff.Added, got.Policy.Diff.Removed
}

// TestPolicyVersionsDiffRollback: versions compare exactly, by the whole
// policies they produced; a rollback restores the older policy, lines
// written in raw SQL since included, as one new version and audit event,
// and the roles it touches see the difference on their next request.
func TestPolicyVersionsDiffRollback(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := polSetup(t, db)
		mon := w.as(t, polMon)
		if refs, n := polIncidents(t, mon); !slices.Equal(refs, []string{"TST-2023-0000"}) || n != 0 {
			t.Fatalf("the monitor sees %v with %d narratives by default", refs, n)
		}
		v0 := polLatest(t, w)

		const incident = "p, amdh_monitor, *, Incident, read, verified&own_localities"
		const narrative = "p, amdh_monitor, *, Incident.narrative, read, all"
		var r1, r2, r3 struct{ ApplyPolicyChanges polVersion }
		w.srv.Query(t, `mutation { applyPolicyChanges(reason: "no verified incidents", changes: [
			{revoke: {role: "amdh_monitor", object: "Incident", action: "read", scope: "own_localities&verified"}}]) `+polVersionFields+` }`, nil).OK(t, &r1)
		w.srv.Query(t, `mutation { applyPolicyChanges(reason: "narratives", changes: [
			{grant: {role: "amdh_monitor", object: "Incident.narrative", action: "read"}}]) `+polVersionFields+` }`, nil).OK(t, &r2)
		w.srv.Query(t, `mutation { applyPolicyChanges(reason: "an auditor role", changes: [
			{createRole: {name: "auditor", description: "reads: references"}},
			{grant: {role: "auditor", object: "Incident.reference", action: "read"}}]) `+polVersionFields+` }`, nil).OK(t, &r3)
		v1, v2, v3 := r1.ApplyPolicyChanges.ID, r2.ApplyPolicyChanges.ID, r3.ApplyPolicyChanges.ID
		if refs, _ := polIncidents(t, mon); len(refs) != 0 {
			t.Fatalf("after the revoke the monitor sees %v", refs)
		}

		t.Run("diff", func(t *testing.T) {
			for _, c := range []struct {
				name           string
				from, to       int
				added, removed []string
			}{
				{"one change", v0, v1, nil, []string{incident}},
				{"two changes", v0, v2, []string{narrative}, []string{incident}},
				{"backwards", v2, v0, []string{incident}, []string{narrative}},
				{"a role, first", v1, v3, []string{"role auditor", narrative, "p, auditor, *, Incident.reference, read, all"}, nil},
				{"the same version", v2, v2, nil, nil},
			} {
				t.Run(c.name, func(t *testing.T) {
					for _, who := range []string{apitest.Admin, polCoord} {
						added, removed := polDiff(t, w.as(t, who), c.from, c.to)
						if !slices.Equal(added, c.added) || !slices.Equal(removed, c.removed) {
							t.Errorf("%s: diff(%d, %d) = +%q -%q, want +%q -%q", who, c.from, c.to, added, removed, c.added, c.removed)
						}
					}
				})
			}
			resp := w.srv.Query(t, `{ policy { diff(from: 1, to: 999999) { added } } }`, nil)
			if e := resp.Code(t, "NOT_FOUND"); !strings.Contains(e.Message, "999999") {
				t.Errorf("diff with an unknown version: %s", resp.Body)
			}
		})
		t.Run("version", func(t *testing.T) {
			var got struct {
				Policy struct{ Version, None *polVersion }
			}
			w.as(t, polCoord).Query(t, `query($id: Int!) { policy { version(id: $id) `+polVersionFields+` none: version(id: 999999) { id } } }`,
				map[string]any{"id": v2}).OK(t, &got)
			v := got.Policy.Version
			if v == nil || v.ID != v2 || v.Reason != "narratives" || v.Actor != apitest.Admin || !slices.Equal(v.Added, []string{narrative}) || len(v.Removed) != 0 {
				t.Errorf("version %d: %+v", v2, v)
			}
			if got.Policy.None != nil {
				t.Errorf("an unknown version: %+v", got.Policy.None)
			}
		})

		// Behind the store's back: a valid line that makes no version.
		if err := db.Client.PolicyRule.Create().SetPtype("p").SetV0("amdh_monitor").SetV1("*").
			SetV2("Incident").SetV3("read").SetV4("all").Exec(sysCtx()); err != nil {
			t.Fatal(err)
		}
		if _, err := w.srv.Policy.Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
		if refs, n := polIncidents(t, mon); len(refs) != 6 || n != 6 {
			t.Fatalf("with the raw line the monitor sees %v with %d narratives, want all 6 with theirs", refs, n)
		}

		t.Run("rollback", func(t *testing.T) {
			before := polState(t, w)
			var got struct{ RollbackPolicy polVersion }
			w.srv.Query(t, `mutation($v: Int!) { rollbackPolicy(toVersion: $v, reason: "undo the monitor's changes") `+polVersionFields+` }`,
				map[string]any{"v": v0}).OK(t, &got)
			wantVersion(t, w, before, got.RollbackPolicy, "roll back to version "+strconv.Itoa(v0)+": undo the monitor's changes",
				[]string{incident},
				[]string{narrative, "p, auditor, *, Incident.reference, read, all", "p, amdh_monitor, *, Incident, read, all", "role auditor"})
			// The revoked grant is back, the granted one and the raw line gone.
			if refs, n := polIncidents(t, mon); !slices.Equal(refs, []string{"TST-2023-0000"}) || n != 0 {
				t.Errorf("after the rollback the monitor sees %v with %d narratives", refs, n)
			}
			// The stored policy is version v0's exactly.
			if added, removed := polDiff(t, w.srv, v0, got.RollbackPolicy.ID); len(added)+len(removed) != 0 {
				t.Errorf("version %d to the rollback: +%q -%q", v0, added, removed)
			}
			if slices.ContainsFunc(polState(t, w).roles, func(r store.Role) bool { return r.Name == "auditor" }) {
				t.Error("the role created after the version is still stored")
			}
		})
		t.Run("refused", func(t *testing.T) {
			before := polState(t, w)
			resp := w.srv.Query(t, `mutation($v: Int!) { rollbackPolicy(toVersion: $v, reason: "again") { id } }`, map[string]any{"v": v0})
			if e := resp.Code(t, "BAD_USER_INPUT"); !strings.Contains(e.Message, "already") {
				t.Errorf("a rollback to the stored policy: %s", resp.Body)
			}
			resp = w.srv.Query(t, `mutation { rollbackPolicy(toVersion: 999999, reason: "no such") { id } }`, nil)
			if e := resp.Code(t, "NOT_FOUND"); !strings.Contains(e.Message, "999999") {
				t.Errorf("a rollback to no version: %s", resp.Body)
			}
			wantNoData(t, resp)
			w.srv.Query(t, `mutation($v: Int!) { rollbackPolicy(toVersion: $v, reason: "  ") { id } }`, map[string]any{"v": v2}).Code(t, "BAD_USER_INPUT")
			polUnchanged(t, w, before)
		})
		t.Run("refused: it would leave no admin", func(t *testing.T) {
			// A version without an admin: the admin's assignment is
			// deleted in raw SQL, then an operator changes the policy
			// (allowed: no one could change it before either), then gives
			// the admin role back.
			ctx := store.AsOperator(context.Background(), "test")
			n, err := db.Client.PolicyRule.Delete().Where(policyrule.Ptype("g"), policyrule.V0(apitest.Admin), policyrule.V1("admin")).Exec(sysCtx())
			if err != nil || n != 1 {
				t.Fatalf("delete the admin's assignment: %d, %v", n, err)
			}
			noAdmin, err := w.srv.Policy.Apply(ctx, []store.Change{{Op: store.Grant, Permission: store.Permission{
				Role: "dihr_partner", Domain: "*", Object: "Incident.narrative", Action: "read", Scope: "all"}}}, "while no one is admin")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.srv.Policy.Apply(ctx, []store.Change{{Op: store.Assign, Assignment: store.Assignment{
				Subject: apitest.Admin, Role: "admin", Domain: "*"}}}, "the admin is back"); err != nil {
				t.Fatal(err)
			}
			before := polState(t, w)
			resp := w.srv.Query(t, `mutation($v: Int!) { rollbackPolicy(toVersion: $v, reason: "back to no admin") { id } }`, map[string]any{"v": noAdmin.ID})
			if e := resp.Code(t, "BAD_USER_INPUT"); !strings.Contains(e.Message, "no user who may change the access policy") {
				t.Errorf("a rollback to a version without admin: %s", resp.Body)
			}
			polUnchanged(t, w, before)
		})
	})
}

// TestPolicyVersionRefusals: the coordinator (read on Policy) reads
// versions and differences but may not roll back; partners may do none
// of it, and learn nothing of the policy from the refusal.
func TestPolicyVersionRefusals(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := polSetup(t, db)
		v0 := polLatest(t, w)
		w.srv.Query(t, `mutation { grant(permission: {role: "dihr_partner", object: "Incident.narrative", action: "read"}, reason: "probe") { id } }`, nil).OK(t, nil)
		v1 := polLatest(t, w)
		vars := map[string]any{"from": v0, "to": v1}
		reads := []struct{ name, doc string }{
			{"version", `query($from: Int!, $to: Int!) { policy { version(id: $to) { id reason added } other: version(id: $from) { id } } }`},
			{"diff", `query($from: Int!, $to: Int!) { policy { diff(from: $from, to: $to) { added removed } } }`},
		}
		const rollback = `mutation($v: Int!) { rollbackPolicy(toVersion: $v, reason: "probe") { id added removed } }`
		before := polState(t, w)
		for _, c := range []struct{ who, readCode, writeCode string }{
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
				t.Run(name+"/"+r.name, func(t *testing.T) {
					resp := srv.Query(t, r.doc, vars)
					if c.readCode == "" {
						resp.OK(t, nil)
						if !strings.Contains(string(resp.Body), "Incident.narrative") {
							t.Errorf("the coordinator reads no line: %s", resp.Body)
						}
						return
					}
					resp.Code(t, c.readCode)
					polNoLeak(t, resp)
				})
			}
			t.Run(name+"/rollbackPolicy", func(t *testing.T) {
				resp := srv.Query(t, rollback, map[string]any{"v": v0})
				resp.Code(t, c.writeCode)
				polNoLeak(t, resp)
			})
		}
		polUnchanged(t, w, before)
		// The probe is valid: the admin may roll back.
		w.srv.Query(t, rollback, map[string]any{"v": v0}).OK(t, nil)
	})
}
