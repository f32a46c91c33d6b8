package auth

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Defaults of Config, and limits on secrets and tokens.
const (
	// DefaultIssuer is the issuer required when Config.Issuer is empty.
	DefaultIssuer = "benkan"
	// DefaultAudience is the audience required when Config.Audience is empty.
	DefaultAudience = "benkan"
	// DefaultLeeway is the clock skew allowed when Config.Leeway is zero.
	DefaultLeeway = 30 * time.Second
	// MinSecretLen is the shortest HS256 secret accepted, in bytes.
	MinSecretLen = 32
	// MaxTokenLen is the longest token accepted, in bytes. Longer tokens are
	// refused before they are parsed.
	MaxTokenLen = 8 << 10
)

// jwksTimeout is the timeout of the default JWKS client, and the longest a
// JWKS fetch may take whatever client is used.
const jwksTimeout = 10 * time.Second

// Config says which tokens are accepted.
type Config struct {
	// Secret is the HS256 shared secret (BENKAN_JWT_SECRET). HS256 tokens are
	// accepted only when it is set; it must be at least MinSecretLen bytes.
	Secret []byte
	// JWKSURL is the URL of a JSON Web Key Set (BENKAN_JWKS_URL) holding the
	// keys of RS256 and ES256 tokens from an OIDC provider such as Keycloak.
	// Those algorithms are accepted only when it is set.
	JWKSURL string
	// Issuer is the required `iss` claim; DefaultIssuer when empty.
	Issuer string
	// Audience must be one of the `aud` claim; DefaultAudience when empty.
	Audience string
	// Leeway is the clock skew allowed on exp, nbf and iat; DefaultLeeway
	// when zero. It may not be negative.
	Leeway time.Duration
	// HTTPClient fetches the JWKS; when nil, a client with a 10s timeout.
	HTTPClient *http.Client
}

// withDefaults returns cfg with its empty fields set to their defaults, or
// an error if cfg cannot be used.
func (cfg Config) withDefaults() (Config, error) {
	if len(cfg.Secret) == 0 && cfg.JWKSURL == "" {
		return cfg, errors.New("auth: neither a JWT secret nor a JWKS URL is configured")
	}
	if len(cfg.Secret) > 0 && len(cfg.Secret) < MinSecretLen {
		return cfg, fmt.Errorf("auth: the JWT secret is %d bytes long, it must be at least %d", len(cfg.Secret), MinSecretLen)
	}
	if cfg.JWKSURL != "" {
		if err := checkJWKSURL(cfg.JWKSURL); err != nil {
			return cfg, err
		}
	}
	if cfg.Leeway < 0 {
		return cfg, errors.New("auth: the leeway may not be negative")
	}
	if cfg.Issuer == "" {
		cfg.Issuer = DefaultIssuer
	}
	if cfg.Audience == "" {
		cfg.Audience = DefaultAudience
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: jwksTimeout}
	}
	// Keep a copy, so that the caller cannot change the secret afterwards.
	cfg.Secret = append([]byte(nil), cfg.Secret...)
	return cfg, nil
}

// checkJWKSURL returns an error unless raw is an absolute http or https URL.
func checkJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("auth: the JWKS URL is not a valid URL")
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("auth: the JWKS URL %s is not an absolute http or https URL", u.Redacted())
	}
	return nil
}
