package store

import (
	"context"
	"fmt"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent/policyrule"
	"github.com/benkan-project/benkan/policy"
)

// Unclaimed refuses a subject that stored assignment lines name, for a
// user about to take it (created with it, or renamed to it). Such lines are
// left over from a user deleted or renamed since (they are problems while
// no user has the subject): a new user taking the subject would silently
// receive their roles, without any change of the policy, version or audit
// event. The admin unassigns or discards them first, or assigns the roles
// again after creating the user. field names the input field in the error.
//
// Callers: any, within the mutation that creates or renames the user.
func (s *Store) Unclaimed(ctx context.Context, field, subject string) error {
	n, err := s.client(ctx).PolicyRule.Query().
		Where(policyrule.Ptype("g"), policyrule.V0(subject)).
		Count(policy.SystemContext(ctx))
	if err != nil {
		return fmt.Errorf("look up the lines naming %s: %w", subject, err)
	}
	if n > 0 {
		return benkan.FieldErrorf(field, "%d stored policy lines name the subject %q, left over from a former user: unassign or discard them first (policy { problems }), then give the new user its roles", n, subject)
	}
	return nil
}
