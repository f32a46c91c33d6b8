package main

import (
	"context"
	"fmt"
	"os"
	osuser "os/user"
	"path/filepath"
	"testing"

	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestPolicyProposalsCLI runs propose, proposals, approve and reject, in
// four-eyes mode, on each database: direct changes are refused (by the flag
// and by its environment variable), the operator cannot approve their own
// proposal nor one made under their name through the API, and approves
// another admin's.
func TestPolicyProposalsCLI(t *testing.T) {
	me, err := osuser.Current()
	if err != nil {
		t.Fatal(err)
	}
	cli := "cli:" + me.Username
	narrative := store.Permission{Role: "amdh_monitor", Domain: "*", Object: "Incident.narrative", Action: "read", Scope: "all"}
	grantNarrative := []store.Change{{Op: store.Grant, Permission: narrative}}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := newPolicyDB(t, db)
		ctx := context.Background()
		// propose stores as who a proposal of changes.
		propose := func(who string, changes []store.Change) string {
			t.Helper()
			pr, err := p.store.Propose(store.AsOperator(ctx, who), changes, "monitors read narratives")
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(pr.ID)
		}
		status := func(id string) store.ProposalStatus {
			t.Helper()
			var n int
			fmt.Sscan(id, &n)
			pr, err := p.store.Proposal(store.AsOperator(ctx, "test"), n)
			if err != nil {
				t.Fatal(err)
			}
			return pr.Status
		}
		held := func(want bool) func(t *testing.T, pol *store.Policy) {
			return func(t *testing.T, pol *store.Policy) {
				if hasPermission(pol, narrative) != want {
					t.Errorf("the monitors' narrative permission held: %v, want %v", !want, want)
				}
			}
		}
		grant := []string{"grant", "amdh_monitor", "Incident.narrative", "read", "--reason", "r"}
		p.steps(t, []policyStep{
			// Four-eyes mode is the database's: turned on once, every
			// later command refuses direct changes, with or without the
			// flag, and it does not go off directly.
			{name: "four-eyes on", args: []string{"four-eyes", "on", "--reason", "two admins now"}, want: []string{"policy version"}},
			{name: "four-eyes on again", args: []string{"four-eyes", "on", "--reason", "r"}, code: 1, want: []string{"four-eyes mode is on"}},
			{name: "a direct grant without the flag", args: grant, code: 1,
				want: []string{"benkan policy grant: four-eyes mode", "benkan policy propose"}, check: held(false)},
			{name: "four-eyes off directly", args: []string{"four-eyes", "off", "--reason", "r"}, code: 1, want: []string{"benkan policy four-eyes: four-eyes mode is on"}},
			{name: "four-eyes: neither on nor off", args: []string{"four-eyes", "maybe", "--reason", "r"}, code: 2, want: []string{"say on or off"}},
			{name: "a direct grant in four-eyes mode", args: append(grant, "--policy-approval"), code: 1,
				want: []string{"benkan policy grant: four-eyes mode", "benkan policy propose"}, check: held(false)},
			{name: "propose", args: []string{"propose", "grant", "amdh_monitor", "Incident.narrative", "read", "--reason", "monitors read narratives", "--policy-approval"},
				want: []string{"PENDING by " + cli, "  grant p, amdh_monitor, *, Incident.narrative, read, all"}, check: held(false)},
			{name: "propose an invalid change", args: []string{"propose", "grant", "nobody_role", "Incident", "read", "--reason", "r"}, code: 1,
				want: []string{"benkan policy propose grant:", "nobody_role"}},
			{name: "proposals", args: []string{"proposals", "--status", "pending"}, want: []string{"PENDING by " + cli, "monitors read narratives"}},
			{name: "propose without a kind", args: []string{"propose"}, code: 2, noDB: true, want: []string{"say what to propose"}},
			{name: "approve without --reason", args: []string{"approve", "1"}, code: 2, want: []string{"--reason is required"}},
			{name: "approve: not a number", args: []string{"approve", "x", "--reason", "r"}, code: 2, want: []string{`"x" is not a proposal number`}},
		})
		mine := p.lastProposal(t)
		t.Setenv("BENKAN_POLICY_APPROVAL", "true")
		file := filepath.Join(t.TempDir(), "policy.csv")
		if err := os.WriteFile(file, []byte(p.load(t).CSV()+"p, amdh_monitor, *, Incident.narrative, read, all\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		p.steps(t, []policyStep{
			{name: "a direct grant with BENKAN_POLICY_APPROVAL", args: grant, code: 1, want: []string{"four-eyes mode"}, check: held(false)},
			{name: "an import", args: []string{"import", file, "--reason", "r"}, code: 1, want: []string{"benkan policy import: four-eyes mode"}, check: held(false)},
			{name: "a rollback", args: []string{"rollback", "1", "--reason", "r"}, code: 1, want: []string{"benkan policy rollback: four-eyes mode"}},
			{name: "propose the import", args: []string{"propose", "import", file, "--reason", "from the repository"},
				want: []string{"PENDING by " + cli, "  grant p, amdh_monitor, *, Incident.narrative, read, all"}, check: held(false)},
		})
		withdraw := p.lastProposal(t)
		p.steps(t, []policyStep{
			{name: "withdraw the import", args: []string{"reject", withdraw, "--reason", "one at a time"}, want: []string{"WITHDRAWN"}},
		})

		p.steps(t, []policyStep{
			{name: "approve one's own", args: []string{"approve", mine, "--reason", "fine"}, code: 1, want: []string{"another admin must approve it"}, check: held(false)},
		})
		// The API subject of the operator's own name is the same admin.
		asMe := propose(me.Username, grantNarrative)
		p.steps(t, []policyStep{
			{name: "approve one's own, made through the API", args: []string{"approve", asMe, "--reason", "fine"}, code: 1, want: []string{"another admin must approve it"}, check: held(false)},
		})
		if status(mine) != store.Pending || status(asMe) != store.Pending {
			t.Fatalf("refused approvals decided: %s, %s", status(mine), status(asMe))
		}
		alices := propose("alice", grantNarrative)
		p.steps(t, []policyStep{
			{name: "approve another admin's", args: []string{"approve", alices, "--reason", "agreed"},
				want: []string{"proposal " + alices + " APPLIED by alice", "applied by " + cli, ": agreed", "policy version"}, check: held(true)},
			{name: "approve it again", args: []string{"approve", alices, "--reason", "agreed"}, code: 1, want: []string{"is applied already"}},
			{name: "withdraw one's own", args: []string{"reject", mine, "--reason", "done by alice's"}, want: []string{"WITHDRAWN", "withdrawn by " + cli}},
			{name: "withdraw the one made under one's name through the API", args: []string{"reject", asMe, "--reason", "done by alice's"}, want: []string{"WITHDRAWN", "withdrawn by " + cli}},
		})
		bobs := propose("bob", []store.Change{{Op: store.Revoke, Permission: narrative}})
		p.steps(t, []policyStep{
			{name: "reject another admin's", args: []string{"reject", bobs, "--reason", "done by alice's"}, want: []string{"proposal " + bobs + " REJECTED by bob", "rejected by " + cli}},
			{name: "proposals, all", args: []string{"proposals"}, want: []string{"proposal " + bobs + " REJECTED", "proposal " + alices + " APPLIED", "proposal " + mine + " WITHDRAWN"}},
		})
		// An approval is pinned to the revision reviewed: once another
		// proposal applies, an older one is approved only at the revision
		// its impact is read at now (--revision).
		first := propose("carol", []store.Change{{Op: store.CreateRole, Role: store.Role{Name: "carol_first"}}})
		second := propose("carol", []store.Change{{Op: store.CreateRole, Role: store.Role{Name: "carol_second"}}})
		p.steps(t, []policyStep{
			{name: "approve the first", args: []string{"approve", first, "--reason", "ok"}, want: []string{"APPLIED"}},
		})
		now := fmt.Sprint(p.load(t).Revision)
		p.steps(t, []policyStep{
			{name: "approve the second at the revision it was made at", args: []string{"approve", second, "--reason", "ok"}, code: 1,
				want: []string{"the policy is at revision " + now, "approve it at revision " + now}},
			{name: "approve the second at an old revision", args: []string{"approve", second, "--reason", "ok", "--revision", "1"}, code: 1,
				want: []string{"not 1 as reviewed"}},
			{name: "approve the second at the revision of now", args: []string{"approve", second, "--reason", "reviewed again", "--revision", now},
				want: []string{"proposal " + second + " APPLIED by carol"}},
		})
		// Four-eyes mode goes off by a proposal another admin approves;
		// direct changes apply again then (the flag, which turns it on,
		// is dropped first).
		t.Setenv("BENKAN_POLICY_APPROVAL", "false")
		p.steps(t, []policyStep{
			{name: "propose four-eyes off", args: []string{"propose", "four-eyes", "off", "--reason", "one admin left"},
				want: []string{"PENDING by " + cli, "  four-eyes off"}},
		})
		mineOff := p.lastProposal(t)
		daves := propose("dave", []store.Change{{Op: store.FourEyes, FourEyes: false}})
		p.steps(t, []policyStep{
			{name: "approve one's own four-eyes off", args: []string{"approve", mineOff, "--reason", "ok"}, code: 1, want: []string{"another admin must approve it"}},
			{name: "approve another admin's four-eyes off", args: []string{"approve", daves, "--reason", "agreed"}, want: []string{"APPLIED by dave"}},
			{name: "a direct revoke once off", args: []string{"revoke", "amdh_monitor", "Incident.narrative", "read", "--reason", "r"}, want: []string{"policy version"}, check: held(false)},
		})
	})
}

// lastProposal is the id of the newest proposal.
func (p *policyDB) lastProposal(t *testing.T) string {
	t.Helper()
	ps, err := p.store.Proposals(store.AsOperator(context.Background(), "test"), "")
	if err != nil || len(ps) == 0 {
		t.Fatalf("proposals: %v, %v", ps, err)
	}
	return fmt.Sprint(ps[0].ID)
}
