package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/policy"
)

// Each version keeps the whole policy it produced (PolicyVersion.policy,
// as Policy.CSV writes it), not only its change: two versions compare, and
// a rollback restores one, by their policies, so that lines written in raw
// SQL between them (which make no version) are not lost from the account.

// Version returns the version id, NOT_FOUND if there is none.
//
// Callers: as Load.
func (s *Store) Version(ctx context.Context, id int) (*Version, error) {
	if err := mayRead(ctx); err != nil {
		return nil, err
	}
	v, err := s.version(ctx, id, "id")
	if err != nil {
		return nil, err
	}
	return toVersion(v), nil
}

func toVersion(v *ent.PolicyVersion) *Version {
	return &Version{ID: v.ID, Revision: v.Revision, Actor: v.Actor, Reason: v.Reason, At: v.CreatedAt, Added: v.Added, Removed: v.Removed}
}

// version reads a stored version; field names the argument that gave id,
// for the error.
func (s *Store) version(ctx context.Context, id int, field string) (*ent.PolicyVersion, error) {
	v, err := s.client(ctx).PolicyVersion.Get(policy.SystemContext(ctx), id)
	if ent.IsNotFound(err) {
		return nil, &benkan.Error{Code: benkan.ENOTFOUND, Field: field, Message: fmt.Sprintf("no policy version %d", id)}
	}
	if err != nil {
		return nil, fmt.Errorf("load policy version %d: %w", id, err)
	}
	return v, nil
}

// versionFile reads the policy a version produced, as a File.
func (s *Store) versionFile(ctx context.Context, id int, field string) (*File, error) {
	v, err := s.version(ctx, id, field)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(v.Policy) == "" {
		return nil, benkan.FieldErrorf(field, "policy version %d was recorded before versions kept their policy: it cannot be compared or rolled back to", id)
	}
	f, err := ParseFile(v.Policy)
	if err != nil {
		return nil, fmt.Errorf("read the policy of version %d: %w", id, err)
	}
	return f, nil
}

// Diff is what changes from one version's policy to another's.
type Diff struct {
	// Added are the lines (and roles, as "role NAME") of the second
	// version's policy that the first's lacks; Removed the reverse. Lines
	// are Casbin CSV; a permission whose scope lists the same atoms in
	// another order is the same line.
	Added, Removed []string
	// From and To are the versions compared.
	From, To int
}

// Diff compares the policies versions from and to produced: NOT_FOUND if
// either does not exist, BAD_USER_INPUT if either was recorded before
// versions kept their policy.
//
// Callers: as Load.
func (s *Store) Diff(ctx context.Context, from, to int) (*Diff, error) {
	if err := mayRead(ctx); err != nil {
		return nil, err
	}
	a, b, err := s.versionFiles(ctx, from, to)
	if err != nil {
		return nil, err
	}
	return &Diff{Added: fileMinus(b, a), Removed: fileMinus(a, b), From: from, To: to}, nil
}

// versionFiles returns the policies versions from and to produced, as
// Diff and DiffImpact compare them.
func (s *Store) versionFiles(ctx context.Context, from, to int) (*File, *File, error) {
	a, err := s.versionFile(ctx, from, "from")
	if err != nil {
		return nil, nil, err
	}
	b, err := s.versionFile(ctx, to, "to")
	if err != nil {
		return nil, nil, err
	}
	return a, b, nil
}

// fileMinus lists the roles and lines of a that b does not hold, roles
// first, in a's order.
func fileMinus(a, b *File) []string {
	out := []string{}
	for _, r := range a.Roles {
		if !slices.ContainsFunc(b.Roles, func(x Role) bool { return x.Name == r.Name }) {
			out = append(out, "role "+r.Name)
		}
	}
	for _, l := range a.lines {
		if !slices.ContainsFunc(b.lines, func(x []string) bool { return sameLine(x, l) }) {
			out = append(out, strings.Join(l, ", "))
		}
	}
	return out
}

// Rollback makes the stored policy the one version toVersion produced, as
// one change set with reason: it adds the lines and roles the version's
// policy held, removes those it did not hold (stored lines that do not
// validate included), and is validated and applied like any change set
// (see Apply), so a rollback that would leave no admin, or name a user or
// locality deleted since, is refused and writes nothing. The new version's
// reason says which version it rolls back to. NOT_FOUND if there is no
// such version; BAD_USER_INPUT if it kept no policy or the stored policy
// is its already.
//
// Callers: as Apply.
func (s *Store) Rollback(ctx context.Context, toVersion int, reason string) (*Version, error) {
	if _, err := actor(ctx, policy.ActionUpdate); err != nil {
		return nil, err
	}
	if err := s.direct(ctx, s.client(ctx)); err != nil { // Apply refuses it too; say so before reading anything
		return nil, err
	}
	changes, reason, err := s.rollbackSet(ctx, toVersion, reason)
	if err != nil {
		return nil, err
	}
	return s.Apply(ctx, changes, reason)
}

// rollbackSet returns the change set that makes the stored policy now
// version toVersion's, and the reason of its version. Callers checked the
// actor.
func (s *Store) rollbackSet(ctx context.Context, toVersion int, reason string) ([]Change, string, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, "", benkan.FieldErrorf("reason", "say why the policy is rolled back: the reason is kept with the change")
	}
	changes, err := s.rollbackChanges(ctx, toVersion)
	if err != nil {
		return nil, "", err
	}
	return changes, fmt.Sprintf("roll back to version %d: %s", toVersion, strings.TrimSpace(reason)), nil
}

// rollbackChanges returns the change set that makes the stored policy the
// one version toVersion produced (see Rollback).
func (s *Store) rollbackChanges(ctx context.Context, toVersion int) ([]Change, error) {
	f, err := s.versionFile(ctx, toVersion, "toVersion")
	if err != nil {
		return nil, err
	}
	cur, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	changes := importChanges(cur, f)
	// Import keeps roles the file does not declare; a rollback deletes
	// them (after the removals of their lines), as the version had none.
	for _, r := range cur.Roles {
		if !slices.ContainsFunc(f.Roles, func(x Role) bool { return x.Name == r.Name }) {
			changes = append(changes, Change{Op: DeleteRole, Role: Role{Name: r.Name}})
		}
	}
	if len(changes) == 0 {
		return nil, benkan.FieldErrorf("toVersion", "the stored policy is version %d's already: nothing to roll back", toVersion)
	}
	return changes, nil
}
