package graph

import (
	"context"
	"fmt"

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
// would resolve to null.
func (r *queryResolver) nodes(ctx context.Context, ids []gid.ID) ([]ent.Noder, error) {
	if len(ids) > MaxNodes {
		return nil, benkan.FieldErrorf("ids", "nodes takes at most %d ids, got %d", MaxNodes, len(ids))
	}
	out := make([]ent.Noder, len(ids))
	for i, id := range ids {
		n, err := r.node(ctx, id)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}
