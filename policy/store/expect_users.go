package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/policy"
)

// KeepsExpectations runs change, a change of users that Apply does not see
// (a user's subject, which the policy's lines name), in ctx's transaction,
// and fails with BAD_USER_INPUT on field if the policy, with the users as
// change leaves them, breaks a configured expectation (Options.Expectations)
// that it met before: renaming a user to a subject whose lines are left
// over, or away from one an expectation names, changes what the policy
// decides for that subject without a change set, and so without the
// expectations Apply runs. It does nothing more than change when no
// expectations are configured.
//
// Callers: inside a transaction that changes users.
func (s *Store) KeepsExpectations(ctx context.Context, field string, change func() error) error {
	if s.expectations == nil {
		return change()
	}
	failures := func() ([]Failure, error) {
		tx := ent.TxFromContext(ctx)
		if tx == nil {
			return nil, fmt.Errorf("policy tests of a change of users: call it in a transaction")
		}
		sys := policy.SystemContext(ctx)
		if err := tx.Client().PolicyState.UpdateOneID(1).AddRevision(0).Exec(sys); err != nil {
			return nil, fmt.Errorf("policy tests of a change of users: %w", err)
		}
		cur, err := read(sys, tx.Client())
		if err != nil {
			return nil, err
		}
		return cur.Check(s.expectations)
	}
	before, err := failures()
	if err != nil {
		return err
	}
	if err := change(); err != nil {
		return err
	}
	after, err := failures()
	if err != nil {
		return err
	}
	if b := broken(before, after); len(b) > 0 {
		lines := make([]string, len(b))
		for i, f := range b {
			lines[i] = f.String()
		}
		return benkan.FieldErrorf(field, "the change of users breaks %d policy tests:\n%s", len(b), strings.Join(lines, "\n"))
	}
	return nil
}
