package graph

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/benkan-project/benkan/ent"
)

// transactions runs each mutation operation in one database transaction:
// resolvers take its client with ent.FromContext, a mutation that fails
// (any error in the response) is rolled back whole, and the fields of a
// mutation resolve one after the other on the transaction's connection.
//
// It replaces entgql.Transactioner, whose errors (opening, committing)
// carried the driver's text and bypassed the error presenter: here every
// error goes through graphql.AddError, so the presenter gives it its code
// (UNAVAILABLE for a database that went away, INTERNAL otherwise).
type transactions struct {
	client *ent.Client
	log    *slog.Logger
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = transactions{}

// ExtensionName implements graphql.HandlerExtension.
func (transactions) ExtensionName() string { return "Transactions" }

// Validate implements graphql.HandlerExtension.
func (t transactions) Validate(graphql.ExecutableSchema) error {
	if t.client == nil {
		return fmt.Errorf("transactions: no ent client")
	}
	return nil
}

// MutateOperationContext implements graphql.OperationContextMutator: the
// fields of a mutation resolve one at a time, since they share one
// transaction (one connection).
func (transactions) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if !isMutation(oc.Operation) {
		return nil
	}
	previous := oc.ResolverMiddleware
	var mu sync.Mutex
	oc.ResolverMiddleware = func(ctx context.Context, next graphql.Resolver) (any, error) {
		mu.Lock()
		defer mu.Unlock()
		return previous(ctx, next)
	}
	return nil
}

// InterceptResponse implements graphql.ResponseInterceptor: it opens the
// transaction, runs the mutation, and commits it only if the response has
// no error.
func (t transactions) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) || !isMutation(graphql.GetOperationContext(ctx).Operation) {
		return next(ctx) // no operation: a request refused before it parsed
	}
	tx, err := t.client.Tx(ctx)
	if err != nil {
		return failed(ctx, fmt.Errorf("open the transaction of a mutation: %w", err))
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback() // the connection may be gone: nothing more to do
		}
	}()
	txCtx := ent.NewContext(ent.NewTxContext(ctx, tx), tx.Client())
	resp := next(txCtx)
	if resp == nil {
		return nil
	}
	if len(resp.Errors) > 0 {
		if err := tx.Rollback(); err != nil {
			// The mutation's own errors say what went wrong; a rollback
			// that fails (the connection is gone) writes nothing either.
			t.log.WarnContext(ctx, "roll back a failed mutation", "err", err)
		}
		committed = true // rolled back: nothing left to do
		resp.Data = nil
		return resp
	}
	if err := tx.Commit(); err != nil {
		committed = true // a failed commit leaves nothing to roll back
		return failed(ctx, fmt.Errorf("commit a mutation: %w", err))
	}
	committed = true
	return resp
}

// failed is the response of a mutation that could not run or be kept,
// with err presented like any other error.
func failed(ctx context.Context, err error) *graphql.Response {
	graphql.AddError(ctx, err)
	return &graphql.Response{Errors: graphql.GetErrors(ctx)}
}

func isMutation(op *ast.OperationDefinition) bool {
	return op != nil && op.Operation == ast.Mutation
}
