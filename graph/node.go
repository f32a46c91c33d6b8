package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/gid"
)

// MaxNodes is the most ids one `nodes` query may ask for.
const MaxNodes = 100

// node resolves `node(id:)`. An id that names no row, or a row the caller may
// not see, resolves to null without an error: the two cases look the same.
func (r *queryResolver) node(ctx context.Context, id gid.ID) (ent.Noder, error) {
	n, err := r.client.Noder(ctx, id, ent.WithNodeType(ent.IDToType))
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load node: %w", err)
	}
	return n, nil
}

// nodes resolves `nodes(ids:)`, with null in place of each id that node
// would resolve to null. ent's Noders loads the ids of each type with one
// query (and its edges with one query per level), but reports each id it
// did not find as an error in the response: its errors go to a response
// context of their own, where not-found errors are dropped (a missing and a
// hidden id must look the same) and any other fails the field.
func (r *queryResolver) nodes(ctx context.Context, ids []gid.ID) ([]ent.Noder, error) {
	if len(ids) > MaxNodes {
		return nil, benkan.FieldErrorf("ids", "nodes takes at most %d ids, got %d", MaxNodes, len(ids))
	}
	if len(ids) == 1 { // Noders asks Noder, which answers not-found as an error
		n, err := r.node(ctx, ids[0])
		return []ent.Noder{n}, err
	}
	quiet := graphql.WithResponseContext(ctx, graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	nodes, err := r.client.Noders(quiet, ids, ent.WithNodeType(ent.IDToType))
	if err != nil {
		return nil, fmt.Errorf("load nodes: %w", err)
	}
	for _, e := range graphql.GetErrors(quiet) {
		if e.Extensions["code"] != "NOT_FOUND" {
			return nil, fmt.Errorf("load nodes: %w", e)
		}
	}
	return nodes, nil
}
