package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// minRSABits is the smallest RSA modulus accepted in a key set.
const minRSABits = 2048

// publicKey is one usable key of a JSON Web Key Set.
type publicKey struct {
	kid string
	alg string // "RS256" or "ES256": the only algorithm the key verifies
	key any    // *rsa.PublicKey or *ecdsa.PublicKey
}

// jwk is a JSON Web Key (RFC 7517) as it is found in a key set. Only the
// members benkan uses are decoded.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	// RSA
	N string `json:"n"`
	E string `json:"e"`
	// EC
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// parseJWKS decodes a JSON Web Key Set and returns its usable keys: RSA keys
// of at least 2048 bits for RS256 and P-256 keys for ES256, meant for
// signatures. As RFC 7517 (section 5) advises, other keys (encryption keys,
// symmetric keys, other curves, keys with missing or broken members) are
// skipped rather than failing the whole set; it is an error only if the
// document is not a key set or holds no usable key.
func parseJWKS(data []byte) ([]publicKey, error) {
	var set struct {
		Keys *[]json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("the key set is not valid JSON: %w", err)
	}
	if set.Keys == nil {
		return nil, errors.New(`the key set has no "keys" member`)
	}
	var keys []publicKey
	for _, raw := range *set.Keys {
		var k jwk
		if err := json.Unmarshal(raw, &k); err != nil {
			continue
		}
		if pk, ok := k.publicKey(); ok {
			keys = append(keys, pk)
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("the key set holds no RS256 or ES256 signing key")
	}
	return keys, nil
}

// publicKey returns the key k describes, and false if benkan cannot or must
// not use it for verifying signatures.
func (k jwk) publicKey() (publicKey, bool) {
	if k.Use != "" && k.Use != "sig" {
		return publicKey{}, false
	}
	var (
		alg string
		key any
		err error
	)
	switch k.Kty {
	case "RSA":
		alg = "RS256"
		key, err = k.rsaKey()
	case "EC":
		alg = "ES256"
		key, err = k.ecKey()
	default: // in particular "oct": symmetric keys are never taken from a key set
		return publicKey{}, false
	}
	if err != nil || (k.Alg != "" && k.Alg != alg) {
		return publicKey{}, false
	}
	return publicKey{kid: k.Kid, alg: alg, key: key}, true
}

// rsaKey decodes the members of an RSA key.
func (k jwk) rsaKey() (*rsa.PublicKey, error) {
	n, err := decodeBase64URL(k.N)
	if err != nil || len(n) == 0 || n[0] == 0 {
		return nil, errors.New("bad modulus")
	}
	e, err := decodeBase64URL(k.E)
	if err != nil || len(e) == 0 || len(e) > 4 {
		return nil, errors.New("bad exponent")
	}
	var exp int
	for _, b := range e {
		exp = exp<<8 | int(b)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}
	if pub.N.BitLen() < minRSABits || exp < 3 || exp%2 == 0 {
		return nil, errors.New("weak or invalid key")
	}
	return pub, nil
}

// ecKey decodes the members of an EC key on curve P-256.
func (k jwk) ecKey() (*ecdsa.PublicKey, error) {
	if k.Crv != "P-256" {
		return nil, errors.New("unsupported curve")
	}
	x, errX := decodeBase64URL(k.X)
	y, errY := decodeBase64URL(k.Y)
	if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
		return nil, errors.New("bad coordinates")
	}
	point := append([]byte{4}, x...)
	point = append(point, y...)
	// ParseUncompressedPublicKey refuses points not on the curve.
	return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
}

// decodeBase64URL decodes base64url with or without padding, as key sets in
// the wild use both.
func decodeBase64URL(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
