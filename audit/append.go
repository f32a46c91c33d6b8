package audit

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"
	"weak"

	"entgo.io/ent/dialect"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/ent/audithead"
)

// headID is the id of the one AuditHead row.
const headID = 1

// ErrNoHead is the refusal to append to a database whose chain has no head:
// one not migrated by this version of benkan (Install creates the head), or
// whose head row was removed while events exist (Install does not make a
// new one over them: `benkan audit verify` reports it).
var ErrNoHead = errors.New("the audit chain has no head row: run `benkan migrate`, then `benkan audit verify`")

// maxBatch bounds the events written by one INSERT (PostgreSQL takes at most
// 65,535 parameters; an event has about a dozen) and the appends one group
// commit takes.
const maxBatch = 1000

// commitTimeout bounds a group commit, which runs detached from the
// contexts of the callers waiting for it (the audit of a response whose
// request timed out is still written).
const commitTimeout = 30 * time.Second

// event is one event to append: the columns its caller set.
type event map[string]any

// Append writes events at the end of the audit chain and returns once they
// are committed, or in the caller's transaction: when client is a
// transaction's client (Tx.Client), or ctx carries a transaction
// (ent.TxFromContext), the events are written in it and commit or roll
// back with it. Otherwise concurrent Appends on one client are written
// together in one transaction (group commit), and each returns after that
// commit.
//
// The events are builders (client.AuditEvent.Create().SetSubject(…)…) used
// for their values only: Append reads the fields they set, and writes
// them itself, with an id, the time ("at"), the chain position and the
// hashes, whichever client the builders came from. A builder may not set
// seq, prev_hash or hash. Executing a builder directly is refused (Guard).
func Append(ctx context.Context, client *ent.Client, events ...*ent.AuditEventCreate) error {
	if len(events) == 0 {
		return nil
	}
	evs, err := collect(events)
	if err != nil {
		return err
	}
	if client.InTx() {
		return appendIn(ctx, client, evs)
	}
	if tx := ent.TxFromContext(ctx); tx != nil {
		return appendIn(ctx, tx.Client(), evs)
	}
	return groupOf(client).append(ctx, client, evs)
}

// collect reads the values the builders set.
func collect(events []*ent.AuditEventCreate) ([]event, error) {
	evs := make([]event, len(events))
	for i, b := range events {
		m := b.Mutation()
		ev := event{}
		for _, name := range m.Fields() {
			switch name {
			case auditevent.FieldSeq, auditevent.FieldPrevHash, auditevent.FieldHash:
				return nil, fmt.Errorf("append audit event: %s is set by package audit", name)
			case auditevent.FieldAt:
				continue // the time of the append
			}
			ev[name], _ = m.Field(name)
		}
		evs[i] = ev
	}
	return evs, nil
}

// appendIn appends evs in the transaction of c (a transaction's client):
// it locks the head row first, so that appends of other transactions wait
// until this one ends, then writes the events after the head and moves the
// head to the last of them.
//
// The lock is an UPDATE of the head that changes nothing: on PostgreSQL it
// takes the row lock as SELECT … FOR UPDATE would, and on SQLite it takes
// the database's write lock at once, so that two processes on one file
// queue (busy_timeout) instead of one failing when it upgrades a read lock.
// The head read back is then the last committed one.
func appendIn(ctx context.Context, c *ent.Client, evs []event) error {
	_, err := appendLocked(ctx, c, evs)
	return err
}

// appendLocked is appendIn, returning the head it leaves.
func appendLocked(ctx context.Context, c *ent.Client, evs []event) (chainHead, error) {
	ctx = as(ctx, appending)
	head, err := c.AuditHead.UpdateOneID(headID).AddSeq(0).Save(ctx)
	if ent.IsNotFound(err) {
		return chainHead{}, ErrNoHead
	}
	if err != nil {
		return chainHead{}, fmt.Errorf("lock the audit chain: %w", err)
	}
	key := currentKey()
	kid := keyID(key)
	if head.KeyID != kid {
		if head.Seq != 0 {
			return chainHead{}, fmt.Errorf("append audit events: this process's audit key (BENKAN_AUDIT_KEY) is not the one the trail was started with")
		}
		// An empty chain takes the key of its first append.
	}
	builders, next, err := place(c, key, chainHead{head.Seq, head.Hash, kid}, evs)
	if err != nil {
		return chainHead{}, err
	}
	for chunk := range slices.Chunk(builders, maxBatch) {
		if err := c.AuditEvent.CreateBulk(chunk...).Exec(ctx); err != nil {
			return chainHead{}, fmt.Errorf("write audit events: %w", err)
		}
	}
	// Update, not UpdateOne: one statement, without reading the row back.
	if err := c.AuditHead.Update().Where(audithead.ID(headID)).SetSeq(next.seq).SetHash(next.hash).SetKeyID(kid).Exec(ctx); err != nil {
		return chainHead{}, fmt.Errorf("move the audit chain's head: %w", err)
	}
	return next, nil
}

// A chainHead is where the chain ends: the last event's seq and hash, and
// the fingerprint of the key its events are hashed with.
type chainHead struct {
	seq   int64
	hash  string
	keyID string
}

// place gives evs their places after head, in order: each its id (unless
// set), the time, its seq, the hash of the event before it and its own
// hash. It returns the events as builders of c, and the head after them.
func place(c *ent.Client, key []byte, head chainHead, evs []event) ([]*ent.AuditEventCreate, chainHead, error) {
	at := time.Now().UTC().Truncate(time.Microsecond)
	seq, prev := head.seq, head.hash
	builders := make([]*ent.AuditEventCreate, 0, len(evs))
	for _, ev := range evs {
		b := c.AuditEvent.Create()
		m := b.Mutation()
		for name, v := range ev {
			if err := m.SetField(name, v); err != nil {
				return nil, chainHead{}, fmt.Errorf("append audit event: %w", err)
			}
		}
		if _, ok := m.ID(); !ok {
			m.SetID(auditevent.DefaultID())
		}
		seq++
		m.SetAt(at)
		m.SetSeq(seq)
		m.SetPrevHash(prev)
		h, err := digest(key, mutationValues(m))
		if err != nil {
			return nil, chainHead{}, err
		}
		m.SetHash(h)
		prev = h
		builders = append(builders, b)
	}
	return builders, chainHead{seq, prev, head.keyID}, nil
}

// appendAlone appends evs in a transaction of their own.
func appendAlone(ctx context.Context, client *ent.Client, evs []event) error {
	_, err := appendCommitted(ctx, client, evs)
	return err
}

// appendCommitted is appendAlone, returning the head it committed.
func appendCommitted(ctx context.Context, client *ent.Client, evs []event) (chainHead, error) {
	tx, err := client.Tx(ctx)
	if err != nil {
		return chainHead{}, fmt.Errorf("append audit events: %w", err)
	}
	head, err := appendLocked(ctx, tx.Client(), evs)
	if err != nil {
		_ = tx.Rollback() // the error says what went wrong; nothing was kept
		return chainHead{}, err
	}
	if err := tx.Commit(); err != nil {
		return chainHead{}, fmt.Errorf("commit audit events: %w", err)
	}
	return head, nil
}

// group gathers the concurrent Appends on one client. The first to come
// when no commit runs leads: it takes every append queued, writes them in
// one transaction, and wakes their callers after the commit; those that
// came during the commit are queued meanwhile, and one of them leads the
// next. No goroutine runs while nobody appends.
//
// One transaction per append makes every append wait for the commits of
// all those before it on the locked head row (a round trip and an fsync
// each); grouped, an append waits for at most one commit in progress and
// its own (BenchmarkAppend compares them).
type group struct {
	mu      sync.Mutex
	cond    sync.Cond
	queue   []*pending
	leading bool

	// drv is the driver the client runs on, on PostgreSQL (Attach): with
	// it, a commit tries oneStatement first.
	drv dialect.Driver
	// known is the head the last commit left, nil if it failed or none
	// ran yet; only the leader reads and writes it.
	known *chainHead
}

type pending struct {
	events []event
	err    error
	done   bool
}

var groups sync.Map // weak.Pointer[ent.Client] → *group

func groupOf(c *ent.Client) *group {
	k := weak.Make(c)
	if g, ok := groups.Load(k); ok {
		return g.(*group)
	}
	g := &group{}
	g.cond.L = &g.mu
	v, loaded := groups.LoadOrStore(k, g)
	if !loaded {
		runtime.AddCleanup(c, func(k weak.Pointer[ent.Client]) { groups.Delete(k) }, k)
	}
	return v.(*group)
}

func (g *group) append(ctx context.Context, client *ent.Client, evs []event) error {
	p := &pending{events: evs}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.queue = append(g.queue, p)
	for !p.done {
		if g.leading {
			g.cond.Wait()
			continue
		}
		g.leading = true
		n, events := 0, 0
		for _, q := range g.queue {
			if n > 0 && events+len(q.events) > maxBatch {
				break
			}
			events += len(q.events)
			n++
		}
		batch := slices.Clone(g.queue[:n])
		g.queue = slices.Delete(g.queue, 0, len(batch))
		g.mu.Unlock()
		g.commit(ctx, client, batch)
		g.mu.Lock()
		for _, q := range batch {
			q.done = true
		}
		g.leading = false
		g.cond.Broadcast()
	}
	return p.err
}

// commit writes a batch of appends in one transaction, or, if that fails,
// each in its own, so that one append that cannot be written (a value too
// long) fails alone. On PostgreSQL it first tries to write the batch in
// one statement after the head it knows (oneStatement).
func (g *group) commit(ctx context.Context, client *ent.Client, batch []*pending) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	var all []event
	for _, p := range batch {
		all = append(all, p.events...)
	}
	if g.drv != nil && g.known != nil {
		// Any failure here (the head moved, an error) leaves the batch to
		// the locked path below, which decides.
		if head, ok, err := oneStatement(ctx, g.drv, client, *g.known, all); err == nil && ok {
			g.known = &head
			for _, p := range batch {
				p.err = nil
			}
			return
		}
	}
	g.known = nil
	head, err := appendCommitted(ctx, client, all)
	if err == nil {
		g.known = &head
	}
	if err == nil || len(batch) == 1 {
		for _, p := range batch {
			p.err = err
		}
		return
	}
	for _, p := range batch {
		head, p.err = appendCommitted(ctx, client, p.events)
		if p.err == nil {
			g.known = &head
		}
	}
}
