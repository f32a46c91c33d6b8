// Package graph is benkan's GraphQL layer: the schema (ent.graphql generated
// from the ent schemas, schema.graphql written by hand), its resolvers, and
// the gqlgen server with the limits and error codes every request obeys.
//
// graph uses ent for data; it knows nothing of HTTP authentication, which the
// server package does before a request reaches it.
package graph

import (
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/policy/store"
)

// Resolver is the root resolver. Queries read through client; mutations
// use the transactional client that the transactions extension (tx.go)
// puts in the context.
type Resolver struct {
	client       *ent.Client
	pseudonymKey []byte
	policy       *store.Store
}
