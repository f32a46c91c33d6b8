package graph

import (
	"context"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/gid"
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
