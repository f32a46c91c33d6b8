package auth

import "github.com/benkan-project/benkan"

// The refusals Verify and BearerToken return. Their messages repeat nothing
// of the token, so they are safe to show to anyone.
var (
	errMalformed       = unauthenticated("malformed token")
	errTooLarge        = unauthenticated("token too large")
	errAlgorithm       = unauthenticated("signing algorithm not accepted")
	errSignature       = unauthenticated("token signature invalid")
	errUnknownKey      = unauthenticated("token signing key unknown")
	errExpired         = unauthenticated("token expired")
	errNotValidYet     = unauthenticated("token not valid yet")
	errIssuedInFuture  = unauthenticated("token issued in the future")
	errNoExpiry        = unauthenticated("token has no expiry")
	errAudience        = unauthenticated("token audience not accepted")
	errIssuer          = unauthenticated("token issuer not accepted")
	errNoSubject       = unauthenticated("token has no subject")
	errCritical        = unauthenticated("token has critical header parameters, which are not supported")
	errInvalid         = unauthenticated("token not accepted")
	errHeaderMalformed = unauthenticated(`authorization header must be "Bearer <token>"`)
	errScheme          = unauthenticated("authorization scheme not supported, use Bearer")
	errBearerMalformed = unauthenticated("malformed bearer token")
)

// unauthenticated returns an EUNAUTHENTICATED error with a fixed message.
func unauthenticated(msg string) *benkan.Error {
	return &benkan.Error{Code: benkan.EUNAUTHENTICATED, Message: msg}
}

// refusal returns a fresh copy of one of the errors above, so that callers
// who modify the error they get (to set Field, say) cannot change the
// package's own.
func refusal(e *benkan.Error) *benkan.Error {
	c := *e
	return &c
}
