package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/benkan-project/benkan"
)

// newJWKSVerifier returns a Verifier using the key set served by s, on
// clock c, and the HS256 secret if given.
func newJWKSVerifier(t *testing.T, s *jwksServer, c *testClock, secret []byte) *Verifier {
	t.Helper()
	v, err := newVerifier(t.Context(), Config{JWKSURL: s.URL, Secret: secret}, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerifyJWKS(t *testing.T) {
	c := newTestClock()
	now := c.Now()
	rsa1 := testKey{"rsa-1", rsaKey(0)}
	ec1 := testKey{"ec-1", ecKey(0)}
	rsa2 := testKey{"rsa-2", rsaKey(2)}
	s := newJWKSServer(t, rsa1, ec1, rsa2)
	jwksOnly := newJWKSVerifier(t, s, c, nil)
	both := newJWKSVerifier(t, s, c, testSecret)

	pubDER, err := x509.MarshalPKIXPublicKey(&rsaKey(0).PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	pkcs1PEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&rsaKey(0).PublicKey)})

	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}

	// attacker serves a key set of the attacker's: it must never be asked.
	var attackerHits atomic.Int32
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attackerHits.Add(1)
		fmt.Fprintf(w, `{"keys":[{"kty":"RSA","kid":"evil","n":%q,"e":"AQAB"}]}`, b64(rsaKey(3).N.Bytes()))
	}))
	defer attacker.Close()

	tests := []struct {
		name     string
		verifier *Verifier
		token    string
		wantErr  string // empty when the token is accepted
	}{
		{"RS256", jwksOnly, makeToken(t, jwt.SigningMethodRS256, rsa1.priv, rsa1.kid, validClaims(now), nil), ""},
		{"ES256", jwksOnly, makeToken(t, jwt.SigningMethodES256, ec1.priv, ec1.kid, validClaims(now), nil), ""},
		{"RS256 without kid", jwksOnly, makeToken(t, jwt.SigningMethodRS256, rsa1.priv, "", validClaims(now), nil), ""},
		{"RS256 without kid by the second RSA key", jwksOnly, makeToken(t, jwt.SigningMethodRS256, rsa2.priv, "", validClaims(now), nil), ""},
		{"ES256 without kid", jwksOnly, makeToken(t, jwt.SigningMethodES256, ec1.priv, "", validClaims(now), nil), ""},
		{"RS256 with a secret too", both, makeToken(t, jwt.SigningMethodRS256, rsa1.priv, rsa1.kid, validClaims(now), nil), ""},
		{"HS256 with a key set too", both, hs256(t, testSecret, validClaims(now)), ""},

		{"RS256 by another key with the same kid", jwksOnly, makeToken(t, jwt.SigningMethodRS256, rsaKey(1), rsa1.kid, validClaims(now), nil), "token signature invalid"},
		{"ES256 by another key with the same kid", jwksOnly, makeToken(t, jwt.SigningMethodES256, ecKey(1), ec1.kid, validClaims(now), nil), "token signature invalid"},
		{"RS256 by another key without kid", jwksOnly, makeToken(t, jwt.SigningMethodRS256, rsaKey(1), "", validClaims(now), nil), "token signature invalid"},
		{"RS256 naming the EC key", jwksOnly, makeToken(t, jwt.SigningMethodRS256, rsa1.priv, ec1.kid, validClaims(now), nil), "token signing key unknown"},
		{"kid not a string", jwksOnly, makeToken(t, jwt.SigningMethodRS256, rsa1.priv, "", validClaims(now), map[string]any{"kid": 7}), "malformed token"},
		{"RS256 expired", jwksOnly, makeToken(t, jwt.SigningMethodRS256, rsa1.priv, rsa1.kid, jwt.MapClaims{"iss": DefaultIssuer, "aud": DefaultAudience, "sub": testSubject, "exp": now.Add(-time.Hour).Unix()}, nil), "token expired"},
		{"ES256 wrong audience", jwksOnly, makeToken(t, jwt.SigningMethodES256, ec1.priv, ec1.kid, jwt.MapClaims{"iss": DefaultIssuer, "aud": "account", "sub": testSubject, "exp": now.Add(time.Hour).Unix()}, nil), "token audience not accepted"},
		{"RS256 with jku to the attacker's key set", jwksOnly, makeToken(t, jwt.SigningMethodRS256, rsaKey(3), "evil", validClaims(now), map[string]any{"jku": attacker.URL, "x5u": attacker.URL}), "token signing key unknown"},
		{"RS256 with the attacker's embedded jwk", jwksOnly, makeToken(t, jwt.SigningMethodRS256, rsaKey(3), "", validClaims(now), map[string]any{"jwk": map[string]any{"kty": "RSA", "n": b64(rsaKey(3).N.Bytes()), "e": "AQAB"}}), "token signature invalid"},
		{"RS512", jwksOnly, makeToken(t, jwt.SigningMethodRS512, rsa1.priv, rsa1.kid, validClaims(now), nil), "signing algorithm not accepted"},
		{"PS256", jwksOnly, makeToken(t, jwt.SigningMethodPS256, rsa1.priv, rsa1.kid, validClaims(now), nil), "signing algorithm not accepted"},
		{"ES384", jwksOnly, makeToken(t, jwt.SigningMethodES384, p384, ec1.kid, validClaims(now), nil), "signing algorithm not accepted"},
		{"alg none", jwksOnly, unsignedToken(t, validClaims(now)), "signing algorithm not accepted"},

		// Algorithm confusion: the RSA public key used as an HMAC secret.
		{"HS256 when only a key set is configured", jwksOnly, hs256(t, testSecret, validClaims(now)), "signing algorithm not accepted"},
		{"HS256 by the PEM public key", jwksOnly, makeToken(t, jwt.SigningMethodHS256, pubPEM, rsa1.kid, validClaims(now), nil), "signing algorithm not accepted"},
		{"HS256 by the PKCS#1 PEM public key", jwksOnly, makeToken(t, jwt.SigningMethodHS256, pkcs1PEM, rsa1.kid, validClaims(now), nil), "signing algorithm not accepted"},
		{"HS256 by the DER public key", jwksOnly, makeToken(t, jwt.SigningMethodHS256, pubDER, rsa1.kid, validClaims(now), nil), "signing algorithm not accepted"},
		{"HS256 by the modulus", jwksOnly, makeToken(t, jwt.SigningMethodHS256, rsaKey(0).N.Bytes(), rsa1.kid, validClaims(now), nil), "signing algorithm not accepted"},
		{"HS256 by the PEM public key, secret configured", both, makeToken(t, jwt.SigningMethodHS256, pubPEM, rsa1.kid, validClaims(now), nil), "token signature invalid"},
		{"HS256 by the DER public key, secret configured", both, makeToken(t, jwt.SigningMethodHS256, pubDER, rsa1.kid, validClaims(now), nil), "token signature invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, err := tt.verifier.Verify(t.Context(), tt.token)
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
	if n := attackerHits.Load(); n != 0 {
		t.Errorf("the URL named by a token was fetched %d times", n)
	}
	// Each verifier fetched the set once, at start; nothing here was worth
	// another fetch within the minute.
	if n := s.fetches.Load(); n != 2 {
		t.Errorf("JWKS fetches = %d, want 2", n)
	}
}

func TestJWKSRotation(t *testing.T) {
	c := newTestClock()
	k1 := testKey{"k1", rsaKey(0)}
	k2 := testKey{"k2", ecKey(0)}
	k3 := testKey{"k3", rsaKey(1)}
	s := newJWKSServer(t, k1)
	v := newJWKSVerifier(t, s, c, nil)

	sign := func(k testKey) string {
		method := jwt.SigningMethod(jwt.SigningMethodRS256)
		if k.kid == k2.kid {
			method = jwt.SigningMethodES256
		}
		return makeToken(t, method, k.priv, k.kid, validClaims(c.Now()), nil)
	}
	wantFetches := func(want int32) {
		t.Helper()
		if n := s.fetches.Load(); n != want {
			t.Fatalf("JWKS fetches = %d, want %d", n, want)
		}
	}
	accept := func(token string) {
		t.Helper()
		if sub, err := v.Verify(t.Context(), token); err != nil || sub != testSubject {
			t.Fatalf("Verify = %q, %v; want %q", sub, err, testSubject)
		}
	}
	refuse := func(token string) {
		t.Helper()
		_, err := v.Verify(t.Context(), token)
		assertRefused(t, err, token, "token signing key unknown")
	}

	wantFetches(1) // at start
	accept(sign(k1))
	wantFetches(1)

	// The provider rotates to k2. Within a minute of the last fetch, the
	// unknown kid is not worth a fetch.
	s.setKeys(t, k2)
	c.Advance(30 * time.Second)
	refuse(sign(k2))
	wantFetches(1)

	// A minute after the last fetch, the unknown kid makes one fetch.
	c.Advance(31 * time.Second)
	accept(sign(k2))
	wantFetches(2)
	accept(sign(k2))
	wantFetches(2)

	// k1 is gone from the set, and asking for it again fetches nothing.
	refuse(sign(k1))
	wantFetches(2)

	// Many requests naming unknown keys at once make one fetch in all.
	c.Advance(2 * time.Minute)
	tokens := make([]string, 50)
	for i := range tokens {
		tokens[i] = makeToken(t, jwt.SigningMethodRS256, k3.priv, fmt.Sprintf("unknown-%d", i), validClaims(c.Now()), nil)
	}
	errs := make([]error, len(tokens))
	var wg sync.WaitGroup
	for i, token := range tokens {
		wg.Go(func() { _, errs[i] = v.Verify(t.Context(), token) })
	}
	wg.Wait()
	for i, err := range errs {
		assertRefused(t, err, tokens[i], "token signing key unknown")
	}
	wantFetches(3)
	accept(sign(k2))

	// The next rotation is picked up too, even by a request whose client
	// has hung up: the fetch it starts is not canceled with it.
	s.setKeys(t, k2, k3)
	c.Advance(time.Minute)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	token := sign(k3)
	if sub, err := v.Verify(ctx, token); err != nil || sub != testSubject {
		t.Fatalf("Verify with a canceled context = %q, %v; want %q", sub, err, testSubject)
	}
	wantFetches(4)
}

func TestJWKSRefetchFailure(t *testing.T) {
	c := newTestClock()
	k1 := testKey{"k1", rsaKey(0)}
	k2 := testKey{"k2", rsaKey(1)}
	s := newJWKSServer(t, k1)
	v := newJWKSVerifier(t, s, c, nil)

	s.setDoc([]byte("upstream down"), http.StatusBadGateway)
	c.Advance(2 * time.Minute)

	// The failed fetch is the server's fault: an internal error.
	token := makeToken(t, jwt.SigningMethodRS256, k2.priv, k2.kid, validClaims(c.Now()), nil)
	_, err := v.Verify(t.Context(), token)
	var be *benkan.Error
	if err == nil || errors.As(err, &be) || benkan.ErrorCode(err) != benkan.EINTERNAL {
		t.Fatalf("Verify during an outage = %v, want an internal error", err)
	}
	if s.fetches.Load() != 2 {
		t.Fatalf("JWKS fetches = %d, want 2", s.fetches.Load())
	}

	// The keys already known still work, and the failure counts against
	// the rate limit: no new fetch within the minute.
	if _, err := v.Verify(t.Context(), makeToken(t, jwt.SigningMethodRS256, k1.priv, k1.kid, validClaims(c.Now()), nil)); err != nil {
		t.Fatalf("Verify with a known key during an outage: %v", err)
	}
	_, err = v.Verify(t.Context(), token)
	assertRefused(t, err, token, "token signing key unknown")
	if s.fetches.Load() != 2 {
		t.Fatalf("JWKS fetches = %d, want 2", s.fetches.Load())
	}

	// Once the provider is back, the new key is found.
	s.setKeys(t, k1, k2)
	c.Advance(time.Minute)
	if _, err := v.Verify(t.Context(), token); err != nil {
		t.Fatalf("Verify after the outage: %v", err)
	}
	// A key set without usable keys is a failure too, and keeps the old keys.
	s.setDoc([]byte(`{"keys":[]}`), http.StatusOK)
	c.Advance(time.Minute)
	other := makeToken(t, jwt.SigningMethodRS256, rsaKey(2), "k9", validClaims(c.Now()), nil)
	if _, err := v.Verify(t.Context(), other); benkan.ErrorCode(err) != benkan.EINTERNAL {
		t.Fatalf("Verify with an empty key set served = %v, want an internal error", err)
	}
	if _, err := v.Verify(t.Context(), token); err != nil {
		t.Fatalf("Verify with a known key after an empty key set was served: %v", err)
	}
}
