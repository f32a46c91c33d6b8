package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// newHSVerifier returns a Verifier accepting HS256 tokens signed with
// testSecret, on clock c.
func newHSVerifier(t *testing.T, c *testClock) *Verifier {
	t.Helper()
	v, err := newVerifier(t.Context(), Config{Secret: testSecret}, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerifyHS256(t *testing.T) {
	c := newTestClock()
	v := newHSVerifier(t, c)
	now := c.Now()
	otherSecret := []byte("another-secret-of-at-least-32-bytes!!")

	// with returns the valid claims changed by f.
	with := func(f func(jwt.MapClaims)) jwt.MapClaims {
		claims := validClaims(now)
		f(claims)
		return claims
	}
	valid := hs256(t, testSecret, validClaims(now))
	validParts := strings.Split(valid, ".")
	forged := hs256(t, otherSecret, with(func(c jwt.MapClaims) { c["sub"] = "admin" }))
	forgedParts := strings.Split(forged, ".")

	tests := []struct {
		name    string
		token   string
		wantErr string // empty when the token is accepted
	}{
		{"valid", valid, ""},
		{"audience among others", hs256(t, testSecret, with(func(c jwt.MapClaims) { c["aud"] = []string{"other", DefaultAudience} })), ""},
		{"expired within the leeway", hs256(t, testSecret, with(func(c jwt.MapClaims) { c["exp"] = now.Add(-10 * time.Second).Unix() })), ""},
		{"not valid yet within the leeway", hs256(t, testSecret, with(func(c jwt.MapClaims) { c["nbf"] = now.Add(10 * time.Second).Unix() })), ""},
		{"no nbf, no iat", hs256(t, testSecret, with(func(c jwt.MapClaims) { delete(c, "nbf"); delete(c, "iat") })), ""},

		{"expired", hs256(t, testSecret, with(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() })), "token expired"},
		{"not valid yet", hs256(t, testSecret, with(func(c jwt.MapClaims) { c["nbf"] = now.Add(5 * time.Minute).Unix() })), "token not valid yet"},
		{"issued in the future", hs256(t, testSecret, with(func(c jwt.MapClaims) { c["iat"] = now.Add(5 * time.Minute).Unix() })), "token issued in the future"},
		{"missing exp", hs256(t, testSecret, with(func(c jwt.MapClaims) { delete(c, "exp") })), "token has no expiry"},
		{"exp not a number", hs256(t, testSecret, with(func(c jwt.MapClaims) { c["exp"] = "tomorrow" })), "malformed token"},
		{"wrong signature", hs256(t, otherSecret, validClaims(now)), "token signature invalid"},
		{"payload of another token", validParts[0] + "." + forgedParts[1] + "." + validParts[2], "token signature invalid"},
		{"signature removed", validParts[0] + "." + validParts[1] + ".", "token signature invalid"},
		{"wrong audience", hs256(t, testSecret, with(func(c jwt.MapClaims) { c["aud"] = "other" })), "token audience not accepted"},
		{"missing audience", hs256(t, testSecret, with(func(c jwt.MapClaims) { delete(c, "aud") })), "token audience not accepted"},
		{"wrong issuer", hs256(t, testSecret, with(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })), "token issuer not accepted"},
		{"missing issuer", hs256(t, testSecret, with(func(c jwt.MapClaims) { delete(c, "iss") })), "token issuer not accepted"},
		{"empty subject", hs256(t, testSecret, with(func(c jwt.MapClaims) { c["sub"] = "" })), "token has no subject"},
		{"blank subject", hs256(t, testSecret, with(func(c jwt.MapClaims) { c["sub"] = "  " })), "token has no subject"},
		{"missing subject", hs256(t, testSecret, with(func(c jwt.MapClaims) { delete(c, "sub") })), "token has no subject"},
		{"alg none", unsignedToken(t, validClaims(now)), "signing algorithm not accepted"},
		{"alg none with the valid signature", unsignedToken(t, validClaims(now)) + validParts[2], "signing algorithm not accepted"},
		{"HS384", makeToken(t, jwt.SigningMethodHS384, testSecret, "", validClaims(now), nil), "signing algorithm not accepted"},
		{"RS256 without a key set", makeToken(t, jwt.SigningMethodRS256, rsaKey(0), "k1", validClaims(now), nil), "signing algorithm not accepted"},
		{"unknown alg", b64([]byte(`{"alg":"XX999"}`)) + "." + validParts[1] + "." + validParts[2], "signing algorithm not accepted"},
		{"no alg", b64([]byte(`{"typ":"JWT"}`)) + "." + validParts[1] + "." + validParts[2], "signing algorithm not accepted"},
		{"critical header", makeToken(t, jwt.SigningMethodHS256, testSecret, "", validClaims(now), map[string]any{"crit": []string{"b64"}, "b64": false}), "token has critical header parameters, which are not supported"},
		{"oversized", hs256(t, testSecret, with(func(c jwt.MapClaims) { c["pad"] = strings.Repeat("x", MaxTokenLen) })), "token too large"},
		{"oversized garbage", strings.Repeat("a", MaxTokenLen+1), "token too large"},
		{"empty", "", "malformed token"},
		{"one segment", "abc", "malformed token"},
		{"four segments", valid + ".x", "malformed token"},
		{"not base64", "!!.??.##", "malformed token"},
		{"header not JSON", b64([]byte("alg")) + "." + validParts[1] + "." + validParts[2], "malformed token"},
		{"payload not JSON", validParts[0] + "." + b64([]byte("sub")) + "." + validParts[2], "malformed token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, err := v.Verify(t.Context(), tt.token)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if sub != testSubject {
					t.Errorf("subject = %q, want %q", sub, testSubject)
				}
				return
			}
			if sub != "" {
				t.Errorf("subject = %q, want none", sub)
			}
			assertRefused(t, err, tt.token, tt.wantErr)
		})
	}
}

func TestVerifyConfiguredIssuerAudienceLeeway(t *testing.T) {
	c := newTestClock()
	v, err := newVerifier(t.Context(), Config{
		Secret:   testSecret,
		Issuer:   "https://id.example/realms/benkan",
		Audience: "benkan-api",
		Leeway:   2 * time.Minute,
	}, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	now := c.Now()
	claims := func(iss, aud string, exp time.Time) jwt.MapClaims {
		cl := validClaims(now)
		cl["iss"], cl["aud"], cl["exp"] = iss, aud, exp.Unix()
		return cl
	}
	tests := []struct {
		name    string
		claims  jwt.MapClaims
		wantErr string
	}{
		{"configured", claims("https://id.example/realms/benkan", "benkan-api", now.Add(time.Hour)), ""},
		{"expired within the leeway", claims("https://id.example/realms/benkan", "benkan-api", now.Add(-time.Minute)), ""},
		{"expired beyond the leeway", claims("https://id.example/realms/benkan", "benkan-api", now.Add(-3*time.Minute)), "token expired"},
		{"default issuer", claims(DefaultIssuer, "benkan-api", now.Add(time.Hour)), "token issuer not accepted"},
		{"default audience", claims("https://id.example/realms/benkan", DefaultAudience, now.Add(time.Hour)), "token audience not accepted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := hs256(t, testSecret, tt.claims)
			sub, err := v.Verify(t.Context(), token)
			if tt.wantErr == "" {
				if err != nil || sub != testSubject {
					t.Fatalf("Verify = %q, %v; want %q", sub, err, testSubject)
				}
				return
			}
			assertRefused(t, err, token, tt.wantErr)
		})
	}
}

func TestVerifyUsesItsOwnCopyOfTheSecret(t *testing.T) {
	secret := append([]byte(nil), testSecret...)
	v, err := NewVerifier(t.Context(), Config{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	token := hs256(t, testSecret, validClaims(time.Now()))
	for i := range secret {
		secret[i] = 0
	}
	if _, err := v.Verify(t.Context(), token); err != nil {
		t.Fatalf("Verify after the caller cleared its secret: %v", err)
	}
}
