package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/mixin"

	"github.com/benkan-project/benkan/policy"
)

// AccessMixin puts a type under benkan's access policy: every query of it
// is filtered in SQL by the viewer's grants, and every change of it must be
// granted (see package policy). Types without it are reachable only from
// policy.SystemContext.
type AccessMixin struct {
	mixin.Schema
}

// Policy of the AccessMixin.
func (AccessMixin) Policy() ent.Policy {
	return policy.EntPolicy()
}

// Interceptors of the AccessMixin: eager loads know what they load for.
func (AccessMixin) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{policy.Loads()}
}

// Hooks of the AccessMixin.
func (AccessMixin) Hooks() []ent.Hook {
	return []ent.Hook{policy.MutationHook()}
}
