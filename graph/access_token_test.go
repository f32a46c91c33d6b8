package graph_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/auth"
	"github.com/benkan-project/benkan/graph"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/server"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// accStartWithSecret starts the same server as apitest.Start (real policy
// engine, verifier, GraphQL and HTTP layers) but with a secret the test
// knows: apitest keeps its secret to itself, and expired or wrongly
// addressed tokens can only be made with the server's secret.
func accStartWithSecret(t *testing.T, db *storage.DB, secret []byte) *apitest.Server {
	t.Helper()
	ctx := context.Background()
	engine := policy.NewEngine(db.Client)
	policies, err := store.OpenFor(ctx, db, engine, nil)
	if err != nil {
		t.Fatalf("policy store: %v", err)
	}
	verifier, err := auth.NewVerifier(ctx, auth.Config{Secret: secret})
	if err != nil {
		t.Fatalf("verifier: %v", err)
	}
	if err := db.Client.User.Create().SetSubject(apitest.Admin).SetDisplayName("Test admin").Exec(policy.SystemContext(ctx)); err != nil {
		t.Fatalf("create admin: %v", err)
	}
	if err := policies.EnsureAssigned(store.AsOperator(ctx, "test"), "test admin", []store.Assignment{{Subject: apitest.Admin, Role: "admin", Domain: "*"}}); err != nil {
		t.Fatalf("assign admin: %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := server.Handler(server.Config{
		GraphQL:  graph.NewServer(db.Client, graph.Config{Introspection: true, Logger: log, PseudonymKey: auth.RandomSecret(), Policy: policies}),
		Verifier: verifier,
		Viewers:  engine,
		Ready:    db.Ping,
		Logger:   log,
	})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &apitest.Server{URL: ts.URL, DB: db, Engine: engine, Policy: policies}
}

// accClaims are valid claims for subject, changed by f.
func accClaims(subject string, f func(jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{
		"iss": auth.DefaultIssuer, "aud": auth.DefaultAudience, "sub": subject,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	if f != nil {
		f(c)
	}
	return c
}

func accSign(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return s
}

func accB64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestAccessTokens checks that a request with a token that is not valid
// is refused whole with 401 UNAUTHENTICATED, never treated as anonymous,
// and that without a token only the schema can be read.
func TestAccessTokens(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		secret := auth.RandomSecret()
		srv := accStartWithSecret(t, db, secret)
		other := auth.RandomSecret()
		rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		valid := accSign(t, jwt.SigningMethodHS256, secret, accClaims(apitest.Admin, nil))
		parts := strings.Split(valid, ".")
		forged := strings.Split(accSign(t, jwt.SigningMethodHS256, other, accClaims("someone-else", nil)), ".")
		none, err := jwt.NewWithClaims(jwt.SigningMethodNone, accClaims(apitest.Admin, nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		const data = `{ incidents(first: 5) { totalCount edges { node { id summary narrative } } } }`
		const schema = `{ __schema { queryType { name } } }`

		t.Run("valid token", func(t *testing.T) {
			srv.WithToken(valid).Query(t, data, nil).OK(t, nil)
		})

		bad := []struct{ name, token string }{
			{"expired", accSign(t, jwt.SigningMethodHS256, secret, accClaims(apitest.Admin, func(c jwt.MapClaims) {
				c["exp"] = time.Now().Add(-10 * time.Minute).Unix()
				c["iat"], c["nbf"] = time.Now().Add(-time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
			}))},
			{"signed with another secret", accSign(t, jwt.SigningMethodHS256, other, accClaims(apitest.Admin, nil))},
			{"alg none", none},
			{"alg none with the signature of a valid token", none + parts[2]},
			{"unknown subject", accSign(t, jwt.SigningMethodHS256, secret, accClaims("nobody-at-all", nil))},
			{"wrong audience", accSign(t, jwt.SigningMethodHS256, secret, accClaims(apitest.Admin, func(c jwt.MapClaims) { c["aud"] = "another-api" }))},
			{"no audience", accSign(t, jwt.SigningMethodHS256, secret, accClaims(apitest.Admin, func(c jwt.MapClaims) { delete(c, "aud") }))},
			{"wrong issuer", accSign(t, jwt.SigningMethodHS256, secret, accClaims(apitest.Admin, func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }))},
			{"not valid yet", accSign(t, jwt.SigningMethodHS256, secret, accClaims(apitest.Admin, func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() }))},
			{"no expiry", accSign(t, jwt.SigningMethodHS256, secret, accClaims(apitest.Admin, func(c jwt.MapClaims) { delete(c, "exp") }))},
			{"no subject", accSign(t, jwt.SigningMethodHS256, secret, accClaims("", nil))},
			{"HS384 with the right secret", accSign(t, jwt.SigningMethodHS384, secret, accClaims(apitest.Admin, nil))},
			{"RS256", accSign(t, jwt.SigningMethodRS256, rsaKey, accClaims(apitest.Admin, nil))},
			{"payload of another token", parts[0] + "." + forged[1] + "." + parts[2]},
			{"admin payload in a forged token", forged[0] + "." + parts[1] + "." + forged[2]},
			{"header claims none on a valid token", accB64(map[string]string{"alg": "none", "typ": "JWT"}) + "." + parts[1] + "." + parts[2]},
			{"signature removed", parts[0] + "." + parts[1] + "."},
			{"malformed", "not-a-token"},
			{"two segments", parts[0] + "." + parts[1]},
		}
		for _, b := range bad {
			t.Run(b.name, func(t *testing.T) {
				for _, q := range []string{data, schema, `mutation { createLocality(input: {name: "X", level: COMMUNE}) { id } }`} {
					resp := srv.WithToken(b.token).Query(t, q, nil)
					if resp.Status != http.StatusUnauthorized {
						t.Errorf("%s: status %d, want 401: %s", q, resp.Status, resp.Body)
					}
					e := resp.Code(t, "UNAUTHENTICATED")
					if d := strings.TrimSpace(string(resp.Data)); d != "" && d != "null" {
						t.Errorf("data %s", d)
					}
					if len(b.token) > 20 && strings.Contains(string(resp.Body), b.token[len(b.token)-20:]) {
						t.Errorf("the error repeats the token: %s", e.Message)
					}
				}
			})
		}

		t.Run("401 names the scheme", func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader([]byte(`{"query":"{ __typename }"}`)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+bad[0].token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("status %d, WWW-Authenticate %q", res.StatusCode, res.Header.Get("WWW-Authenticate"))
			}
		})

		t.Run("not a bearer token", func(t *testing.T) {
			for _, h := range []string{"Basic dGVzdDp0ZXN0", "Bearer", "Bearer a b", valid} {
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader([]byte(`{"query":"{ __schema { queryType { name } } }"}`)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", h)
				resp := srv.Do(t, req)
				if resp.Status != http.StatusUnauthorized {
					t.Errorf("Authorization: %.20s…: status %d: %s", h, resp.Status, resp.Body)
				}
				resp.Code(t, "UNAUTHENTICATED")
			}
		})

		anon := srv.WithToken("")
		t.Run("no token reads the schema", func(t *testing.T) {
			var got struct {
				Schema struct{ QueryType struct{ Name string } } `json:"__schema"`
			}
			anon.Query(t, schema, nil).OK(t, &got)
			if got.Schema.QueryType.Name != "Query" {
				t.Errorf("__schema: %+v", got)
			}
			anon.Query(t, `{ __typename }`, nil).OK(t, nil)
		})
		t.Run("no token reads no data", func(t *testing.T) {
			for _, q := range []string{
				data,
				`{ __schema { queryType { name } } incidents(first: 1) { totalCount } }`,
				`{ node(id: "inc_aaaaaaaaaaaaaaaaaaaaaaaaaa") { id } }`,
				`{ incidents { totalCount } }`,
				`{ localities(first: 1) { edges { node { name } } } }`,
				`query { ...F } fragment F on Query { users(first: 1) { totalCount } }`,
				`mutation { createLocality(input: {name: "X", level: COMMUNE}) { id } }`,
			} {
				resp := anon.Query(t, q, nil)
				resp.Code(t, "UNAUTHENTICATED")
				if d := strings.TrimSpace(string(resp.Data)); d != "" && d != "null" {
					t.Errorf("%s: data %s", q, d)
				}
			}
			if n, err := db.Client.Locality.Query().Count(accSys()); err != nil || n != 0 {
				t.Errorf("an anonymous mutation wrote %d localities (%v)", n, err)
			}
		})
	})
}
