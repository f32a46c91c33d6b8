package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Sign makes an HS256 token for subject valid for ttl from now, with the
// claims iss, aud, sub, iat, nbf, exp and a random jti. Used by
// `benkan token` and the demo. It returns an error if secret is shorter than
// MinSecretLen, if issuer, audience or subject is empty, if ttl is not
// positive, or if the token would be longer than MaxTokenLen.
func Sign(secret []byte, issuer, audience, subject string, ttl time.Duration, now time.Time) (string, error) {
	switch {
	case len(secret) < MinSecretLen:
		return "", fmt.Errorf("auth: the secret must be at least %d bytes long", MinSecretLen)
	case issuer == "":
		return "", errors.New("auth: the issuer is empty")
	case audience == "":
		return "", errors.New("auth: the audience is empty")
	case subject == "":
		return "", errors.New("auth: the subject is empty")
	case ttl <= 0:
		return "", errors.New("auth: the lifetime of a token must be positive")
	}
	claims := jwt.RegisteredClaims{
		Issuer:    issuer,
		Subject:   subject,
		Audience:  jwt.ClaimStrings{audience},
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		NotBefore: jwt.NewNumericDate(now),
		IssuedAt:  jwt.NewNumericDate(now),
		ID:        randomID(),
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("auth: signing the token: %w", err)
	}
	if len(token) > MaxTokenLen {
		return "", fmt.Errorf("auth: the token would be %d bytes long, more than the %d accepted", len(token), MaxTokenLen)
	}
	return token, nil
}

// randomID returns a random token ID of 128 bits.
func randomID() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails: it crashes the program instead
	return base64.RawURLEncoding.EncodeToString(b)
}

// RandomSecret returns 32 random bytes, a secret for development (demo
// mode): tokens signed with it are worthless once the process ends.
func RandomSecret() []byte {
	b := make([]byte, MinSecretLen)
	rand.Read(b) // never fails: it crashes the program instead
	return b
}
