package audit

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/benkan-project/benkan/ent"
)

// Anchor is a head of the chain recorded outside the database (the
// server logs one: "audit head"; `benkan audit verify` prints one): the
// seq of an event and its hash. Since each hash covers the one before it,
// an intact chain that still holds that event with that hash holds every
// event up to it unchanged; one that does not was rewritten, wiped and
// started again, or cut short, which the chain alone cannot tell.
type Anchor struct {
	Seq  int64
	Hash string
}

// ParseAnchor reads an anchor written SEQ:HASH.
func ParseAnchor(s string) (Anchor, error) {
	seq, hash, ok := strings.Cut(s, ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil || n <= 0 || len(hash) != 64 || strings.Trim(hash, "0123456789abcdef") != "" {
		return Anchor{}, fmt.Errorf("%q is not an anchor: want SEQ:HASH, a positive seq and the event's 64 hex digits (as the server logs \"audit head\")", s)
	}
	return Anchor{Seq: n, Hash: hash}, nil
}

func (a Anchor) String() string { return fmt.Sprintf("%d:%s", a.Seq, a.Hash) }

// Head returns the chain's head as an anchor (seq 0 for an empty chain).
func Head(ctx context.Context, client *ent.Client) (Anchor, error) {
	h, err := client.AuditHead.Get(as(ctx, appending), headID)
	if err != nil {
		return Anchor{}, fmt.Errorf("read the audit chain's head: %w", err)
	}
	return Anchor{Seq: h.Seq, Hash: h.Hash}, nil
}

// LogHeads logs the chain's head ("audit head", with seq, hash and the
// anchor to give `benkan audit verify --anchor`) now and then every
// interval while it moves, until ctx ends: logs kept away from the
// database (a log collector, another host) then hold anchors that tell
// later whether the trail was cut short or wiped. A failed read is logged
// as a warning and tried again at the next tick.
func LogHeads(ctx context.Context, client *ent.Client, log *slog.Logger, interval time.Duration) {
	var last Anchor
	tick := func() {
		a, err := Head(ctx, client)
		switch {
		case ctx.Err() != nil:
		case err != nil:
			log.Warn("audit head", "err", err)
		case a != last && a.Seq > 0:
			log.Info("audit head", "seq", a.Seq, "hash", a.Hash, "anchor", a.String())
			last = a
		}
	}
	tick()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			tick()
		}
	}
}
