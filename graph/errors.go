package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
)

// presentError turns any error a request met into a GraphQL error with a
// stable extensions.code. Only messages written for clients (benkan.Error,
// ent's validation errors, gqlgen's parse and validation errors) reach the
// client; anything else is logged and shown as INTERNAL, so that no SQL,
// stack or stored value leaks through an error message.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		code, message, field := classify(err)
		switch {
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
		return gqlErr
	}
}

// classify returns the code, client message and input field of the errors
// benkan knows, and an empty code for the others.
func classify(err error) (code, message, field string) {
	var (
		be  *benkan.Error
		ve  *ent.ValidationError
		ce  *ent.ConstraintError
		nfe *ent.NotFoundError
	)
	switch {
	case errors.As(err, &be):
		return be.Code, be.Message, be.Field
	case errors.As(err, &ve):
		f := fieldName(ve.Name)
		return benkan.EINVALID, fmt.Sprintf("invalid %s: %s", f, reason(ve)), f
	case errors.As(err, &ce):
		// The driver's message names tables and constraints: say what it
		// means instead.
		if isForeignKey(ce) {
			return benkan.ENOTFOUND, "an object the input refers to does not exist", ""
		}
		return benkan.ECONFLICT, "a value that must be unique is already taken", ""
	case errors.As(err, &nfe):
		return benkan.ENOTFOUND, "not found", ""
	case isCursorMismatch(err):
		return benkan.EINVALID, "invalid cursor: pass a cursor from a previous page of the same query (same orderBy)", "after"
	case isEmptyPredicate(err):
		return benkan.EINVALID, "a filter (where, and, or, not, has…With) is empty: leave it out or give it a condition", "where"
	}
	return "", "", ""
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

// reason is the part of an ent validation error after the field name: the
// validator's own words, e.g. "value does not match validation".
func reason(ve *ent.ValidationError) string {
	if inner := errors.Unwrap(ve); inner != nil {
		return inner.Error()
	}
	return "invalid value"
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

// isEmptyPredicate recognises entgql's ErrEmpty<Type>WhereInput errors,
// which a client causes by sending an empty filter object.
func isEmptyPredicate(err error) bool {
	return inChain(err, func(msg string) bool { return strings.HasPrefix(msg, "ent: empty predicate ") })
}

// isCursorMismatch recognises entgql's errors for a cursor that decodes but
// does not fit the query's ordering (a cursor of another query, or forged).
func isCursorMismatch(err error) bool {
	return inChain(err, func(msg string) bool {
		return strings.HasPrefix(msg, "cursor ") && (strings.Contains(msg, "is not a slice") || strings.Contains(msg, "do not match orderBy"))
	})
}

// inChain reports whether the message of err or of an error it wraps
// satisfies match. entgql's errors have no types of their own to match.
func inChain(err error, match func(string) bool) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if match(e.Error()) {
			return true
		}
	}
	return false
}
