package benkan

import (
	"errors"
	"fmt"
)

// Error codes. They are stable: clients match on them (they reach GraphQL
// clients as `extensions.code`), so a code is never renamed or reused.
const (
	EINVALID         = "BAD_USER_INPUT"  // the input is malformed or breaks a rule of the data model
	ENOTFOUND        = "NOT_FOUND"       // no such object, or one the caller may not see
	ECONFLICT        = "CONFLICT"        // the change would duplicate a unique value
	EFORBIDDEN       = "FORBIDDEN"       // the caller may not do this
	EUNAUTHENTICATED = "UNAUTHENTICATED" // no valid credentials
	EINTERNAL        = "INTERNAL"        // a fault of benkan's, logged; nothing of it is shown
	EUNAVAILABLE     = "UNAVAILABLE"     // the database cannot serve now (down, starting, busy): retry later; HTTP 503

	EBADREQUEST = "BAD_REQUEST"               // the HTTP request is not a GraphQL request (bad JSON, method, content type)
	ETOOLARGE   = "REQUEST_TOO_LARGE"         // the request body is over the size limit
	ETOOCOMPLEX = "COMPLEXITY_LIMIT_EXCEEDED" // the query would cost more than the limit
	ETOODEEP    = "QUERY_TOO_DEEP"            // the query nests deeper than the limit

	// Limits on the shape of a request, each checked before anything runs;
	// the error's extensions.limit carries the limit's value.
	ETOOMANYALIASES       = "TOO_MANY_ALIASES"          // more aliased fields than the limit (fragments counted at each spread)
	ETOOMANYROOTFIELDS    = "TOO_MANY_ROOT_FIELDS"      // more top-level fields than the limit
	ETOOMANYSPREADS       = "TOO_MANY_FRAGMENT_SPREADS" // more fragment spreads than the limit (those inside fragments counted at each spread)
	EINTROSPECTIONREPEATS = "INTROSPECTION_REPEATED"    // an introspection list field (__schema, __Type.fields…) asked for more than once
	ETOOMANYREPEATS       = "TOO_MANY_FIELD_REPEATS"    // one response key selected more often than the limit in one selection set (inline fragments included)
	EINPUTTOODEEP         = "INPUT_TOO_DEEP"            // an argument or variable nests objects and lists deeper than the limit
	ETOOMANYVALUES        = "TOO_MANY_INPUT_VALUES"     // the arguments and variables hold more values than the limit
	ELISTTOOLONG          = "LIST_TOO_LONG"             // an input list is longer than the limit
	ESTRINGTOOLONG        = "STRING_TOO_LONG"           // an input string is longer than the limit, in bytes
	EPATTERNTOOLONG       = "PATTERN_TOO_LONG"          // a Contains/HasPrefix/HasSuffix/EqualFold/ContainsFold value is longer than the limit

	ETIMEOUT     = "TIMEOUT"      // the request ran past its deadline and was cancelled, SQL included
	ERATELIMITED = "RATE_LIMITED" // the caller sent more requests than its rate limit allows; retry after the Retry-After header's seconds

	ETOOMANYIMPACTS = "TOO_MANY_IMPACTS" // more proposals' impacts in one request than the limit (each runs COUNT statements); ask one proposal at a time
)

// Error is an error benkan can show to a client as it is: its message was
// written for that client and reveals nothing the client may not know.
// Errors of any other type are internal and shown as EINTERNAL only.
type Error struct {
	// Code is one of the E* constants.
	Code string
	// Message is for humans.
	Message string
	// Field names the input field at fault, if one is.
	Field string
	// Err is the cause, for the server's log only: it is never shown to
	// the client (an EUNAVAILABLE error keeps the driver's error here).
	Err error
}

// Unwrap returns the cause, so that errors.Is and errors.As see through.
func (e *Error) Unwrap() error { return e.Err }

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (field %s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an EINVALID *Error about one input field.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is or wraps an *Error, and EINTERNAL otherwise.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of err if it is or wraps an *Error,
// which may be shown to a client, and "internal error" otherwise.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
