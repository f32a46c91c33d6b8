package graph

import (
	"context"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
)

// renameUser updates a user whose subject changes. The policy's lines name
// users by subject, so the user's roles stay with the old subject: if that
// leaves no user who may change the policy (the last admin renamed), the
// update is refused, as Apply refuses unassigning the last admin.
func (r *mutationResolver) renameUser(ctx context.Context, id gid.ID, input ent.UpdateUserInput) (*ent.User, error) {
	if old, err := ent.FromContext(ctx).User.Get(ctx, id); err == nil && old.Subject != *input.Subject {
		if err := r.policy.Unclaimed(ctx, "subject", *input.Subject); err != nil {
			return nil, err
		}
	} // else the update itself answers NOT_FOUND, or renames to the same subject
	var u *ent.User
	err := r.policy.ChangeUsers(ctx, "subject", func() (err error) {
		u, err = ent.FromContext(ctx).User.UpdateOneID(id).SetInput(input).Save(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// reorganizeUser checks an update that sets or clears a user's
// organization: if it moves the user (the organization differs), the store
// decides whether it may (four-eyes mode refuses it for a user holding
// roles, see store.ChangeOrganization). A user the caller cannot read is
// left to the update, which answers NOT_FOUND.
func (r *mutationResolver) reorganizeUser(ctx context.Context, id gid.ID, input ent.UpdateUserInput) error {
	old, err := ent.FromContext(ctx).User.Get(ctx, id)
	if err != nil {
		return nil
	}
	var from gid.ID
	switch org, err := old.QueryOrganization().OnlyID(policy.SystemContext(ctx)); {
	case err == nil:
		from = org
	case !ent.IsNotFound(err):
		return err
	}
	to := gid.ID("")
	if input.OrganizationID != nil {
		to = *input.OrganizationID
	}
	if from == to {
		return nil
	}
	field := "input.organizationID"
	if input.OrganizationID == nil {
		field = "input.clearOrganization"
	}
	return r.policy.ChangeOrganization(ctx, field, old.Subject)
}

// changeTree runs change, a write of localities; when it moves localities
// (moves), the store decides whether it may (four-eyes mode refuses a move
// into or out of a domain the policy names, see store.ChangeTree).
func (r *mutationResolver) changeTree(ctx context.Context, field string, moves bool, change func() error) error {
	if !moves || r.policy == nil {
		return change()
	}
	return r.policy.ChangeTree(ctx, field, change)
}
