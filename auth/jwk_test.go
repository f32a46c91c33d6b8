package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"strings"
	"testing"
)

func TestParseJWKS(t *testing.T) {
	rsaJWK := jwkOf(t, testKey{"rsa", rsaKey(0)})
	ecJWK := jwkOf(t, testKey{"ec", ecKey(0)})
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384Point, err := p384.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	// with returns a copy of k changed by the members of change; a nil
	// value deletes the member.
	with := func(k map[string]any, change map[string]any) map[string]any {
		c := map[string]any{}
		for n, v := range k {
			c[n] = v
		}
		for n, v := range change {
			if v == nil {
				delete(c, n)
			} else {
				c[n] = v
			}
		}
		return c
	}
	set := func(keys ...any) string {
		b, err := json.Marshal(map[string]any{"keys": keys})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	offCurve := []byte(ecJWK["y"].(string))
	offCurve[5] ^= 1

	tests := []struct {
		name     string
		doc      string
		wantKids []string // the kids of the usable keys, in order
		wantErr  string
	}{
		{"RSA and EC", set(rsaJWK, ecJWK), []string{"rsa", "ec"}, ""},
		{"without use and alg", set(with(rsaJWK, map[string]any{"use": nil, "alg": nil}), with(ecJWK, map[string]any{"use": nil, "alg": nil})), []string{"rsa", "ec"}, ""},
		{"padded base64", set(with(rsaJWK, map[string]any{"e": "AQAB="})), []string{"rsa"}, ""},
		{"unknown members", set(with(rsaJWK, map[string]any{"x5c": []string{"MIIB"}, "x5t": "abc"})), []string{"rsa"}, ""},
		{"encryption key skipped", set(with(rsaJWK, map[string]any{"kid": "enc", "use": "enc", "alg": "RSA-OAEP"}), ecJWK), []string{"ec"}, ""},
		{"symmetric key skipped", set(map[string]any{"kty": "oct", "kid": "oct", "k": b64(testSecret), "alg": "HS256"}, ecJWK), []string{"ec"}, ""},
		{"OKP key skipped", set(map[string]any{"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": b64(make([]byte, 32))}, ecJWK), []string{"ec"}, ""},
		{"RS512 key skipped", set(with(rsaJWK, map[string]any{"kid": "rs512", "alg": "RS512"}), ecJWK), []string{"ec"}, ""},
		{"RSA key claiming ES256 skipped", set(with(rsaJWK, map[string]any{"kid": "odd", "alg": "ES256"}), ecJWK), []string{"ec"}, ""},
		{"1024-bit RSA key skipped", set(with(rsaJWK, map[string]any{"kid": "small", "n": b64(small.N.Bytes())}), ecJWK), []string{"ec"}, ""},
		{"even exponent skipped", set(with(rsaJWK, map[string]any{"kid": "even", "e": b64([]byte{1, 0, 0})}), ecJWK), []string{"ec"}, ""},
		{"missing modulus skipped", set(with(rsaJWK, map[string]any{"kid": "non", "n": nil}), ecJWK), []string{"ec"}, ""},
		{"bad base64 skipped", set(with(rsaJWK, map[string]any{"kid": "bad", "n": "!!!"}), ecJWK), []string{"ec"}, ""},
		{"P-384 key skipped", set(with(ecJWK, map[string]any{"kid": "p384", "crv": "P-384", "alg": "ES384", "x": b64(p384Point[1:49]), "y": b64(p384Point[49:])}), rsaJWK), []string{"rsa"}, ""},
		{"point off the curve skipped", set(with(ecJWK, map[string]any{"kid": "off", "y": string(offCurve)}), rsaJWK), []string{"rsa"}, ""},
		{"short coordinate skipped", set(with(ecJWK, map[string]any{"kid": "short", "x": b64(make([]byte, 31))}), rsaJWK), []string{"rsa"}, ""},
		{"key not an object skipped", set("key", 7, rsaJWK), []string{"rsa"}, ""},
		{"no usable key", set(with(rsaJWK, map[string]any{"use": "enc"})), nil, "no RS256 or ES256 signing key"},
		{"empty set", `{"keys":[]}`, nil, "no RS256 or ES256 signing key"},
		{"no keys member", `{"issuer":"x"}`, nil, `no "keys" member`},
		{"not JSON", `<html>`, nil, "not valid JSON"},
		{"keys not an array", `{"keys":{}}`, nil, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := parseJWKS([]byte(tt.doc))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseJWKS error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseJWKS: %v", err)
			}
			var kids []string
			for _, k := range keys {
				kids = append(kids, k.kid)
			}
			if strings.Join(kids, ",") != strings.Join(tt.wantKids, ",") {
				t.Errorf("kids = %v, want %v", kids, tt.wantKids)
			}
		})
	}
}
