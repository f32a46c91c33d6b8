package auth

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/benkan-project/benkan"
)

// Verifier verifies bearer tokens against a Config. It is safe for
// concurrent use.
type Verifier struct {
	secret   []byte   // HS256 key; empty when HS256 is not accepted
	jwks     *keySet  // RS256 and ES256 keys; nil when not accepted
	methods  []string // the accepted algorithms
	issuer   string
	audience string
	leeway   time.Duration
	now      func() time.Time // time.Now but in tests
}

// NewVerifier returns a Verifier accepting the tokens cfg describes. It
// returns an error if cfg sets neither Secret nor JWKSURL, if Secret is too
// short, or if JWKSURL is set and the key set cannot be fetched or holds no
// usable key: it is fetched once here, and again only when a token names a
// key it does not hold.
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	return newVerifier(ctx, cfg, time.Now)
}

// newVerifier is NewVerifier with a clock.
func newVerifier(ctx context.Context, cfg Config, now func() time.Time) (*Verifier, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	v := &Verifier{
		secret:   cfg.Secret,
		issuer:   cfg.Issuer,
		audience: cfg.Audience,
		leeway:   cfg.Leeway,
		now:      now,
	}
	if len(cfg.Secret) > 0 {
		v.methods = append(v.methods, jwt.SigningMethodHS256.Alg())
	}
	if cfg.JWKSURL != "" {
		v.jwks, err = newKeySet(ctx, cfg.JWKSURL, cfg.HTTPClient, now())
		if err != nil {
			return nil, err
		}
		v.methods = append(v.methods, jwt.SigningMethodRS256.Alg(), jwt.SigningMethodES256.Alg())
	}
	return v, nil
}

// Verify checks token and returns its subject (the `sub` claim). A token
// that is refused yields a *benkan.Error with code benkan.EUNAUTHENTICATED
// whose message does not repeat the token. Any other error is internal: the
// key set could not be fetched again to look for the token's key.
//
// ctx is used only for fetching the key set; that fetch is not canceled
// with ctx.
func (v *Verifier) Verify(ctx context.Context, token string) (subject string, err error) {
	if len(token) > MaxTokenLen {
		return "", refusal(errTooLarge)
	}
	if token == "" {
		return "", refusal(errMalformed)
	}
	var (
		claims   jwt.RegisteredClaims
		internal error
	)
	parsed, err := jwt.ParseWithClaims(token, &claims, v.keyFunc(ctx, &internal), v.parserOptions()...)
	if internal != nil {
		return "", internal
	}
	if err != nil {
		return "", v.refusalFor(parsed, &claims, err)
	}
	if strings.TrimSpace(claims.Subject) == "" {
		return "", refusal(errNoSubject)
	}
	return claims.Subject, nil
}

// parserOptions are the rules every token must follow.
func (v *Verifier) parserOptions() []jwt.ParserOption {
	return []jwt.ParserOption{
		jwt.WithValidMethods(v.methods),
		jwt.WithIssuer(v.issuer),
		jwt.WithAudience(v.audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(v.leeway),
		jwt.WithTimeFunc(v.now),
		jwt.WithStrictDecoding(),
	}
}

// keyFunc returns the function giving the parser the key of a token. The
// key depends on the algorithm only: the secret for HS256 and a key of the
// key set for RS256 and ES256, so that a key is never used with another
// algorithm than its own. If the key set cannot be fetched, the error is
// also stored in *internal.
func (v *Verifier) keyFunc(ctx context.Context, internal *error) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		if _, ok := t.Header["crit"]; ok {
			return nil, refusal(errCritical)
		}
		switch t.Method {
		case jwt.SigningMethodHS256:
			if len(v.secret) == 0 {
				return nil, refusal(errAlgorithm)
			}
			return v.secret, nil
		case jwt.SigningMethodRS256, jwt.SigningMethodES256:
			if v.jwks == nil {
				return nil, refusal(errAlgorithm)
			}
			return v.jwksKey(ctx, t, internal)
		default:
			return nil, refusal(errAlgorithm)
		}
	}
}

// jwksKey returns the key of the key set that may verify t.
func (v *Verifier) jwksKey(ctx context.Context, t *jwt.Token, internal *error) (any, error) {
	var kid string
	if raw, ok := t.Header["kid"]; ok {
		if kid, ok = raw.(string); !ok {
			return nil, refusal(errMalformed)
		}
	}
	keys, err := v.jwks.lookup(ctx, kid, t.Method.Alg(), v.now())
	if err != nil {
		*internal = err
		return nil, err
	}
	switch len(keys) {
	case 0:
		return nil, refusal(errUnknownKey)
	case 1:
		return keys[0].key, nil
	}
	set := jwt.VerificationKeySet{}
	for _, k := range keys {
		set.Keys = append(set.Keys, k.key)
	}
	return set, nil
}

// refusalFor turns an error of the parser into the refusal shown to the
// client. The parser's own messages are not shown: they are not written for
// clients.
func (v *Verifier) refusalFor(parsed *jwt.Token, claims *jwt.RegisteredClaims, err error) *benkan.Error {
	var be *benkan.Error
	if errors.As(err, &be) { // from keyFunc
		return be
	}
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return refusal(errMalformed)
	case parsed == nil || parsed.Method == nil || !v.accepts(parsed.Method.Alg()):
		return refusal(errAlgorithm)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return refusal(errSignature)
	case errors.Is(err, jwt.ErrTokenExpired):
		return refusal(errExpired)
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return refusal(errNotValidYet)
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return refusal(errIssuedInFuture)
	case claims.ExpiresAt == nil:
		return refusal(errNoExpiry)
	case errors.Is(err, jwt.ErrTokenInvalidIssuer) || claims.Issuer == "":
		return refusal(errIssuer)
	case errors.Is(err, jwt.ErrTokenInvalidAudience) || len(claims.Audience) == 0:
		return refusal(errAudience)
	}
	return refusal(errInvalid)
}

// accepts reports whether tokens signed with alg are accepted.
func (v *Verifier) accepts(alg string) bool {
	for _, m := range v.methods {
		if m == alg {
			return true
		}
	}
	return false
}
