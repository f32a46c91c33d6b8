package auth

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestSign(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name     string
		secret   []byte
		issuer   string
		audience string
		subject  string
		ttl      time.Duration
		wantErr  string // a part of the error; empty when Sign succeeds
	}{
		{"valid", testSecret, DefaultIssuer, DefaultAudience, testSubject, time.Hour, ""},
		{"short secret", testSecret[:31], DefaultIssuer, DefaultAudience, testSubject, time.Hour, "at least 32 bytes"},
		{"no issuer", testSecret, "", DefaultAudience, testSubject, time.Hour, "issuer"},
		{"no audience", testSecret, DefaultIssuer, "", testSubject, time.Hour, "audience"},
		{"no subject", testSecret, DefaultIssuer, DefaultAudience, "", time.Hour, "subject"},
		{"zero ttl", testSecret, DefaultIssuer, DefaultAudience, testSubject, 0, "positive"},
		{"negative ttl", testSecret, DefaultIssuer, DefaultAudience, testSubject, -time.Hour, "positive"},
		{"too large", testSecret, DefaultIssuer, DefaultAudience, strings.Repeat("s", MaxTokenLen), time.Hour, "bytes long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, err := Sign(tt.secret, tt.issuer, tt.audience, tt.subject, tt.ttl, now)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Sign error = %v, want one containing %q", err, tt.wantErr)
				}
				if token != "" {
					t.Errorf("Sign returned a token with the error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			var claims jwt.RegisteredClaims
			parsed, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return tt.secret, nil },
				jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return now }))
			if err != nil {
				t.Fatalf("parsing the signed token: %v", err)
			}
			if parsed.Header["alg"] != "HS256" {
				t.Errorf("alg = %v, want HS256", parsed.Header["alg"])
			}
			if claims.Issuer != tt.issuer || claims.Subject != tt.subject ||
				len(claims.Audience) != 1 || claims.Audience[0] != tt.audience {
				t.Errorf("claims = %+v", claims)
			}
			sec := now.Truncate(time.Second)
			if !claims.IssuedAt.Equal(sec) || !claims.NotBefore.Equal(sec) || !claims.ExpiresAt.Equal(sec.Add(tt.ttl)) {
				t.Errorf("iat, nbf, exp = %v, %v, %v; want %v, %v, %v", claims.IssuedAt, claims.NotBefore, claims.ExpiresAt, sec, sec, sec.Add(tt.ttl))
			}
			if len(claims.ID) < 16 {
				t.Errorf("jti = %q, want a random ID", claims.ID)
			}
		})
	}
}

func TestSignedTokenVerifies(t *testing.T) {
	c := newTestClock()
	v := newHSVerifier(t, c)
	token, err := Sign(testSecret, DefaultIssuer, DefaultAudience, testSubject, time.Hour, c.Now())
	if err != nil {
		t.Fatal(err)
	}
	if sub, err := v.Verify(t.Context(), token); err != nil || sub != testSubject {
		t.Fatalf("Verify = %q, %v; want %q", sub, err, testSubject)
	}
	c.Advance(time.Hour + time.Minute)
	_, err = v.Verify(t.Context(), token)
	assertRefused(t, err, token, "token expired")
}

func TestSignUsesFreshIDs(t *testing.T) {
	now := time.Now()
	a, err := Sign(testSecret, DefaultIssuer, DefaultAudience, testSubject, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Sign(testSecret, DefaultIssuer, DefaultAudience, testSubject, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Error("two tokens signed alike are equal: jti is not random")
	}
}

func TestRandomSecret(t *testing.T) {
	a, b := RandomSecret(), RandomSecret()
	if len(a) != 32 || len(b) != 32 {
		t.Fatalf("lengths = %d, %d; want 32", len(a), len(b))
	}
	if bytes.Equal(a, b) {
		t.Error("two random secrets are equal")
	}
	if _, err := NewVerifier(t.Context(), Config{Secret: a}); err != nil {
		t.Errorf("NewVerifier with a random secret: %v", err)
	}
}
