package store_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

const ref = "NIO-2024-0001" // the fixture's incident

// A stored line with an empty ptype (typed in by hand) once crashed every
// replica within 2 s, and a new server refused to start. It is left out,
// listed with a reason, logged as an error on every reload, and the rest
// of the policy holds.
func TestEmptyPtypeLeftOut(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		replica, replicaLog := w.replica(20 * time.Millisecond)
		w.caughtUp(replica)

		// Read as a p line, it would show DIHR the narrative.
		w.insertRule("", "dihr_partner", "*", "Incident.narrative", "read", "all")
		w.caughtUp(replica) // Watch reloaded it, and did not panic

		restarted := w.open() // a new server starts
		if _, err := restarted.Reload(w.ctx); err != nil {
			t.Fatalf("reload with the bad line stored: %v", err)
		}
		p := w.policy()
		pr, ok := problem(p, "dihr_partner, *, Incident.narrative")
		if !ok || !strings.Contains(pr.Reason, "unknown kind of line") {
			t.Fatalf("the line is not listed as a problem with its reason: %+v", p.Problems)
		}
		id := "rule=" + strconv.Itoa(pr.RuleID)
		for name, log := range map[string]*logBuffer{"this server": w.log, "the replica": replicaLog} {
			if log.count("level=ERROR", "policy line left out", id) == 0 {
				t.Fatalf("%s did not log the bad line as an error:\n%s", name, log)
			}
		}

		// Every reload logs it again.
		before, beforeReplica := w.log.count("level=ERROR", id), replicaLog.count("level=ERROR", id)
		w.apply(t, "another change", grant("dihr_partner", "*", "Actor.pseudonym", "update", "all"))
		w.caughtUp(replica)
		if w.log.count("level=ERROR", id) <= before || replicaLog.count("level=ERROR", id) <= beforeReplica {
			t.Fatalf("the reload after a change did not log the bad line again:\n%s", w.log)
		}

		// The rest of the policy holds, on both.
		for _, e := range []*policy.Engine{w.engine, replica} {
			if got := w.incidentsIn(e, subjCoord); !slices.Equal(got, []string{ref}) {
				t.Fatalf("the coordinator reads %v, want [%s]", got, ref)
			}
			if !viewerIn(t, e, subjDIHR).Holds("*", "Actor.pseudonym", policy.ActionUpdate) {
				t.Fatalf("the change applied after the bad line does not hold")
			}
			if viewerIn(t, e, subjDIHR).Holds("*", "Incident.narrative", policy.ActionRead) {
				t.Fatalf("the bad line grants DIHR the narrative")
			}
			if !viewerIn(t, e, subjAdmin).MayPolicy(policy.ActionUpdate) {
				t.Fatalf("the admin may no longer change the policy")
			}
		}
	})
}

// An UPDATE of a stored line in place (by hand) was never picked up: the
// revision changes, and Reload and Watch put the changed policy in force.
func TestUpdateInPlacePickedUp(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		replica, _ := w.replica(20 * time.Millisecond)
		w.caughtUp(replica)
		for _, e := range []*policy.Engine{w.engine, replica} {
			if got := w.incidentsIn(e, subjCoord); !slices.Equal(got, []string{ref}) {
				t.Fatalf("before the update the coordinator reads %v, want [%s]", got, ref)
			}
		}

		before := w.revision()
		w.exec(`UPDATE policy_rules SET v2 = 'Locality' WHERE ptype = 'p' AND v0 = 'amdh_coordinator' AND v2 = '*' AND v3 = 'read'`)
		if w.revision() == before {
			t.Fatalf("the update left the revision at %d", before)
		}
		if _, err := w.store.Reload(w.ctx); err != nil {
			t.Fatalf("reload: %v", err)
		}
		w.caughtUp(replica)
		for name, e := range map[string]*policy.Engine{"Reload": w.engine, "Watch": replica} {
			if rev, _ := e.Revision(); rev != w.revision() {
				t.Fatalf("%s: revision %d in force, want %d", name, rev, w.revision())
			}
			v := viewerIn(t, e, subjCoord)
			if v.Holds("*", "Incident", policy.ActionRead) || !v.Holds("*", "Locality", policy.ActionRead) {
				t.Fatalf("%s: the coordinator's grants are not the updated line's", name)
			}
			if got := w.incidentsIn(e, subjCoord); len(got) != 0 {
				t.Fatalf("%s: after the update the coordinator still reads %v", name, got)
			}
		}
	})
}

// While any stored line did not parse, the whole policy was frozen:
// revoking a role's read grant changed nothing. With bad lines stored,
// revoking one through Apply or deleting it by hand takes it away.
func TestRevokeWithBadLinesStored(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		w.insertRule("", "amdh_coordinator", "*", "Incident", "read", "all")
		w.insertRule("p", "amdh_monitor", "*", "Incident", "read", "nosuchatom")
		if _, err := w.store.Reload(w.ctx); err != nil {
			t.Fatalf("reload: %v", err)
		}
		if n := len(w.policy().Problems); n != 2 {
			t.Fatalf("%d problems listed, want 2", n)
		}
		for _, s := range []string{subjCoord, subjDIHR, subjMon} {
			if got := w.incidents(s); !slices.Equal(got, []string{ref}) {
				t.Fatalf("before the revocation %s reads %v, want [%s]", s, got, ref)
			}
		}

		// Through Apply.
		w.apply(t, "the coordinator reads nothing", revoke("amdh_coordinator", "*", "*", "read", "all"))
		if v := w.viewer(subjCoord); v.Holds("*", "Incident", policy.ActionRead) {
			t.Fatalf("the coordinator still holds read of Incident")
		}
		if got := w.incidents(subjCoord); len(got) != 0 {
			t.Fatalf("after the revocation the coordinator still reads %v", got)
		}

		// By hand.
		w.exec(`DELETE FROM policy_rules WHERE ptype = 'p' AND v0 = 'dihr_partner' AND v2 = 'Incident' AND v3 = 'read'`)
		if _, err := w.store.Reload(w.ctx); err != nil {
			t.Fatalf("reload: %v", err)
		}
		if v := w.viewer(subjDIHR); v.Holds("*", "Incident", policy.ActionRead) {
			t.Fatalf("DIHR still holds read of Incident")
		}
		if got := w.incidents(subjDIHR); len(got) != 0 {
			t.Fatalf("after the deletion DIHR still reads %v", got)
		}
		// The rest holds.
		if got := w.incidents(subjMon); !slices.Equal(got, []string{ref}) {
			t.Fatalf("the monitor reads %v, want [%s]", got, ref)
		}
		if n := len(w.policy().Problems); n != 2 {
			t.Fatalf("%d problems listed, want 2", n)
		}
	})
}
