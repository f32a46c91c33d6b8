package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

const (
	// refetchInterval is the least time between two fetches of the key set.
	refetchInterval = time.Minute
	// maxJWKSSize bounds the key set document read.
	maxJWKSSize = 1 << 20
)

// keySet holds the keys of a JSON Web Key Set in memory and fetches the set
// again, at most once per refetchInterval, when a token names a key it does
// not know, so that keys can rotate without a restart. It is safe for
// concurrent use.
type keySet struct {
	url    string
	client *http.Client

	fetching sync.Mutex // held during a fetch, so that fetches never overlap

	mu        sync.Mutex // guards the fields below
	keys      []publicKey
	lastFetch time.Time // when the last fetch started, whether or not it worked
}

// newKeySet fetches the key set at rawURL and returns it, or an error if it
// cannot be fetched or holds no usable key.
func newKeySet(ctx context.Context, rawURL string, client *http.Client, now time.Time) (*keySet, error) {
	ks := &keySet{url: rawURL, client: client, lastFetch: now}
	keys, err := ks.fetch(ctx)
	if err != nil {
		return nil, err
	}
	ks.keys = keys
	return ks, nil
}

// lookup returns the keys that may verify a token signed with alg that names
// the key kid (empty if the token names none). If no such key is known and
// the token names a key, it fetches the set again unless it did so less than
// refetchInterval before now. It returns no keys, and no error, when the key
// is still unknown; an error means only that the fetch failed.
func (ks *keySet) lookup(ctx context.Context, kid, alg string, now time.Time) ([]publicKey, error) {
	if keys := ks.find(kid, alg); len(keys) > 0 || kid == "" {
		return keys, nil
	}
	ks.fetching.Lock()
	defer ks.fetching.Unlock()
	// Another request may have fetched the set while this one waited.
	ks.mu.Lock()
	keys := find(ks.keys, kid, alg)
	tooSoon := now.Sub(ks.lastFetch) < refetchInterval
	if len(keys) > 0 || tooSoon {
		ks.mu.Unlock()
		return keys, nil
	}
	ks.lastFetch = now
	ks.mu.Unlock()

	fetched, err := ks.fetch(ctx)
	if err != nil {
		return nil, err
	}
	ks.mu.Lock()
	ks.keys = fetched
	ks.mu.Unlock()
	return find(fetched, kid, alg), nil
}

// find returns the known keys for kid and alg.
func (ks *keySet) find(kid, alg string) []publicKey {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return find(ks.keys, kid, alg)
}

// find returns the keys of keys that verify alg and are named kid, or all
// that verify alg if kid is empty.
func find(keys []publicKey, kid, alg string) []publicKey {
	var found []publicKey
	for _, k := range keys {
		if k.alg == alg && (kid == "" || k.kid == kid) {
			found = append(found, k)
		}
	}
	return found
}

// fetch gets and parses the key set. The fetch is not canceled with ctx: a
// client that hangs up must not waste the one fetch allowed per interval.
// It is bounded by jwksTimeout instead.
func (ks *keySet) fetch(ctx context.Context) ([]publicKey, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), jwksTimeout)
	defer cancel()
	where := ks.url
	if u, err := url.Parse(ks.url); err == nil {
		where = u.Redacted()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ks.url, nil)
	if err != nil {
		return nil, fmt.Errorf("auth: fetching the JWKS from %s: %w", where, err)
	}
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	resp, err := ks.client.Do(req)
	if err != nil {
		// The error of Do names the URL: print only the redacted one.
		return nil, fmt.Errorf("auth: fetching the JWKS from %s: %w", where, unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("auth: fetching the JWKS from %s: HTTP status %s", where, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSSize+1))
	if err != nil {
		return nil, fmt.Errorf("auth: reading the JWKS from %s: %w", where, err)
	}
	if len(data) > maxJWKSSize {
		return nil, fmt.Errorf("auth: the JWKS at %s is larger than %d bytes", where, maxJWKSSize)
	}
	keys, err := parseJWKS(data)
	if err != nil {
		return nil, fmt.Errorf("auth: the JWKS at %s: %w", where, err)
	}
	return keys, nil
}

// unwrapURLError returns the cause of a *url.Error, whose message would
// repeat the URL with any password in it.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
