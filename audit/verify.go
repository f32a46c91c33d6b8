package audit

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/gid"
)

// Kind is what is wrong with the first broken event.
type Kind string

// The problems Verify finds.
const (
	// ContentChanged: an event's columns do not hash to its hash (edited,
	// or its content swapped with another event's).
	ContentChanged Kind = "content changed"
	// Missing: events are missing from the chain (deleted).
	Missing Kind = "missing events"
	// LinkBroken: an event's prev_hash is not the hash of the event before
	// it (events reordered, or one replaced by an event made elsewhere).
	LinkBroken Kind = "out of order / link broken"
	// Duplicate: two events hold one seq.
	Duplicate Kind = "duplicate seq"
	// HeadMismatch: the head does not name the last event.
	HeadMismatch Kind = "head mismatch"
	// NoHead: the head row is missing.
	NoHead Kind = "no head"
	// KeyMismatch: the trail was hashed with another key, or none.
	KeyMismatch Kind = "key mismatch"
	// Unchained: an event has no place in the chain (seq NULL).
	Unchained Kind = "outside the chain"
	// AnchorMismatch: an event does not have the hash an anchor recorded
	// for its seq (the trail rewritten from there, or wiped and started
	// again), or the chain ends before an anchor's seq (cut short: its last
	// events deleted and the head moved back to match).
	AnchorMismatch Kind = "anchor mismatch"
)

// Problem is the first broken event Verify finds.
type Problem struct {
	Kind Kind
	// Seq and ID name the broken event (zero when there is none to name,
	// e.g. the last events deleted).
	Seq int64
	ID  gid.ID
	// Detail says what is wrong, in words.
	Detail string
}

func (p *Problem) String() string {
	where := "the head"
	switch {
	case p.ID != "" && p.Seq != 0:
		where = fmt.Sprintf("event seq %d (id %s)", p.Seq, p.ID)
	case p.ID != "":
		where = fmt.Sprintf("event %s", p.ID)
	case p.Seq != 0:
		where = fmt.Sprintf("seq %d", p.Seq)
	}
	return fmt.Sprintf("%s: %s: %s", where, p.Kind, p.Detail)
}

// Report is what Verify found.
type Report struct {
	// Checked is how many events were checked before the first problem
	// (all of them when there is none).
	Checked int64
	// HeadSeq and HeadHash are what the head names: keep them somewhere
	// else (a log, a ticket) to show later that the trail was not cut
	// short and its head moved back.
	HeadSeq  int64
	HeadHash string
	// Problem is the first broken event, nil if the trail is intact.
	Problem *Problem
	// Keyed says whether the trail is checked with a key (HMAC).
	Keyed bool
}

// verifyPage is how many events Verify reads at a time: it walks any
// length of trail in bounded memory.
const verifyPage = 1000

// Verify walks the chain in seq order, with the process's key (SetKey),
// and checks that seq starts at 1 and has no gap nor repeat, that each
// event's prev_hash is the hash of the one before it, that each event's
// columns hash to its hash, that the head names the last event, and that
// no event is outside the chain. It stops at the first problem. An error
// is returned only when the trail cannot be read.
//
// It proves that the trail is the one benkan appended, given the key was
// kept secret (or, without a key, that nobody changed it without also
// recomputing every hash after the change and the head); not that benkan
// recorded everything (a process that does not call Append records
// nothing), nor that the events are true.
//
// It reads the trail in one read-only transaction, a snapshot (REPEATABLE
// READ on PostgreSQL; SQLite's WAL gives a transaction one from its first
// read): servers append while it walks, and an event appended after the
// head was read is no event "beyond the head" of the trail it checks.
//
// With anchors (heads recorded elsewhere earlier), it also checks that the
// event of each anchor's seq is still there with the anchor's hash: what
// tells a trail cut short, or wiped and started again, from an intact one.
func Verify(ctx context.Context, client *ent.Client, anchors ...Anchor) (*Report, error) {
	ctx = as(ctx, appending) // reads only
	if !client.InTx() {
		tx, err := client.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		if err != nil {
			return nil, fmt.Errorf("read the audit trail: %w", err)
		}
		defer tx.Rollback() //nolint:errcheck // read only: nothing to keep
		client = tx.Client()
	}
	key := currentKey()
	r := &Report{Keyed: key != nil}
	head, err := client.AuditHead.Get(ctx, headID)
	switch {
	case ent.IsNotFound(err):
		head = nil
	case err != nil:
		return nil, fmt.Errorf("read the audit chain's head (is the database migrated by this version of benkan?): %w", err)
	default:
		r.HeadSeq, r.HeadHash = head.Seq, head.Hash
		if head.KeyID != keyID(key) && head.Seq > 0 {
			r.Problem = &Problem{Kind: KeyMismatch, Detail: keyDetail(head.KeyID, key)}
			return r, nil
		}
	}
	var (
		last    *ent.AuditEvent
		prev    = ""
		want    = int64(1)
		problem = func(e *ent.AuditEvent, k Kind, format string, args ...any) (*Report, error) {
			r.Problem = &Problem{Kind: k, Seq: *e.Seq, ID: e.ID, Detail: fmt.Sprintf(format, args...)}
			return r, nil
		}
	)
	for {
		q := client.AuditEvent.Query().Where(auditevent.SeqNotNil())
		if last != nil {
			q.Where(auditevent.Or(auditevent.SeqGT(*last.Seq), auditevent.And(auditevent.SeqEQ(*last.Seq), auditevent.IDGT(last.ID))))
		}
		page, err := q.Order(ent.Asc(auditevent.FieldSeq), ent.Asc(auditevent.FieldID)).Limit(verifyPage).All(ctx)
		if err != nil {
			return nil, fmt.Errorf("read the audit trail: %w", err)
		}
		for _, e := range page {
			seq := *e.Seq
			switch {
			case last != nil && seq == *last.Seq:
				return problem(e, Duplicate, "event %s holds seq %d too", last.ID, seq)
			case seq < want:
				return problem(e, Missing, "the chain starts at seq %d, not 1", seq)
			case seq > want && want == 1:
				return problem(e, Missing, "the chain starts at seq %d: events seq 1 to %d are missing (deleted)", seq, seq-1)
			case seq > want:
				return problem(e, Missing, "events missing between seq %d and seq %d (deleted)", want-1, seq)
			case e.PrevHash != prev:
				h, err := digest(key, entityValues(e))
				if err != nil {
					return nil, err
				}
				if h == e.Hash {
					return problem(e, LinkBroken, "its prev_hash is not the hash of the event before it (seq %d), and its content matches its hash: the event before it was replaced", seq-1)
				}
				return problem(e, LinkBroken, "its prev_hash is not the hash of the event before it (seq %d): events reordered, or the event before it replaced", seq-1)
			}
			h, err := digest(key, entityValues(e))
			if err != nil {
				return nil, err
			}
			if h != e.Hash {
				return problem(e, ContentChanged, "its columns do not match its hash: edited, or swapped with another event's")
			}
			if head != nil && seq > head.Seq {
				return problem(e, HeadMismatch, "it lies beyond the head (seq %d): not appended by benkan (inserted)", head.Seq)
			}
			for _, a := range anchors {
				if a.Seq == seq && a.Hash != e.Hash {
					return problem(e, AnchorMismatch, "its hash is not the one anchored for seq %d (%s…): the trail was rewritten from here or before, or wiped and started again", seq, a.Hash[:12])
				}
			}
			r.Checked++
			prev, want, last = e.Hash, seq+1, e
		}
		if len(page) < verifyPage {
			break
		}
	}
	switch {
	case head == nil:
		r.Problem = &Problem{Kind: NoHead, Detail: "the head row is missing: deleted, so the end of the chain cannot be checked"}
		return r, nil
	case head.Seq > want-1:
		r.Problem = &Problem{Kind: Missing, Seq: want, Detail: fmt.Sprintf("the head names seq %d but the chain ends at seq %d: events seq %d to %d are missing (the last events deleted)", head.Seq, want-1, want, head.Seq)}
		return r, nil
	case head.Hash != prev:
		r.Problem = &Problem{Kind: HeadMismatch, Seq: head.Seq, Detail: "the head's hash is not the hash of the last event"}
		if last != nil {
			r.Problem.ID = last.ID
		}
		return r, nil
	}
	for _, a := range anchors {
		if a.Seq > want-1 {
			r.Problem = &Problem{Kind: AnchorMismatch, Seq: a.Seq, Detail: fmt.Sprintf("an anchor names seq %d but the chain ends at seq %d: the trail was cut short (its last events deleted and the head moved back), or wiped and started again", a.Seq, want-1)}
			return r, nil
		}
	}
	outside := client.AuditEvent.Query().Where(auditevent.SeqIsNil())
	n, err := outside.Clone().Count(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the audit trail: %w", err)
	}
	if n > 0 {
		first, err := outside.Order(ent.Asc(auditevent.FieldAt), ent.Asc(auditevent.FieldID)).First(ctx)
		if err != nil {
			return nil, fmt.Errorf("read the audit trail: %w", err)
		}
		r.Problem = &Problem{Kind: Unchained, ID: first.ID, Detail: fmt.Sprintf("%d event(s) have no place in the chain (no seq): inserted behind benkan's back", n)}
	}
	return r, nil
}

func keyDetail(stored string, key []byte) string {
	switch {
	case stored == "":
		return "the trail is hashed without a key, but BENKAN_AUDIT_KEY is set"
	case key == nil:
		return "the trail is hashed with a key: set BENKAN_AUDIT_KEY to it"
	}
	return "the trail is hashed with another key than BENKAN_AUDIT_KEY"
}
