package graph

import (
	"context"
	"strconv"
	"time"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/graph/model"
	"github.com/benkan-project/benkan/policy/store"
)

// policyStore returns the store the admin API calls, or UNAVAILABLE for a
// server built without one.
func (r *Resolver) policyStore() (*store.Store, error) {
	if r.policy == nil {
		return nil, benkan.Errorf(benkan.EUNAVAILABLE, "this server has no policy store")
	}
	return r.policy, nil
}

// apply applies changes through the store, in the mutation's transaction.
func (r *Resolver) apply(ctx context.Context, reason string, changes ...store.Change) (*store.Version, error) {
	s, err := r.policyStore()
	if err != nil {
		return nil, err
	}
	return s.Apply(ctx, changes, reason)
}

func toPermission(p *model.PermissionInput) store.Permission {
	return store.Permission{Role: p.Role, Domain: p.Domain, Object: p.Object, Action: p.Action, Scope: p.Scope}
}

func toAssignment(a *model.AssignmentInput) store.Assignment {
	return store.Assignment{Subject: a.Subject, Role: a.Role, Domain: a.Domain, Expires: expires(a.ExpiresAt)}
}

// expires is an optional expiry as the store takes it: zero for none.
func expires(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func toFieldGroup(g *model.FieldGroupInput) store.FieldGroup {
	return store.FieldGroup{Field: g.Field, Group: g.Group}
}

// change turns one PolicyChangeInput into a store change. The input is a
// oneOf: exactly one of its fields must be set, which is checked here on
// the decoded value, whatever the client wrote (a literal or variables).
func change(i int, in *model.PolicyChangeInput) (store.Change, error) {
	var out []store.Change
	if in.Grant != nil {
		out = append(out, store.Change{Op: store.Grant, Permission: toPermission(in.Grant)})
	}
	if in.Revoke != nil {
		out = append(out, store.Change{Op: store.Revoke, Permission: toPermission(in.Revoke)})
	}
	if in.Assign != nil {
		out = append(out, store.Change{Op: store.Assign, Assignment: toAssignment(in.Assign)})
	}
	if in.Unassign != nil {
		out = append(out, store.Change{Op: store.Unassign, Assignment: toAssignment(in.Unassign)})
	}
	if in.CreateRole != nil {
		out = append(out, store.Change{Op: store.CreateRole, Role: store.Role{Name: in.CreateRole.Name, Description: in.CreateRole.Description}})
	}
	if in.DeleteRole != nil {
		out = append(out, store.Change{Op: store.DeleteRole, Role: store.Role{Name: *in.DeleteRole}})
	}
	if in.Group != nil {
		out = append(out, store.Change{Op: store.Group, FieldGroup: toFieldGroup(in.Group)})
	}
	if in.Ungroup != nil {
		out = append(out, store.Change{Op: store.Ungroup, FieldGroup: toFieldGroup(in.Ungroup)})
	}
	if in.Discard != nil {
		out = append(out, store.Change{Op: store.Discard, RuleID: *in.Discard})
	}
	if in.FourEyes != nil {
		out = append(out, store.Change{Op: store.FourEyes, FourEyes: *in.FourEyes})
	}
	if len(out) != 1 {
		return store.Change{}, benkan.FieldErrorf(changeField(i), "set exactly one of grant, revoke, assign, unassign, createRole, deleteRole, group, ungroup, discard, fourEyes (%d set)", len(out))
	}
	return out[0], nil
}

// toChanges turns the change set of applyPolicyChanges or
// proposePolicyChanges into store changes.
func toChanges(in []*model.PolicyChangeInput) ([]store.Change, error) {
	out := make([]store.Change, len(in))
	for i, c := range in {
		var err error
		if out[i], err = change(i, c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func changeField(i int) string { return "changes[" + strconv.Itoa(i) + "]" }

// orNull is s for a nullable field: null when empty.
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// matches reports whether value passes an optional equality filter.
func matches(filter *string, value string) bool { return filter == nil || *filter == value }

// maxExpiringHours bounds Policy.expiring's hours: ten years ahead.
const maxExpiringHours = 10 * 366 * 24
