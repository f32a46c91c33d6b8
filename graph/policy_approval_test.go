package graph_test

// Four-eyes approval over HTTP (--policy-approval): a change set proposed by
// one admin holds only once a second admin approves it; the proposer cannot
// approve it, nobody can change the policy directly, and expired
// assignments still lapse.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/ent/policyversion"
	entuser "github.com/benkan-project/benkan/ent/user"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

const (
	apAdminB = "pol-admin-b" // a second admin
	apAdminC = "pol-admin-c" // a third one, for racing approvals
)

// apNarratives grants the monitors Incident.narrative: the change most
// proposals of these tests make, which the monitor sees over HTTP.
const (
	apNarratives     = `{grant: {role: "amdh_monitor", object: "Incident.narrative", action: "read"}}`
	apNarrativesLine = "grant p, amdh_monitor, *, Incident.narrative, read, all"
)

const apFields = `{ id changes reason proposer status revision decidedBy decisionReason version { id actor reason added removed } }`

type apProposal struct {
	ID                        int
	Changes                   []string
	Reason, Proposer, Status  string
	Revision                  int
	DecidedBy, DecisionReason *string
	Version                   *polVersion
}

// apSetup is polSetup, in four-eyes mode if approval, with two more admins.
func apSetup(t *testing.T, db *storage.DB, approval bool) *polWorld {
	t.Helper()
	w := polSetupWith(t, db, apitest.Options{PolicyApproval: approval})
	for _, s := range []string{apAdminB, apAdminC} {
		if err := db.Client.User.Create().SetSubject(s).SetDisplayName("Admin " + s).Exec(sysCtx()); err != nil {
			t.Fatal(err)
		}
		if err := w.srv.Assign(context.Background(), s, "admin", "*"); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func apPropose(t *testing.T, srv *apitest.Server, reason, changes string) *apitest.Response {
	t.Helper()
	return srv.Query(t, `mutation($r: String!) { proposePolicyChanges(reason: $r, changes: [`+changes+`]) `+apFields+` }`, map[string]any{"r": reason})
}

func apProposed(t *testing.T, srv *apitest.Server, reason, changes string) apProposal {
	t.Helper()
	var got struct{ ProposePolicyChanges apProposal }
	apPropose(t, srv, reason, changes).OK(t, &got)
	return got.ProposePolicyChanges
}

func apDecide(t *testing.T, srv *apitest.Server, verb string, id int, reason string) *apitest.Response {
	t.Helper()
	return srv.Query(t, `mutation($id: Int!, $r: String!) { `+verb+`PolicyProposal(id: $id, reason: $r) `+apFields+` }`, map[string]any{"id": id, "r": reason})
}

func apDecided(t *testing.T, srv *apitest.Server, verb string, id int, reason string) apProposal {
	t.Helper()
	var got map[string]apProposal
	apDecide(t, srv, verb, id, reason).OK(t, &got)
	return got[verb+"PolicyProposal"]
}

// apStatus is the proposal's status as the admin reads it.
func apStatus(t *testing.T, w *polWorld, id int) string {
	t.Helper()
	var got struct {
		Policy struct{ Proposal *apProposal }
	}
	w.srv.Query(t, `query($id: Int!) { policy { proposal(id: $id) { status } } }`, map[string]any{"id": id}).OK(t, &got)
	if got.Policy.Proposal == nil {
		t.Fatalf("no proposal %d", id)
	}
	return got.Policy.Proposal.Status
}

// apListed returns the ids of the proposals srv's viewer lists with status.
func apListed(t *testing.T, srv *apitest.Server, status string) []int {
	t.Helper()
	var got struct {
		Policy struct{ Proposals []apProposal }
	}
	vars := map[string]any{"s": nil} // every status
	if status != "" {
		vars["s"] = status
	}
	srv.Query(t, `query($s: PolicyProposalStatus) { policy { proposals(status: $s) { id } } }`, vars).OK(t, &got)
	var ids []int
	for _, p := range got.Policy.Proposals {
		ids = append(ids, p.ID)
	}
	return ids
}

// apAudit counts the audit events of a proposal with action, by subject.
func apAudit(t *testing.T, w *polWorld, action auditevent.Action, id int, subject string) int {
	t.Helper()
	n, err := w.db.Client.AuditEvent.Query().Where(auditevent.ActionEQ(action), auditevent.ObjectID(fmt.Sprintf("proposal %d", id)), auditevent.Subject(subject)).Count(sysCtx())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// apNarrativesSeen is how many narratives the monitor receives.
func apNarrativesSeen(t *testing.T, w *polWorld) int {
	t.Helper()
	_, n := polIncidents(t, w.as(t, polMon))
	return n
}

// TestPolicyApprovalFlow: proposed by admin A, a change is listed pending
// and changes nothing; A cannot approve it; admin B's approval applies it
// (the monitor then reads narratives), as one version by B naming the
// proposal, with audit events; a decided proposal cannot be decided again.
func TestPolicyApprovalFlow(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := apSetup(t, db, true)
		a, b := w.srv, w.as(t, apAdminB)
		var mode struct {
			Policy struct{ ApprovalRequired bool }
		}
		a.Query(t, `{ policy { approvalRequired } }`, nil).OK(t, &mode)
		if !mode.Policy.ApprovalRequired {
			t.Fatal("approvalRequired is false in four-eyes mode")
		}
		if n := apNarrativesSeen(t, w); n != 0 {
			t.Fatalf("the monitor reads %d narratives before any change", n)
		}
		before := polState(t, w)

		p := apProposed(t, a, "monitors read narratives", apNarratives)
		if p.Status != "PENDING" || p.Proposer != apitest.Admin || p.Reason != "monitors read narratives" ||
			!slices.Equal(p.Changes, []string{apNarrativesLine}) || p.Revision != int(before.revision) ||
			p.DecidedBy != nil || p.DecisionReason != nil || p.Version != nil {
			t.Fatalf("proposed: %+v", p)
		}
		if n := apAudit(t, w, auditevent.ActionPOLICY_PROPOSE, p.ID, apitest.Admin); n != 1 {
			t.Fatalf("%d POLICY_PROPOSE events", n)
		}

		// Listed as pending, to those who may read the policy; nothing changed.
		for _, who := range []string{apitest.Admin, apAdminB, polCoord} {
			if got := apListed(t, w.as(t, who), "PENDING"); !slices.Equal(got, []int{p.ID}) {
				t.Fatalf("%s lists pending %v, want [%d]", who, got, p.ID)
			}
		}
		if got := apListed(t, a, "APPLIED"); len(got) != 0 {
			t.Fatalf("applied proposals before any approval: %v", got)
		}
		after := polState(t, w)
		if after.revision != before.revision || after.versions != before.versions || after.csv != before.csv {
			t.Fatalf("the proposal changed the policy: revision %d→%d, versions %d→%d", before.revision, after.revision, before.versions, after.versions)
		}
		if n := apNarrativesSeen(t, w); n != 0 {
			t.Fatalf("the monitor reads %d narratives while the proposal is pending", n)
		}

		// Listed with its impact: what policyImpact says of the same changes
		// (monitors would read narratives: flagged as sensitive); a
		// coordinator, who may read proposals, may not compute impacts.
		const impactFields = `{ sensitive subjects { role domain user sensitive types { type before after gained lost sensitive } } }`
		var listed struct {
			Policy struct {
				Proposal struct{ Impact json.RawMessage }
			}
		}
		a.Query(t, `query($id: Int!) { policy { proposal(id: $id) { impact `+impactFields+` } } }`, map[string]any{"id": p.ID}).OK(t, &listed)
		var direct struct{ PolicyImpact json.RawMessage }
		a.Query(t, `{ policyImpact(changes: [`+apNarratives+`]) `+impactFields+` }`, nil).OK(t, &direct)
		if !bytes.Equal(listed.Policy.Proposal.Impact, direct.PolicyImpact) || !bytes.Contains(direct.PolicyImpact, []byte(`"sensitive":true`)) {
			t.Fatalf("the proposal's impact %s, policyImpact of its changes %s", listed.Policy.Proposal.Impact, direct.PolicyImpact)
		}
		wantError(t, w.as(t, polCoord).Query(t, `query($id: Int!) { policy { proposal(id: $id) { impact { sensitive } } } }`, map[string]any{"id": p.ID}), "FORBIDDEN", "")

		// The proposer cannot approve it; nor can anyone without update on
		// Policy propose, approve or reject; a reason is required.
		wantError(t, apDecide(t, a, "approve", p.ID, "I checked it myself"), "FORBIDDEN", "")
		for _, who := range []string{polCoord, polMon} {
			wantError(t, apPropose(t, w.as(t, who), "mine", apNarratives), "FORBIDDEN", "")
			wantError(t, apDecide(t, w.as(t, who), "approve", p.ID, "fine"), "FORBIDDEN", "")
			wantError(t, apDecide(t, w.as(t, who), "reject", p.ID, "no"), "FORBIDDEN", "")
		}
		wantError(t, w.as(t, polMon).Query(t, `{ policy { proposals { id } } }`, nil), "FORBIDDEN", "")
		wantError(t, apDecide(t, b, "approve", p.ID, "  "), "BAD_USER_INPUT", "reason")
		wantError(t, apDecide(t, b, "approve", 999999, "fine"), "NOT_FOUND", "id")
		if s := apStatus(t, w, p.ID); s != "PENDING" {
			t.Fatalf("after the refused approvals the proposal is %s", s)
		}
		if after := polState(t, w); after.versions != before.versions {
			t.Fatalf("the refusals made %d versions", after.versions-before.versions)
		}
		if n := apNarrativesSeen(t, w); n != 0 {
			t.Fatalf("the monitor reads %d narratives after refused approvals", n)
		}

		// B approves: the change holds, as B's version naming the proposal.
		got := apDecided(t, b, "approve", p.ID, "agreed with DIHR")
		if got.Status != "APPLIED" || got.DecidedBy == nil || *got.DecidedBy != apAdminB || *got.DecisionReason != "agreed with DIHR" || got.Version == nil {
			t.Fatalf("approved: %+v", got)
		}
		v := got.Version
		if v.Actor != apAdminB || v.Reason != fmt.Sprintf("proposal %d by %s: monitors read narratives", p.ID, apitest.Admin) ||
			!slices.Equal(v.Added, []string{"p, amdh_monitor, *, Incident.narrative, read, all"}) || len(v.Removed) != 0 {
			t.Fatalf("the approval's version: %+v", v)
		}
		if n := apNarrativesSeen(t, w); n == 0 {
			t.Fatal("after the approval the monitor reads no narrative")
		}
		if n := apAudit(t, w, auditevent.ActionPOLICY_APPROVE, p.ID, apAdminB); n != 1 {
			t.Fatalf("%d POLICY_APPROVE events by B", n)
		}
		if n, err := db.Client.AuditEvent.Query().Where(auditevent.ActionEQ(auditevent.ActionPOLICY_CHANGE), auditevent.ObjectID(fmt.Sprintf("version %d", v.ID)), auditevent.Subject(apAdminB)).Count(sysCtx()); err != nil || n != 1 {
			t.Fatalf("%d POLICY_CHANGE events of version %d (err %v)", n, v.ID, err)
		}
		if got := apListed(t, a, "APPLIED"); !slices.Equal(got, []int{p.ID}) {
			t.Fatalf("applied: %v", got)
		}
		a.Query(t, `query($id: Int!) { policy { proposal(id: $id) { impact { sensitive } } } }`, map[string]any{"id": p.ID}).OK(t, &listed)
		if string(listed.Policy.Proposal.Impact) != "null" {
			t.Fatalf("an applied proposal's impact: %s, want null", listed.Policy.Proposal.Impact)
		}
		if got := apListed(t, a, "PENDING"); len(got) != 0 {
			t.Fatalf("pending after the approval: %v", got)
		}

		// Decided for good: approving or rejecting again is refused.
		applied := polState(t, w)
		wantError(t, apDecide(t, w.as(t, apAdminC), "approve", p.ID, "again"), "BAD_USER_INPUT", "id")
		wantError(t, apDecide(t, w.as(t, apAdminC), "reject", p.ID, "too late"), "BAD_USER_INPUT", "id")
		wantError(t, apDecide(t, a, "reject", p.ID, "withdraw"), "BAD_USER_INPUT", "id")
		polUnchanged(t, w, applied)
		if s := apStatus(t, w, p.ID); s != "APPLIED" {
			t.Fatalf("after the refused decisions the proposal is %s", s)
		}
	})
}

// TestPolicyApprovalReject: another admin rejects, the proposer withdraws;
// neither changes the policy, both are recorded, and neither can be
// approved after; an invalid change set is refused when proposed.
func TestPolicyApprovalReject(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := apSetup(t, db, true)
		a, b := w.srv, w.as(t, apAdminB)
		before := polState(t, w)

		p := apProposed(t, a, "monitors read narratives", apNarratives)
		wantError(t, apDecide(t, b, "reject", p.ID, ""), "BAD_USER_INPUT", "reason")
		got := apDecided(t, b, "reject", p.ID, "not in the agreement")
		if got.Status != "REJECTED" || *got.DecidedBy != apAdminB || *got.DecisionReason != "not in the agreement" || got.Version != nil {
			t.Fatalf("rejected: %+v", got)
		}
		if n := apAudit(t, w, auditevent.ActionPOLICY_REJECT, p.ID, apAdminB); n != 1 {
			t.Fatalf("%d POLICY_REJECT events", n)
		}
		wantError(t, apDecide(t, w.as(t, apAdminC), "approve", p.ID, "overrule"), "BAD_USER_INPUT", "id")

		q := apProposed(t, a, "monitors read narratives, again", apNarratives)
		got = apDecided(t, a, "reject", q.ID, "I proposed it too early")
		if got.Status != "WITHDRAWN" || *got.DecidedBy != apitest.Admin {
			t.Fatalf("withdrawn: %+v", got)
		}
		if n := apAudit(t, w, auditevent.ActionPOLICY_REJECT, q.ID, apitest.Admin); n != 1 {
			t.Fatalf("%d POLICY_REJECT events of the withdrawal", n)
		}
		wantError(t, apDecide(t, b, "approve", q.ID, "I like it"), "BAD_USER_INPUT", "id")

		after := polState(t, w)
		if after.revision != before.revision || after.versions != before.versions || after.csv != before.csv {
			t.Fatalf("rejections changed the policy: revision %d→%d, versions %d→%d", before.revision, after.revision, before.versions, after.versions)
		}
		if n := apNarrativesSeen(t, w); n != 0 {
			t.Fatalf("the monitor reads %d narratives after the rejections", n)
		}
		if got := apListed(t, a, ""); !slices.Equal(got, []int{q.ID, p.ID}) {
			t.Fatalf("all proposals, newest first: %v", got)
		}
		if got := apListed(t, a, "WITHDRAWN"); !slices.Equal(got, []int{q.ID}) {
			t.Fatalf("withdrawn: %v", got)
		}

		// Validated when proposed, with Apply's errors: nothing is stored.
		for _, c := range []struct{ name, changes, field string }{
			{"an unknown role", `{grant: {role: "nobody_role", object: "Incident", action: "read"}}`, ""},
			{"an unknown object", `{grant: {role: "amdh_monitor", object: "Nothing", action: "read"}}`, ""},
			{"revoking what is not granted", `{revoke: {role: "amdh_monitor", object: "Incident.narrative", action: "read"}}`, ""},
			{"the last admins' role", `{unassign: {subject: "test-admin", role: "admin"}}, {unassign: {subject: "pol-admin-b", role: "admin"}}, {unassign: {subject: "pol-admin-c", role: "admin"}}`, "changes"},
		} {
			t.Run(c.name, func(t *testing.T) {
				wantError(t, apPropose(t, a, "a bad idea", c.changes), "BAD_USER_INPUT", c.field)
			})
		}
		wantError(t, apPropose(t, a, " ", apNarratives), "BAD_USER_INPUT", "reason")
		if got := apListed(t, a, ""); len(got) != 2 {
			t.Fatalf("refused proposals were stored: %v", got)
		}
	})
}

// TestPolicyApprovalDirectRefused: in four-eyes mode every direct change
// of the policy is refused with FORBIDDEN, naming proposals, and writes
// nothing; changes of users that leave the policy in force alone still
// work, and a rollback can be proposed instead.
func TestPolicyApprovalDirectRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := apSetup(t, db, true)
		v0 := polLatest(t, w)
		before := polState(t, w)
		users, err := db.Client.User.Query().Count(sysCtx())
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ name, query string }{
			{"grant", `mutation { grant(reason: "r", permission: {role: "amdh_monitor", object: "Incident.narrative", action: "read"}) { id } }`},
			{"revoke", `mutation { revoke(reason: "r", permission: {role: "dihr_partner", object: "Incident", action: "read"}) { id } }`},
			{"assign", `mutation { assign(reason: "r", assignment: {subject: "pol-dihr", role: "admin"}) { id } }`},
			{"unassign", `mutation { unassign(reason: "r", assignment: {subject: "pol-dihr", role: "dihr_partner"}) { id } }`},
			{"applyPolicyChanges", `mutation { applyPolicyChanges(reason: "r", changes: [` + apNarratives + `]) { id } }`},
			{"rollbackPolicy", fmt.Sprintf(`mutation { rollbackPolicy(reason: "r", toVersion: %d) { id } }`, v0-1)},
			{"createUser with roles", `mutation { createUser(input: {subject: "pol-new", displayName: "New"}, roles: [{role: "dihr_partner"}]) { id } }`},
			{"renaming a user the policy names", `mutation { updateUser(id: "` + polUserID(t, w, polDIHR) + `", input: {subject: "pol-dihr-2"}) { id } }`},
		} {
			t.Run(c.name, func(t *testing.T) {
				for _, who := range []string{apitest.Admin, apAdminB} {
					e := wantError(t, w.as(t, who).Query(t, c.query, nil), "FORBIDDEN", "")
					if !strings.Contains(e.Message, "four-eyes") || !strings.Contains(e.Message, "proposal") {
						t.Fatalf("the refusal does not point to proposals: %q", e.Message)
					}
				}
			})
		}
		polUnchanged(t, w, before)
		if n, err := db.Client.User.Query().Count(sysCtx()); err != nil || n != users {
			t.Fatalf("%d users after the refusals, want %d (err %v)", n, users, err)
		}
		if n, err := db.Client.User.Query().Where(entuser.Subject(polDIHR)).Count(sysCtx()); err != nil || n != 1 {
			t.Fatalf("the renamed user is gone: %d (err %v)", n, err)
		}
		// What leaves the policy in force alone is no change of the policy.
		var made struct{ CreateUser struct{ ID string } }
		w.srv.Query(t, `mutation { createUser(input: {subject: "pol-new", displayName: "New"}) { id } }`, nil).OK(t, &made)
		w.srv.Query(t, `mutation { updateUser(id: "`+made.CreateUser.ID+`", input: {subject: "pol-new-2"}) { id } }`, nil).OK(t, nil)
		polUnchanged(t, w, before)

		// The rollback can be proposed, and applies once approved.
		var rb struct{ ProposePolicyRollback apProposal }
		w.srv.Query(t, fmt.Sprintf(`mutation { proposePolicyRollback(toVersion: %d, reason: "before the demo users") %s }`, v0-1, apFields), nil).OK(t, &rb)
		if rb.ProposePolicyRollback.Status != "PENDING" || len(rb.ProposePolicyRollback.Changes) == 0 ||
			!strings.HasPrefix(rb.ProposePolicyRollback.Reason, fmt.Sprintf("roll back to version %d: ", v0-1)) {
			t.Fatalf("proposed rollback: %+v", rb.ProposePolicyRollback)
		}
		polUnchanged(t, w, before)
	})
}

// TestPolicyApprovalOff: without four-eyes mode the direct change that the
// mode refuses applies, and proposals work all the same.
func TestPolicyApprovalOff(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := apSetup(t, db, false)
		var mode struct {
			Policy struct{ ApprovalRequired bool }
		}
		w.srv.Query(t, `{ policy { approvalRequired } }`, nil).OK(t, &mode)
		if mode.Policy.ApprovalRequired {
			t.Fatal("approvalRequired without the mode")
		}
		w.srv.Query(t, `mutation { grant(reason: "r", permission: {role: "amdh_monitor", object: "Incident.narrative", action: "read"}) { id } }`, nil).OK(t, nil)
		if n := apNarrativesSeen(t, w); n == 0 {
			t.Fatal("without four-eyes mode a direct grant does not hold")
		}
		// Proposals work there too, and self-approval is refused there too.
		p := apProposed(t, w.srv, "and pseudonyms", `{grant: {role: "amdh_monitor", object: "Actor.pseudonym", action: "read"}}`)
		wantError(t, apDecide(t, w.srv, "approve", p.ID, "mine"), "FORBIDDEN", "")
		if got := apDecided(t, w.as(t, apAdminB), "approve", p.ID, "fine"); got.Status != "APPLIED" {
			t.Fatalf("approved without the mode: %+v", got)
		}
	})
}

// polUserID is the global id of the user subject, read through ent.
func polUserID(t *testing.T, w *polWorld, subject string) string {
	t.Helper()
	u, err := w.db.Client.User.Query().Where(entuser.Subject(subject)).Only(sysCtx())
	if err != nil {
		t.Fatal(err)
	}
	return string(u.ID)
}

// TestPolicyApprovalStale: an approval is pinned to what was reviewed.
// Once the policy has changed since a proposal was made, approving it
// without a revision is refused (CONFLICT), and so is approving at a
// revision that is no longer the policy's; the approver reads its impact
// again, which carries the revision it was computed at, and approves at
// that revision: the change then applies if the policy still admits it,
// and is refused with the error Apply gives if not. Every refusal leaves
// the policy as it was and the proposal pending.
func TestPolicyApprovalStale(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := apSetup(t, db, true)
		a, b := w.srv, w.as(t, apAdminB)
		const revokeDIHR = `{revoke: {role: "dihr_partner", object: "Actor.pseudonym", action: "read"}}`
		p1 := apProposed(t, a, "DIHR reads no more pseudonyms", revokeDIHR)
		p2 := apProposed(t, w.as(t, apAdminC), "the same, by C", revokeDIHR)
		p3 := apProposed(t, a, "monitors read narratives", apNarratives)
		reviewed := apImpactRevision(t, b, p3.ID)
		if reviewed != p3.Revision {
			t.Fatalf("the impact of a fresh proposal was computed at revision %d, the proposal's is %d", reviewed, p3.Revision)
		}
		apDecided(t, b, "approve", p1.ID, "the agreement ended")

		before := polState(t, w)
		refused := func(r *apitest.Response, code, field, says string, id int) {
			t.Helper()
			e := wantError(t, r, code, field)
			if !strings.Contains(e.Message, says) {
				t.Fatalf("refusal of proposal %d: %q, want it to say %q", id, e.Message, says)
			}
			polUnchanged(t, w, before)
			if s := apStatus(t, w, id); s != "PENDING" {
				t.Fatalf("after a refused approval, proposal %d is %s", id, s)
			}
		}
		now := fmt.Sprint(before.revision)
		// Reviewed before p1 applied: the default (the proposal's revision)
		// and the revision of the impact read then are both stale.
		refused(apDecide(t, b, "approve", p3.ID, "still fine"), "CONFLICT", "revision", "at revision "+now, p3.ID)
		refused(apDecideAt(t, b, p3.ID, "still fine", reviewed), "CONFLICT", "revision", "at revision "+now, p3.ID)
		refused(apDecide(t, b, "approve", p2.ID, "also"), "CONFLICT", "revision", "at revision "+now, p2.ID)
		// Approved at the policy's revision (which the refusal named; the
		// impact of p2 itself is an error now: it no longer applies).
		refused(apDecideAt(t, b, p2.ID, "also", int(before.revision)), "BAD_USER_INPUT", "", "nothing to revoke", p2.ID)
		// Reviewed again, on the policy as it is now.
		again := apImpactRevision(t, b, p3.ID)
		if again != int(before.revision) {
			t.Fatalf("the impact read now was computed at revision %d, the policy is at %d", again, before.revision)
		}
		var got struct{ ApprovePolicyProposal apProposal }
		apDecideAt(t, b, p3.ID, "reviewed again: still fine", again).OK(t, &got)
		if got.ApprovePolicyProposal.Status != "APPLIED" {
			t.Fatalf("approved at the revision reviewed: %+v", got.ApprovePolicyProposal)
		}
		if n := apNarrativesSeen(t, w); n == 0 {
			t.Fatal("the older proposal's grant does not hold")
		}
		if got := apDecided(t, b, "reject", p2.ID, "applied already by proposal "+fmt.Sprint(p1.ID)); got.Status != "REJECTED" {
			t.Fatalf("rejecting the stale proposal: %+v", got)
		}
	})
}

// apImpactRevision is the revision at which srv's viewer reads the impact
// of proposal id.
func apImpactRevision(t *testing.T, srv *apitest.Server, id int) int {
	t.Helper()
	var got struct {
		Policy struct {
			Proposal struct{ Impact struct{ Revision *int } }
		}
	}
	srv.Query(t, `query($id: Int!) { policy { proposal(id: $id) { impact { revision } } } }`, map[string]any{"id": id}).OK(t, &got)
	if got.Policy.Proposal.Impact.Revision == nil {
		t.Fatalf("the impact of proposal %d has no revision", id)
	}
	return *got.Policy.Proposal.Impact.Revision
}

// apDecideAt approves proposal id at the policy revision reviewed.
func apDecideAt(t *testing.T, srv *apitest.Server, id int, reason string, revision int) *apitest.Response {
	t.Helper()
	return srv.Query(t, `mutation($id: Int!, $r: String!, $rev: Int) { approvePolicyProposal(id: $id, reason: $r, revision: $rev) `+apFields+` }`,
		map[string]any{"id": id, "r": reason, "rev": revision})
}

// TestPolicyApprovalRace: two admins approve one proposal at once; exactly
// one approval applies it (one version), the other is refused.
func TestPolicyApprovalRace(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := apSetup(t, db, true)
		for round := range 5 {
			p := apProposed(t, w.srv, fmt.Sprintf("round %d", round), fmt.Sprintf(`{createRole: {name: "race_%d"}}`, round))
			before := polState(t, w)
			var wg sync.WaitGroup
			resps := make([]*apitest.Response, 2)
			for i, who := range []string{apAdminB, apAdminC} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resps[i] = apDecide(t, w.as(t, who), "approve", p.ID, "race")
				}()
			}
			wg.Wait()
			ok := 0
			for _, r := range resps {
				if len(r.Errors) == 0 {
					ok++
					continue
				}
				if db.Dialect == "postgres" {
					wantError(t, r, "BAD_USER_INPUT", "id")
				} else if c := r.Errors[0].Code(); c != "BAD_USER_INPUT" && c != "UNAVAILABLE" {
					// SQLite may refuse the second writer as busy instead
					t.Fatalf("the losing approval: %s", r.Body)
				}
			}
			after := polState(t, w)
			if ok != 1 || after.versions != before.versions+1 {
				t.Fatalf("round %d: %d approvals succeeded, %d versions made, want 1 and 1", round, ok, after.versions-before.versions)
			}
			if s := apStatus(t, w, p.ID); s != "APPLIED" {
				t.Fatalf("round %d: the proposal is %s", round, s)
			}
		}
	})
}

// TestPolicyApprovalLapse: in four-eyes mode an approved assignment with
// an expiry still lapses by itself, removed by benkan.
func TestPolicyApprovalLapse(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := apSetup(t, db, true)
		watchPolicy(t, w.srv.Policy)
		if err := db.Client.User.Create().SetSubject(polTemp).SetDisplayName("Temporary partner").Exec(sysCtx()); err != nil {
			t.Fatal(err)
		}
		temp := w.srv.As(t, polTemp)
		expiry := time.Now().Truncate(time.Second).Add(3 * time.Second)
		at := expiry.UTC().Format(time.RFC3339)
		p := apProposed(t, w.srv, "agreement until the end of the test",
			`{assign: {subject: "`+polTemp+`", role: "amdh_coordinator", expiresAt: "`+at+`"}}`)
		apDecided(t, w.as(t, apAdminB), "approve", p.ID, "agreed")
		if time.Now().Before(expiry) && tempSees(t, temp) == 0 {
			t.Fatal("the partner sees nothing while the approved assignment holds")
		}
		for tempSees(t, temp) > 0 {
			if time.Now().After(expiry.Add(2 * time.Second)) {
				t.Fatal("two seconds after the expiry the partner still sees incidents")
			}
			time.Sleep(20 * time.Millisecond)
		}
		line := "g, " + polTemp + ", amdh_coordinator, *, " + at
		waitForVersion := time.Now().Add(3 * time.Second)
		for {
			v, err := db.Client.PolicyVersion.Query().Order(policyversion.ByID()).All(sysCtx())
			if err != nil {
				t.Fatal(err)
			}
			last := v[len(v)-1]
			if last.Actor == "benkan" && slices.Equal(last.Removed, []string{line}) {
				break
			}
			if time.Now().After(waitForVersion) {
				t.Fatalf("no lapse recorded: the last version is by %q, removed %v", last.Actor, last.Removed)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
