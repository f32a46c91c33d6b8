package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/benkan-project/benkan"
)

// testSubject stands for a name that must never appear in an error.
const testSubject = "victim-Maria-Lopez"

var testSecret = []byte("0123456789abcdef0123456789abcdef-test-secret")

// testClock is a clock the tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Now()} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testKey is a private key of a key set, with its kid.
type testKey struct {
	kid  string
	priv crypto.Signer // *rsa.PrivateKey or *ecdsa.PrivateKey
}

// The keys are made once: RSA key generation is slow.
var (
	rsaKeys = sync.OnceValue(func() []*rsa.PrivateKey {
		var keys []*rsa.PrivateKey
		for range 4 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			keys = append(keys, k)
		}
		return keys
	})
	ecKeys = sync.OnceValue(func() []*ecdsa.PrivateKey {
		var keys []*ecdsa.PrivateKey
		for range 3 {
			k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				panic(err)
			}
			keys = append(keys, k)
		}
		return keys
	})
)

func rsaKey(i int) *rsa.PrivateKey  { return rsaKeys()[i] }
func ecKey(i int) *ecdsa.PrivateKey { return ecKeys()[i] }

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwkOf returns the public JWK of k as a key set holds it.
func jwkOf(t testing.TB, k testKey) map[string]any {
	t.Helper()
	switch priv := k.priv.(type) {
	case *rsa.PrivateKey:
		return map[string]any{
			"kty": "RSA", "kid": k.kid, "use": "sig", "alg": "RS256",
			"n": b64(priv.N.Bytes()), "e": b64(big.NewInt(int64(priv.E)).Bytes()),
		}
	case *ecdsa.PrivateKey:
		point, err := priv.PublicKey.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		return map[string]any{
			"kty": "EC", "kid": k.kid, "use": "sig", "alg": "ES256", "crv": "P-256",
			"x": b64(point[1:33]), "y": b64(point[33:]),
		}
	}
	t.Fatalf("unexpected key type %T", k.priv)
	return nil
}

// jwksServer serves a key set that tests can change, and counts fetches.
type jwksServer struct {
	*httptest.Server
	fetches atomic.Int32

	mu     sync.Mutex
	doc    []byte
	status int
}

func newJWKSServer(t testing.TB, keys ...testKey) *jwksServer {
	t.Helper()
	s := &jwksServer{status: http.StatusOK}
	s.setKeys(t, keys...)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		doc, status := s.doc, s.status
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(doc)
	}))
	t.Cleanup(s.Close)
	return s
}

// setKeys makes the server serve keys from now on.
func (s *jwksServer) setKeys(t testing.TB, keys ...testKey) {
	t.Helper()
	set := map[string]any{"keys": []any{}}
	var list []any
	for _, k := range keys {
		list = append(list, jwkOf(t, k))
	}
	if list != nil {
		set["keys"] = list
	}
	doc, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	s.setDoc(doc, http.StatusOK)
}

// setDoc makes the server answer with status and doc from now on.
func (s *jwksServer) setDoc(doc []byte, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.doc, s.status = doc, status
}

// validClaims returns the claims of a token the default Config accepts at now.
func validClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss": DefaultIssuer,
		"aud": DefaultAudience,
		"sub": testSubject,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
		"jti": "test",
	}
}

// makeToken signs claims with method and key, naming kid if not empty and
// adding the extra header parameters.
func makeToken(t testing.TB, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims, extra map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	for k, v := range extra {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// hs256 returns a token signed with HS256 and secret.
func hs256(t testing.TB, secret []byte, claims jwt.MapClaims) string {
	t.Helper()
	return makeToken(t, jwt.SigningMethodHS256, secret, "", claims, nil)
}

// unsignedToken builds an `alg: none` token by hand.
func unsignedToken(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + b64(payload) + "."
}

// assertRefused fails unless err is an EUNAUTHENTICATED *benkan.Error with
// message want (any message if want is empty) that repeats neither the token
// nor the subject.
func assertRefused(t testing.TB, err error, token, want string) {
	t.Helper()
	var be *benkan.Error
	if !errors.As(err, &be) {
		t.Fatalf("error = %v (%T), want a *benkan.Error", err, err)
	}
	if be.Code != benkan.EUNAUTHENTICATED {
		t.Errorf("code = %q, want %q", be.Code, benkan.EUNAUTHENTICATED)
	}
	if want != "" && be.Message != want {
		t.Errorf("message = %q, want %q", be.Message, want)
	}
	for _, secret := range []string{token, testSubject} {
		if secret != "" && (strings.Contains(be.Message, secret) || strings.Contains(err.Error(), secret)) {
			t.Errorf("error %q repeats %q", err, secret)
		}
	}
}
