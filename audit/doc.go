// Package audit is the one writer of benkan's audit trail (AuditEvent): who
// read or changed what sensitive thing, when, and what the policy decided.
//
// # An append-only chain
//
// Every event has a position (seq: 1, 2, 3… without gaps), the hash of the
// event before it (prev_hash) and its own hash, computed over a canonical
// encoding of all its columns, prev_hash and seq included (see digest). A
// single row, AuditHead, holds the seq and hash of the last event. So an
// event edited in the database no longer matches its hash; one deleted
// leaves a gap in seq, or (the last ones) a head that names events that are
// not there; one moved or inserted breaks the link of the event after it,
// or lies beyond the head. Verify walks the chain and names the first
// broken event; `benkan audit verify` runs it.
//
// With a key (SetKey, from BENKAN_AUDIT_KEY) the hashes are HMAC-SHA256, and
// someone who can write to the database but does not hold the key cannot
// compute the hash of an event they edit or insert. Without a key they are
// plain SHA-256: the chain then catches edits made by hand or by a program
// that does not know the encoding, not someone who recomputes the chain
// and the head after changing it.
//
// # Who writes
//
// Append is the only way to write an event: the ent hook Guard refuses any
// other create of an AuditEvent, and every update and delete of one (the
// database's triggers, installed by Install, refuse UPDATE and DELETE too).
// Appends serialize on the head row, which they lock first, so that the
// chain stays linear however many goroutines and processes append at once.
// An Append given a transaction (a transaction's client, or a context
// carrying one) appends in it, so that the event commits or rolls back with
// what it records; otherwise concurrent Appends on one client share one
// transaction (group commit), and each returns once its events have
// committed. On PostgreSQL a group commit that follows this process's own
// last one is a single statement, which moves the head only if it is still
// where that commit left it and writes the events only if it moved it
// (oneStatement); when another process or a transaction appended since,
// the commit takes the head's lock as above. Either way the events, their
// places and their hashes are the same.
//
// # Privacy
//
// The package sits below package policy (which imports it to record policy
// changes and previews), so it cannot use policy.SystemContext; it takes
// ent's privacy decision itself (privacy.DecisionContext with Allow) for its
// own statements, and only for them. That is the right place for it: the
// record of an access is written whoever the viewer is (the user whose read
// is audited may not read the trail) and is no decision of the viewer's
// grants, and no caller has to (or can) hand the package a context that
// would allow anything else.
package audit
