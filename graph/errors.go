package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/storage"
)

// presentError is the one error presenter: every error of a GraphQL
// response passes through it (the transaction middleware and the transports
// add theirs through graphql.AddError or exec.DispatchError, which call it),
// and leaves with a stable extensions.code. Only messages written for
// clients reach them: benkan.Error, ent's validation errors (as the rule of
// the field, from ent/schema), gqlgen's parse and validation errors.
// Unavailability of the database is UNAVAILABLE; anything else is a fault,
// logged with the request id and shown as INTERNAL with that id only, so
// that no SQL, driver message, stack or stored value leaks.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		code, message, field := classify(ctx, err)
		switch {
		case code == benkan.EUNAVAILABLE:
			log.WarnContext(ctx, "database unavailable", "err", err, "path", gqlErr.Path.String())
			gqlErr.Message = message
		case code == benkan.EINTERNAL:
			// recoverPanic's error: the panic is logged already.
			gqlErr.Message = "internal error"
		case code != "":
			gqlErr.Message = message
		case hasCode(gqlErr):
			return gqlErr // gqlgen's own: parse, validation, persisted queries
		case timedOut(ctx, err):
			code, field = benkan.ETIMEOUT, ""
			log.WarnContext(ctx, "request ran past its deadline", "err", err, "path", gqlErr.Path.String())
			gqlErr.Message = "the request ran past its deadline and was stopped: ask for less (smaller pages, narrower filters)"
		default:
			code, field = benkan.EINTERNAL, ""
			log.ErrorContext(ctx, "internal error", "err", err, "path", gqlErr.Path.String())
			gqlErr.Message = "internal error"
		}
		if gqlErr.Extensions == nil {
			gqlErr.Extensions = map[string]any{}
		}
		gqlErr.Extensions["code"] = code
		if field != "" {
			gqlErr.Extensions["field"] = field
		}
		if code == benkan.EINTERNAL || code == benkan.EUNAVAILABLE {
			if id := benkan.RequestID(ctx); id != "" {
				gqlErr.Extensions["requestId"] = id
				if code == benkan.EINTERNAL {
					gqlErr.Message = "internal error (request " + id + ")"
				}
			}
		}
		return gqlErr
	}
}

// classify returns the code, client message and input field of the errors
// benkan knows, and an empty code for the others.
func classify(ctx context.Context, err error) (code, message, field string) {
	var (
		be  *benkan.Error
		ve  *ent.ValidationError
		ce  *ent.ConstraintError
		nfe *ent.NotFoundError
	)
	switch {
	case errors.As(err, &be):
		return be.Code, be.Message, be.Field
	case storage.Unavailable(err):
		// One the storage driver could not type: an error met while
		// reading rows, after the query was sent.
		return benkan.EUNAVAILABLE, "the database is unavailable right now; retry in a few seconds", ""
	case errors.As(err, &ve):
		f := fieldName(ve.Name)
		return benkan.EINVALID, fmt.Sprintf("invalid %s: it must be %s", f, fieldRule(ctx, ve.Name)), f
	case errors.As(err, &ce):
		// The driver's message names tables and constraints: say what it
		// means instead.
		if isForeignKey(ce) {
			return benkan.ENOTFOUND, "an object the input refers to does not exist", ""
		}
		return benkan.ECONFLICT, "a value that must be unique is already taken", ""
	case errors.As(err, &nfe):
		return benkan.ENOTFOUND, "not found", ""
	case ent.IsEmptyWhereInput(err):
		return benkan.EINVALID, "a filter (where, and, or, not, has…With) is empty: leave it out or give it a condition", "where"
	}
	return "", "", ""
}

// fieldRule is what a value of the ent field name must be, as ent/schema
// states it. The type is the one the mutation returns (createViolationType
// returns a ViolationType); a field name whose rule is the same in every
// type needs no type.
func fieldRule(ctx context.Context, name string) string {
	if typ := mutatedType(ctx); typ != "" {
		if r, ok := ent.FieldRule(typ, name); ok {
			return r
		}
	}
	if r, ok := ent.FieldRuleAnyType(name); ok {
		return r
	}
	return "a value that fits the field's rules (see its description in the schema)"
}

// mutatedType is the GraphQL type (an ent type) of the root field whose
// resolution met the error, or "" outside a field.
func mutatedType(ctx context.Context) string {
	var root *ast.Field
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		if fc.Field.Field != nil { // not a list element's, nor the operation's
			root = fc.Field.Field
		}
	}
	if root == nil || root.Definition == nil {
		return ""
	}
	return root.Definition.Type.Name()
}

func hasCode(e *gqlerror.Error) bool {
	_, ok := e.Extensions["code"]
	return ok
}

// fieldName turns an ent field name ("occurred_at", or "Incident.occurred_at"
// in some messages) into its GraphQL name ("occurredAt").
func fieldName(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	return benkan.GraphQLName(name)
}

func isForeignKey(ce *ent.ConstraintError) bool {
	msg := strings.ToLower(ce.Error())
	return strings.Contains(msg, "foreign key")
}

// recoverPanic logs a panic in a resolver and answers INTERNAL, with no stack
// trace in the response.
func recoverPanic(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", p, "stack", string(debug.Stack()))
		return &benkan.Error{Code: benkan.EINTERNAL, Message: "internal error"}
	}
}
