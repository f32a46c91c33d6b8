package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/benkan-project/benkan"
)

// persistedQueries is automatic persisted queries (Apollo's protocol, as
// gqlgen's extension.AutomaticPersistedQuery): a client sends the SHA-256
// of a query instead of the query, and the query itself once when the
// server answers PERSISTED_QUERY_NOT_FOUND.
//
// It differs from gqlgen's in its errors only: a malformed extension (not
// an object, a version other than 1, a sha256Hash that is not 64 hex
// digits) and a hash that does not match the query are the client's
// mistakes, BAD_USER_INPUT with a message saying what is expected, where
// gqlgen's errors carry no code (and so were presented as INTERNAL).
type persistedQueries struct {
	cache graphql.Cache[string]
}

var _ interface {
	graphql.OperationParameterMutator
	graphql.HandlerExtension
} = persistedQueries{}

// ExtensionName implements graphql.HandlerExtension.
func (persistedQueries) ExtensionName() string { return "AutomaticPersistedQuery" }

// Validate implements graphql.HandlerExtension.
func (p persistedQueries) Validate(graphql.ExecutableSchema) error {
	if p.cache == nil {
		return fmt.Errorf("persisted queries: no cache")
	}
	return nil
}

// errPersistedQueryNotFound is the message and code Apollo clients expect
// for a hash the server does not know: they resend with the query.
const (
	errPersistedQueryNotFound     = "PersistedQueryNotFound"
	errPersistedQueryNotFoundCode = "PERSISTED_QUERY_NOT_FOUND"
)

// MutateOperationParameters implements graphql.OperationParameterMutator.
func (p persistedQueries) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	ext, present := raw.Extensions["persistedQuery"]
	if !present || ext == nil {
		if id := documentID(ctx); id != "" && raw.Query == "" {
			// GraphQL over HTTP's documentId, "sha256:<hash>" or the hash.
			if query, ok := p.cache.Get(ctx, strings.TrimPrefix(id, "sha256:")); ok {
				raw.Query = query
				return nil
			}
			err := gqlerror.Errorf(errPersistedQueryNotFound)
			errcode.Set(err, errPersistedQueryNotFoundCode)
			return err
		}
		return nil
	}
	hash, gerr := persistedHash(ext)
	if gerr != nil {
		return gerr
	}
	if raw.Query == "" {
		query, ok := p.cache.Get(ctx, hash)
		if !ok {
			err := gqlerror.Errorf(errPersistedQueryNotFound)
			errcode.Set(err, errPersistedQueryNotFoundCode)
			return err
		}
		raw.Query = query
		return nil
	}
	sum := sha256.Sum256([]byte(raw.Query))
	if hex.EncodeToString(sum[:]) != hash {
		return apqError("extensions.persistedQuery.sha256Hash does not match the query: it must be the SHA-256 of the query text, exactly as sent, in lower-case hex")
	}
	p.cache.Add(ctx, hash, raw.Query)
	return nil
}

// persistedHash checks the persistedQuery extension and returns its hash.
func persistedHash(ext any) (string, *gqlerror.Error) {
	m, ok := ext.(map[string]any)
	if !ok {
		return "", apqError(`extensions.persistedQuery must be an object: {"version": 1, "sha256Hash": "<64 hex digits>"}`)
	}
	if !isVersion1(m["version"]) {
		return "", apqError("extensions.persistedQuery.version must be 1, the only version of automatic persisted queries")
	}
	hash, ok := m["sha256Hash"].(string)
	if !ok {
		return "", apqError("extensions.persistedQuery.sha256Hash must be a string: the SHA-256 of the query in lower-case hex")
	}
	if len(hash) != 2*sha256.Size || !isLowerHex(hash) {
		return "", apqError("extensions.persistedQuery.sha256Hash must be 64 lower-case hex digits (a SHA-256)")
	}
	return hash, nil
}

// isVersion1 reports whether v, a decoded JSON value, is the number 1.
func isVersion1(v any) bool {
	switch n := v.(type) {
	case json.Number:
		return n.String() == "1"
	case float64:
		return n == 1
	case int64:
		return n == 1
	case int:
		return n == 1
	}
	return false
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// apqError is a BAD_USER_INPUT error about the persistedQuery extension.
func apqError(message string) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    message,
		Extensions: map[string]any{"code": benkan.EINVALID, "field": "extensions.persistedQuery"},
	}
}
