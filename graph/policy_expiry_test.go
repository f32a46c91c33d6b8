package graph_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/ent/policyversion"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

const polTemp = "pol-temp" // a partner whose agreement ends during the test

// TestAssignmentLapses gives a user a role that expires a second or two
// ahead, over HTTP, while the server and a second replica on the same
// database watch the policy; nobody changes anything after that. Within a
// second after the expiry the user's own requests see nothing and the
// replica's viewer holds no role, and the lapse is recorded once: one
// version and one audit event by benkan, though both replicas found it.
func TestAssignmentLapses(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := polSetup(t, db)
		watchPolicy(t, w.srv.Policy)
		replicaEngine := policy.NewEngine(db.Client)
		replica, err := store.OpenFor(context.Background(), db, replicaEngine, nil)
		if err != nil {
			t.Fatal(err)
		}
		watchPolicy(t, replica)
		if err := db.Client.User.Create().SetSubject(polTemp).SetDisplayName("Temporary partner").Exec(sysCtx()); err != nil {
			t.Fatal(err)
		}
		temp := w.srv.As(t, polTemp)
		const assign = `mutation($at: Time) { assign(assignment: {subject: "` + polTemp + `", role: "amdh_coordinator", expiresAt: $at}, reason: "agreement until the end of the test") ` + polVersionFields + ` }`

		// An expiry that has come is refused, and writes nothing.
		before := polState(t, w)
		wantError(t, w.srv.Query(t, assign, map[string]any{"at": time.Now().Add(-time.Hour).Format(time.RFC3339)}), "BAD_USER_INPUT", "")
		polUnchanged(t, w, before)
		if n := tempSees(t, temp); n != 0 {
			t.Fatalf("a user without a role sees %d incidents", n)
		}

		expiry := time.Now().Truncate(time.Second).Add(2 * time.Second) // 1 to 2 s ahead
		at := expiry.UTC().Format(time.RFC3339)
		line := "g, " + polTemp + ", amdh_coordinator, *, " + at
		var data map[string]polVersion
		w.srv.Query(t, assign, map[string]any{"at": at}).OK(t, &data)
		wantVersion(t, w, before, data["assign"], "agreement until the end of the test", []string{line}, nil)
		if n := tempSees(t, temp); n == 0 {
			t.Fatal("the partner sees nothing while the assignment holds")
		}
		if got := expiring(t, w.srv, 1); !slices.Equal(got, []string{polTemp + " amdh_coordinator * " + at}) {
			t.Fatalf("expiring within an hour: %v", got)
		}
		if got := expiring(t, w.srv, 0); len(got) != 0 {
			t.Fatalf("expiring within 0 hours: %v", got)
		}
		for replicaRoles(t, replicaEngine) != 1 { // SQLite's replica polls
			if time.Now().After(expiry) {
				t.Fatalf("the replica never gave the partner the role")
			}
			time.Sleep(20 * time.Millisecond)
		}
		lapse := polState(t, w)

		// Nobody does anything: the server's own requests stop seeing rows
		// within a second after the expiry, and the replica's viewer too.
		for tempSees(t, temp) > 0 || replicaRoles(t, replicaEngine) > 0 {
			if time.Now().After(expiry.Add(time.Second)) {
				t.Fatalf("a second after the expiry the partner still sees %d incidents, holds %d roles on the replica", tempSees(t, temp), replicaRoles(t, replicaEngine))
			}
			time.Sleep(20 * time.Millisecond)
		}
		if time.Now().Before(expiry) {
			t.Fatalf("access ended before the expiry %s", at)
		}
		if got := expiring(t, w.srv, 1); len(got) != 0 {
			t.Fatalf("expiring after the lapse: %v", got)
		}

		// The lapse is one version and one audit event by benkan, once,
		// though both replicas found it: wait for both to have reloaded,
		// then a few polls more.
		deadline := time.Now().Add(3 * time.Second)
		for polState(t, w).versions == lapse.versions && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(600 * time.Millisecond) // more than a poll of each watch
		after := polState(t, w)
		if after.versions != lapse.versions+1 || after.audit != lapse.audit+1 {
			t.Fatalf("the lapse made %d versions and %d audit events, want 1 and 1", after.versions-lapse.versions, after.audit-lapse.audit)
		}
		v, err := db.Client.PolicyVersion.Query().Order(policyversion.ByID()).All(sysCtx())
		if err != nil {
			t.Fatal(err)
		}
		last := v[len(v)-1]
		if last.Actor != "benkan" || last.Reason != "assignment expired at "+at || !slices.Equal(last.Removed, []string{line}) || len(last.Added) != 0 {
			t.Fatalf("the lapse's version: actor %q, reason %q, added %v, removed %v", last.Actor, last.Reason, last.Added, last.Removed)
		}
		if n, err := db.Client.AuditEvent.Query().Where(auditevent.ActionEQ(auditevent.ActionPOLICY_CHANGE), auditevent.Subject("benkan")).Count(sysCtx()); err != nil || n != 2 {
			// the default policy's seed, and the lapse
			t.Fatalf("%d audit events by benkan, want 2 (err %v)", n, err)
		}
		if n := tempSees(t, temp); n != 0 {
			t.Fatalf("after the lapse the partner sees %d incidents", n)
		}
	})
}

// tempSees returns how many incidents srv's viewer receives: none when it
// is refused, as a user without a role is.
func tempSees(t *testing.T, srv *apitest.Server) int {
	t.Helper()
	resp := srv.Query(t, `{ incidents(first: 50) { edges { node { id } } } }`, nil)
	if len(resp.Errors) > 0 {
		resp.Code(t, "FORBIDDEN")
		return 0
	}
	var got struct {
		Incidents struct{ Edges []json.RawMessage }
	}
	resp.OK(t, &got)
	return len(got.Incidents.Edges)
}

// replicaRoles returns how many roles the replica's engine gives polTemp.
func replicaRoles(t *testing.T, e *policy.Engine) int {
	t.Helper()
	v, err := e.Viewer(context.Background(), polTemp)
	if err != nil {
		t.Fatal(err)
	}
	return len(v.Assignments)
}

// expiring returns Policy.expiring(hours) as the admin reads it, one
// "subject role domain expiresAt" per assignment.
func expiring(t *testing.T, srv *apitest.Server, hours int) []string {
	t.Helper()
	var got struct {
		Policy struct {
			Expiring []struct{ Subject, Role, Domain, ExpiresAt string }
		}
	}
	srv.Query(t, `query($h: Int!) { policy { expiring(hours: $h) { subject role domain expiresAt } } }`, map[string]any{"h": hours}).OK(t, &got)
	var out []string
	for _, a := range got.Policy.Expiring {
		out = append(out, a.Subject+" "+a.Role+" "+a.Domain+" "+a.ExpiresAt)
	}
	return out
}
