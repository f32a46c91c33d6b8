package audit

import (
	"context"

	"github.com/benkan-project/benkan/ent"
)

// AppendEach appends events in a transaction of their own, without group
// commit: what BenchmarkAppend compares Append with.
func AppendEach(ctx context.Context, client *ent.Client, events ...*ent.AuditEventCreate) error {
	evs, err := collect(events)
	if err != nil {
		return err
	}
	return appendAlone(ctx, client, evs)
}

// HashOf is the hash of e's columns with the process's key, as an attacker
// who knows the encoding (and the key, if any) would compute it.
func HashOf(e *ent.AuditEvent) string {
	h, err := digest(currentKey(), entityValues(e))
	if err != nil {
		panic(err)
	}
	return h
}

// HashWithoutKey is the plain SHA-256 hash of e's columns: what an attacker
// who does not hold the key can compute.
func HashWithoutKey(e *ent.AuditEvent) string {
	h, err := digest(nil, entityValues(e))
	if err != nil {
		panic(err)
	}
	return h
}

// OneStatementAppends is how many group commits oneStatement has written.
func OneStatementAppends() int64 { return oneStatements.Load() }

// Values are the columns of e as read from the database.
func Values(e *ent.AuditEvent) map[string]any { return entityValues(e) }
