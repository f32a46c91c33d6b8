package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"

	"github.com/benkan-project/benkan/audit"
	"github.com/benkan-project/benkan/auth"
)

// Secrets come from the environment only, never from flags (which other
// users of the machine can read in the process list) or from files in the
// repository.
const (
	envJWTSecret    = "BENKAN_JWT_SECRET"
	envPseudonymKey = "BENKAN_PSEUDONYM_KEY"
	envAuditKey     = "BENKAN_AUDIT_KEY"
)

// useAuditKey gives package audit the key of BENKAN_AUDIT_KEY (none when
// it is unset: plain SHA-256), for every command: the server and the
// commands that change the policy append to the trail, `audit verify`
// checks it, and all must hash alike.
func useAuditKey() error {
	var key []byte
	if s := os.Getenv(envAuditKey); s != "" {
		key = []byte(s)
	}
	if err := audit.SetKey(key); err != nil {
		return fmt.Errorf("%s: %w", envAuditKey, err)
	}
	return nil
}

// authFlags registers the flags of token verification.
func authFlags(fs *flag.FlagSet) *auth.Config {
	cfg := &auth.Config{}
	fs.StringVar(&cfg.JWKSURL, "jwks-url", "", "URL of the JSON Web Key Set of an OIDC provider (RS256/ES256 tokens), e.g. Keycloak's .../protocol/openid-connect/certs")
	fs.StringVar(&cfg.Issuer, "jwt-issuer", auth.DefaultIssuer, "required iss claim of tokens")
	fs.StringVar(&cfg.Audience, "jwt-audience", auth.DefaultAudience, "required aud claim of tokens")
	return cfg
}

// jwtSecret reads BENKAN_JWT_SECRET.
func jwtSecret() ([]byte, error) {
	s := os.Getenv(envJWTSecret)
	if s == "" {
		return nil, nil
	}
	if len(s) < auth.MinSecretLen {
		return nil, fmt.Errorf("%s must be at least %d bytes", envJWTSecret, auth.MinSecretLen)
	}
	return []byte(s), nil
}

// pseudonymKey reads BENKAN_PSEUDONYM_KEY, or derives a key from the JWT
// secret when it is not set, so that pseudonyms stay stable as long as the
// configuration does.
func pseudonymKey(secret []byte) ([]byte, error) {
	if s := os.Getenv(envPseudonymKey); s != "" {
		if len(s) < 32 {
			return nil, fmt.Errorf("%s must be at least 32 bytes", envPseudonymKey)
		}
		return []byte(s), nil
	}
	if secret == nil {
		return nil, fmt.Errorf("set %s (or %s) so that actors' pseudonyms are stable", envPseudonymKey, envJWTSecret)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("benkan pseudonym key v1"))
	return mac.Sum(nil), nil
}
