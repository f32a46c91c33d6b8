package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/policystate"
	"github.com/benkan-project/benkan/policy"
)

// Four-eyes mode.
//
// The mode is the database's (policy_states.approval), not a process's:
// once on, every server and every command line of the database refuses
// direct changes, whatever their flags, and its state is read in the
// transaction of each change, so that it holds on every replica at once.
//
// Turning it on is itself a change of the policy (a FourEyes change, on),
// which may be applied directly, since it only takes a power away: by an
// admin (applyPolicyChanges, benkan policy four-eyes on), or by a server or
// command line started with --policy-approval (Options.Approval), as the
// operator "benkan". Turning it off, once on, is a FourEyes change (off)
// like any other: proposed by one admin, applied only when another
// approves it. Either makes a policy version (its line "four-eyes mode",
// added or removed) with its POLICY_CHANGE audit event; a rollback does
// not change the mode (a version's policy holds its lines, not the mode).
//
// In four-eyes mode a change of the access policy is applied only when an
// admin other than the one who proposed it approves it: Propose stores
// the change set (validated against the policy now, policy tests
// included), Approve applies it, through the same apply as any change set,
// in one transaction with the proposal marked APPLIED. The check is made
// once, where change sets are applied (Apply, and so Import, Rollback and
// every resolver and command that changes the policy), and in ChangeUsers,
// where a change of users would change the policy in force (a user renamed
// away from the subject its lines name), in ChangeOrganization, where
// moving a user who holds roles would change what those lines give it,
// and in ChangeTree, where moving localities would change what a domain
// covers: each refuses with FORBIDDEN, pointing to proposals.
//
// What stays automatic, since no admin decides it now:
//   - the default policy stored in an empty database, and the roles
//     declared for a policy stored before roles were kept (seed);
//   - the removal of expired assignments by "benkan" (expire): the end an
//     approved assignment carried from the start;
//   - EnsureAssigned as an operator: the roles benkan gives its own demo,
//     synthetic and test users when it loads them.
//
// "The same admin" is the same actor name, where the command line's
// cli:NAME counts as the token subject NAME: an operator alice may not
// approve what the admin alice proposed, nor the reverse. The command line
// holds the database's credentials, so four eyes cannot be enforced against
// an operator who bypasses benkan; they are against every admin of the API.

// fourEyesLine is how a version lists the mode: added when it is turned
// on, removed when it is turned off.
const fourEyesLine = "four-eyes mode"

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// approvalOn reads four-eyes mode through c (in its transaction, if any).
func approvalOn(ctx context.Context, c *ent.Client) (bool, error) {
	st, err := c.PolicyState.Query().Where(policystate.ID(1)).Only(policy.SystemContext(ctx))
	if err != nil {
		return false, fmt.Errorf("read four-eyes mode: %w", err)
	}
	return st.Approval, nil
}

// direct refuses a change applied directly in four-eyes mode, as c reads
// the mode.
func (s *Store) direct(ctx context.Context, c *ent.Client) error {
	on, err := approvalOn(ctx, c)
	if err != nil || !on {
		return err
	}
	return benkan.Errorf(benkan.EFORBIDDEN, "four-eyes mode is on (the database's, for every server and command line): the access policy changes only by an approved proposal: propose the change (proposePolicyChanges, or benkan policy propose) and have another admin approve it")
}

// directUsers refuses, in four-eyes mode, a change of users after which the
// policy in force (before, after: its lines as Casbin sees them) differs.
func (s *Store) directUsers(ctx context.Context, c *ent.Client, field string, before, after [][]string) error {
	if slices.EqualFunc(before, after, slices.Equal) {
		return nil
	}
	if on, err := approvalOn(ctx, c); err != nil || !on {
		return err
	}
	return &benkan.Error{Code: benkan.EFORBIDDEN, Field: field, Message: "four-eyes mode: the change of users changes the policy in force (its lines name users by subject): take the user's roles back through an approved proposal first (proposePolicyChanges)"}
}

// ApprovalRequired reports whether four-eyes mode is on, as the database
// holds it now.
//
// Callers: as Load.
func (s *Store) ApprovalRequired(ctx context.Context) (bool, error) {
	if err := mayRead(ctx); err != nil {
		return false, err
	}
	return approvalOn(ctx, s.client(ctx))
}

// fourEyesOn turns four-eyes mode on as the operator "benkan", unless it
// is on already: what --policy-approval does when a store opens.
func (s *Store) fourEyesOn(ctx context.Context) error {
	ctx = AsOperator(ctx, "benkan")
	err := s.inTx(ctx, func(ctx context.Context, c *ent.Client) error {
		if err := c.PolicyState.UpdateOneID(1).AddRevision(0).Exec(ctx); err != nil {
			return fmt.Errorf("turn four-eyes mode on: %w", err)
		}
		if on, err := approvalOn(ctx, c); err != nil || on {
			return err
		}
		_, err := s.apply(ctx, c, "benkan", []Change{{Op: FourEyes, FourEyes: true}}, "four-eyes mode turned on by --policy-approval")
		return err
	})
	if err != nil {
		return fmt.Errorf("turn four-eyes mode on (--policy-approval): %w", err)
	}
	return nil
}

// ChangeOrganization refuses, in four-eyes mode, moving the user subject
// to another organization (or to none) while the policy in force assigns
// it a role. The lines stay the same, but what they give the user does
// not: own_unit, own_org and addressed_to_own_org are decided by the
// user's organization, so that moving a security-force focal point to
// another unit would show it that unit's allegations with no proposal, no
// second admin, no version. The admin unassigns the roles through an
// approved proposal first, moves the user, and proposes them again (the
// impact then shows what the user gains). field names the input field in
// the error. Outside four-eyes mode it refuses nothing.
//
// Callers: within the mutation that changes the user, before it does.
func (s *Store) ChangeOrganization(ctx context.Context, field, subject string) error {
	if on, err := approvalOn(ctx, s.client(ctx)); err != nil || !on {
		return err
	}
	p, err := s.load(ctx)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(p.Assignments, func(a Assignment) bool { return a.Subject == subject }) {
		return &benkan.Error{Code: benkan.EFORBIDDEN, Field: field, Message: "four-eyes mode: the user holds roles, and what some give depend on the user's organization (own_unit, own_org): take the user's roles back through an approved proposal first (proposePolicyChanges), then give them again"}
	}
	return nil
}

// ChangeTree runs change, a change of the administrative tree (a
// locality's parent or children), in ctx's transaction, and in four-eyes
// mode refuses it with FORBIDDEN on field if it changes which localities
// lie under a domain that the policy in force names: a role held in a
// locality covers that locality and every one below it, so that moving
// Kayes under Niono would show the monitors of Niono Kayes's incidents with
// no proposal and no second admin. A change under no named domain (a
// locality no role reaches, before and after) applies. Outside four-eyes
// mode it only runs change.
//
// Callers: inside the mutation's transaction, with change the write.
func (s *Store) ChangeTree(ctx context.Context, field string, change func() error) error {
	tx := ent.TxFromContext(ctx)
	if tx == nil {
		return fmt.Errorf("check a change of localities against the policy: call it in a transaction")
	}
	sys, c := policy.SystemContext(ctx), tx.Client()
	if on, err := approvalOn(sys, c); err != nil {
		return err
	} else if !on {
		return change()
	}
	p, err := read(sys, c)
	if err != nil {
		return err
	}
	var domains []string
	for _, l := range p.casbin {
		d := ""
		switch {
		case l[0] == "p" && len(l) > 2:
			d = l[2]
		case l[0] == "g" && len(l) > 3:
			d = l[3]
		}
		if d != "" && d != "*" && !slices.Contains(domains, d) {
			domains = append(domains, d)
		}
	}
	below := func() (map[string][]string, error) {
		all, err := c.Locality.Query().WithParent().All(sys)
		if err != nil {
			return nil, fmt.Errorf("check a change of localities against the policy: %w", err)
		}
		children := map[string][]string{}
		for _, l := range all {
			if l.Edges.Parent != nil {
				children[string(l.Edges.Parent.ID)] = append(children[string(l.Edges.Parent.ID)], string(l.ID))
			}
		}
		out := map[string][]string{}
		for _, d := range domains {
			ids := []string{d}
			for i := 0; i < len(ids); i++ {
				ids = append(ids, children[ids[i]]...)
			}
			slices.Sort(ids)
			out[d] = ids
		}
		return out, nil
	}
	before, err := below()
	if err != nil {
		return err
	}
	if err := change(); err != nil {
		return err
	}
	after, err := below()
	if err != nil {
		return err
	}
	for _, d := range domains {
		if !slices.Equal(before[d], after[d]) {
			return &benkan.Error{Code: benkan.EFORBIDDEN, Field: field, Message: fmt.Sprintf("four-eyes mode: the change moves localities into or out of %s, where the policy gives roles (a role held in a locality covers those below it): move the roles through an approved proposal first (proposePolicyChanges)", d)}
		}
	}
	return nil
}
