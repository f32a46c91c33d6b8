package store

import (
	"context"
	"fmt"

	"github.com/benkan-project/benkan/policy"
)

// Explain explains q (see policy.Engine.Explain) against the stored
// policy, which is the policy in force on every replica within a second
// of a change: an engine of its own is built from it, so that what is
// explained is exactly what the lines decide, whatever server answers.
//
// It needs read on Policy (FORBIDDEN otherwise), as reading the policy
// does, since an explanation quotes the policy's lines. A request's row id
// must name a row the caller reads; an operator (AsOperator) reads every
// row.
func (s *Store) Explain(ctx context.Context, q policy.ExplainQuery) (*policy.Explanation, error) {
	if err := mayRead(ctx); err != nil {
		return nil, err
	}
	p, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	engine := policy.NewEngine(s.db.Client)
	if err := engine.Use(p.Snapshot()); err != nil {
		return nil, fmt.Errorf("explain: put the stored policy in force: %w", err)
	}
	if name, ok := ctx.Value(operatorKey{}).(string); ok && name != "" {
		ctx = policy.SystemContext(ctx)
	}
	return engine.Explain(ctx, q)
}
