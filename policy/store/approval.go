package store

import (
	"context"
	"slices"

	"github.com/benkan-project/benkan"
)

// Four-eyes mode (Options.Approval, serve's --policy-approval).
//
// A change of the access policy is applied only when an admin other than
// the one who proposed it approves it: Propose stores the change set
// (validated against the policy now, policy tests included), Approve applies
// it, through the same apply as any change set, in one transaction with the
// proposal marked APPLIED. The check is made once, where change sets are
// applied (Apply, and so Import, Rollback and every resolver and command
// that changes the policy), and in ChangeUsers, where a change of users
// would change the policy in force (a user renamed away from the subject its
// lines name), and in ChangeOrganization, where moving a user who holds
// roles would change what those lines give it: each refuses with
// FORBIDDEN, pointing to proposals.
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

// direct refuses a change applied directly in four-eyes mode.
func (s *Store) direct() error {
	if !s.approval {
		return nil
	}
	return benkan.Errorf(benkan.EFORBIDDEN, "four-eyes mode (--policy-approval): the access policy changes only by an approved proposal: propose the change (proposePolicyChanges, or benkan policy propose) and have another admin approve it")
}

// directUsers refuses, in four-eyes mode, a change of users after which the
// policy in force (before, after: its lines as Casbin sees them) differs.
func (s *Store) directUsers(field string, before, after [][]string) error {
	if !s.approval || slices.EqualFunc(before, after, slices.Equal) {
		return nil
	}
	return &benkan.Error{Code: benkan.EFORBIDDEN, Field: field, Message: "four-eyes mode (--policy-approval): the change of users changes the policy in force (its lines name users by subject): take the user's roles back through an approved proposal first (proposePolicyChanges)"}
}

// ApprovalRequired reports whether the store runs in four-eyes mode.
func (s *Store) ApprovalRequired() bool { return s.approval }

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
	if !s.approval {
		return nil
	}
	p, err := s.load(ctx)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(p.Assignments, func(a Assignment) bool { return a.Subject == subject }) {
		return &benkan.Error{Code: benkan.EFORBIDDEN, Field: field, Message: "four-eyes mode (--policy-approval): the user holds roles, and what some give depend on the user's organization (own_unit, own_org): take the user's roles back through an approved proposal first (proposePolicyChanges), then give them again"}
	}
	return nil
}
