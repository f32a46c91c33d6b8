package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/policy"
)

// ChangeUsers runs change, a change of users that Apply does not see (a
// user's subject, which the policy's lines name), in ctx's transaction,
// and fails with BAD_USER_INPUT on field if, with the users as change
// leaves them, the policy is no longer administered when it was (the last
// admin renamed away), or breaks a configured expectation
// (Options.Expectations) that it met before (a user renamed to a subject
// whose lines are left over, or away from one an expectation names). It
// queues on the policy's revision row as Apply does, so the answers hold
// until the transaction ends. In four-eyes mode (see approval.go) it also
// refuses, with FORBIDDEN, a change after which the policy in force differs.
//
// Callers: inside a transaction that changes users (it reveals nothing to
// the caller but which rule the change would break).
func (s *Store) ChangeUsers(ctx context.Context, field string, change func() error) error {
	tx := ent.TxFromContext(ctx)
	if tx == nil {
		return fmt.Errorf("check a change of users against the policy: call it in a transaction")
	}
	sys, c := policy.SystemContext(ctx), tx.Client()
	if err := c.PolicyState.UpdateOneID(1).AddRevision(0).Exec(sys); err != nil {
		return fmt.Errorf("check a change of users against the policy: %w", err)
	}
	state := func() (administered bool, failures []Failure, lines [][]string, err error) {
		cur, err := read(sys, c)
		if err != nil {
			return false, nil, nil, err
		}
		known, err := lookup(sys, c, cur.lines)
		if err != nil {
			return false, nil, nil, err
		}
		if administered, err = anyPolicyAdmin(cur.casbin, cur.Assignments, known); err != nil {
			return false, nil, nil, err
		}
		if s.expectations != nil {
			failures, err = cur.CheckWith(sys, c, s.expectations)
		}
		return administered, failures, cur.casbin, err
	}
	had, before, linesBefore, err := state()
	if err != nil {
		return err
	}
	if err := change(); err != nil {
		return err
	}
	has, after, linesAfter, err := state()
	if err != nil {
		return err
	}
	if err := s.directUsers(sys, c, field, linesBefore, linesAfter); err != nil {
		return err
	}
	if had && !has {
		return benkan.FieldErrorf(field, "the change would leave no user who may change the access policy: the policy's lines name users by subject: assign %s to another user first", policy.AdminRole)
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
