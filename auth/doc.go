// Package auth verifies the bearer tokens that clients send with their
// requests.
//
// A [Verifier] accepts JSON Web Tokens signed with HS256 by a shared secret
// (see [Sign], used by `benkan token` and the demo) and, when a JSON Web Key
// Set URL is configured, RS256 and ES256 tokens from an OIDC provider such as
// Keycloak. No other algorithm is ever accepted, in particular not "none".
// Every token must name the configured issuer and audience, carry an expiry
// and a subject, and be within its validity period (give or take a small
// leeway for clock skew).
//
// Every refusal is a *benkan.Error with code benkan.EUNAUTHENTICATED whose
// message says what is wrong without repeating the token or anything taken
// from it. The only other errors are internal ones (the key set could not be
// fetched), which are the server's fault, not the client's.
//
// Keys are never taken from the token: the "jku", "x5u", "jwk" and "x5c"
// headers are ignored, and the key set is fetched only from the configured
// URL.
package auth
