package audit_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/benkan-project/benkan/audit"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestAnchorsTellTrailsCutShort: a trail cut short (its last events deleted
// and the head moved back), or wiped and started again, is a valid chain;
// only a head recorded elsewhere earlier, an anchor, tells it from the
// trail benkan appended. An intact trail holds every anchor, whatever was
// appended since.
func TestAnchorsTellTrailsCutShort(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		evs := trail(t, db, 6)
		r := verify(t, db)
		head := audit.Anchor{Seq: r.HeadSeq, Hash: r.HeadHash}
		if head.Seq != 6 || head.Hash != evs[5].Hash {
			t.Fatalf("the head %v is not the last event's (seq 6, %s)", head, evs[5].Hash)
		}
		middle := audit.Anchor{Seq: 3, Hash: evs[2].Hash}
		check := func(name string, anchors []audit.Anchor, kind audit.Kind, seq int64) {
			t.Helper()
			r, err := audit.Verify(ctx, db.Client, anchors...)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case kind == "" && r.Problem != nil:
				t.Fatalf("%s: reported %v, want none", name, r.Problem)
			case kind != "" && r.Problem == nil:
				t.Fatalf("%s: no problem reported, want %s at seq %d", name, kind, seq)
			case kind != "" && (r.Problem.Kind != kind || r.Problem.Seq != seq):
				t.Fatalf("%s: reported %v (seq %d), want %s at seq %d", name, r.Problem, r.Problem.Seq, kind, seq)
			}
		}
		trail(t, db, 2) // appended since the anchor was taken
		check("intact, appended since", []audit.Anchor{head, middle}, "", 0)
		check("a wrong hash for seq 3", []audit.Anchor{{Seq: 3, Hash: evs[3].Hash}}, audit.AnchorMismatch, 3)

		// Cut short: the events after seq 4 deleted, the head moved back
		// (no key: anyone with the database can hash).
		sqlExec(t, db, `DELETE FROM audit_events WHERE seq > 4`)
		sqlExec(t, db, `UPDATE audit_heads SET seq = 4, hash = $1`, evs[3].Hash)
		check("cut short, no anchor", nil, "", 0)
		check("cut short, an anchor before the cut", []audit.Anchor{middle}, "", 0)
		check("cut short, the head anchored", []audit.Anchor{middle, head}, audit.AnchorMismatch, 6)

		// Wiped and started again, longer than before.
		sqlExec(t, db, `DELETE FROM audit_events`)
		sqlExec(t, db, `DELETE FROM audit_heads`)
		if err := audit.Install(ctx, db.Client, db.SQL, db.Dialect); err != nil {
			t.Fatal(err)
		}
		trail(t, db, 8)
		check("wiped and started again, no anchor", nil, "", 0)
		check("wiped and started again, an anchor", []audit.Anchor{middle}, audit.AnchorMismatch, 3)
	})
}

func TestParseAnchor(t *testing.T) {
	hash := strings.Repeat("0123456789abcdef", 4)
	a, err := audit.ParseAnchor("42:" + hash)
	if err != nil || a.Seq != 42 || a.Hash != hash || a.String() != "42:"+hash {
		t.Fatalf("ParseAnchor: %v, %v", a, err)
	}
	for _, bad := range []string{"", "42", "42:", ":" + hash, "0:" + hash, "-1:" + hash, "x:" + hash,
		"42:" + hash[:63], "42:" + hash + "0", "42:" + strings.ToUpper(hash)} {
		if _, err := audit.ParseAnchor(bad); err == nil || !strings.Contains(err.Error(), "SEQ:HASH") {
			t.Errorf("ParseAnchor(%q): %v, want a refusal saying SEQ:HASH", bad, err)
		}
	}
}

// syncBuffer is a log destination that LogHeads' goroutine and the test
// can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogHeads: the server logs the head as an anchor at start and again
// once it moves; the anchor logged is one Verify holds.
func TestLogHeads(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		evs := trail(t, db, 3)
		var out syncBuffer
		done := make(chan struct{})
		go func() {
			audit.LogHeads(ctx, db.Client, slog.New(slog.NewTextHandler(&out, nil)), 5*time.Millisecond)
			close(done)
		}()
		waitFor := func(s string) {
			t.Helper()
			deadline := time.Now().Add(30 * time.Second)
			for !strings.Contains(out.String(), s) {
				if time.Now().After(deadline) {
					t.Fatalf("the log never said %q:\n%s", s, out.String())
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		first := audit.Anchor{Seq: 3, Hash: evs[2].Hash}
		waitFor("anchor=" + first.String())
		evs = trail(t, db, 2)
		moved := audit.Anchor{Seq: 5, Hash: evs[4].Hash}
		waitFor("anchor=" + moved.String())
		cancel()
		<-done
		if n := strings.Count(out.String(), "anchor="+first.String()); n != 1 {
			t.Errorf("the same head logged %d times, want once:\n%s", n, out.String())
		}
		if r, err := audit.Verify(context.Background(), db.Client, first, moved); err != nil || r.Problem != nil {
			t.Fatalf("the logged anchors do not hold: %v, %v", r, err)
		}
	})
}
