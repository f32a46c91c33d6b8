package store

import (
	"context"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/policy"
)

type operatorKey struct{}

// AsOperator returns a context in which name (an operator of the machine,
// not a GraphQL viewer) may read and change the policy: the command line,
// which holds the database's credentials anyway, and benkan's own start-up
// (the default policy, demo users). Versions and audit events name the
// operator. Never use it for a request.
func AsOperator(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, operatorKey{}, name)
}

// isOperator reports whether ctx acts as an operator (AsOperator).
func isOperator(ctx context.Context) bool {
	name, ok := ctx.Value(operatorKey{}).(string)
	return ok && name != ""
}

// actor returns who acts in ctx and whether they may do action on the
// policy: an operator may do anything, a viewer what its grants of the
// object Policy allow, anyone else nothing.
func actor(ctx context.Context, action string) (string, error) {
	if name, ok := ctx.Value(operatorKey{}).(string); ok && name != "" {
		return name, nil
	}
	v := policy.FromContext(ctx)
	if v.IsAnonymous() {
		return "", benkan.Errorf(benkan.EUNAUTHENTICATED, "sign in to see or change the access policy")
	}
	if !v.MayPolicy(action) {
		if action == policy.ActionRead {
			return "", benkan.Errorf(benkan.EFORBIDDEN, "your roles may not read the access policy")
		}
		return "", benkan.Errorf(benkan.EFORBIDDEN, "your roles may not change the access policy")
	}
	return v.Subject, nil
}

func mayRead(ctx context.Context) error {
	_, err := actor(ctx, policy.ActionRead)
	return err
}
