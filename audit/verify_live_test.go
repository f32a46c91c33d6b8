package audit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/benkan-project/benkan/audit"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestVerifyWhileAppending: `benkan audit verify` runs against a live
// trail, which servers keep appending to while it walks. The events
// appended after it started are no tampering: it checks the trail as it
// was when it began (one snapshot) and reports it intact, however many
// appends land during the walk.
func TestVerifyWhileAppending(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		// Several pages of events, so that the walk takes a while.
		batch := make([]*ent.AuditEventCreate, 0, 500)
		for i := range 500 {
			batch = append(batch, read(db.Client, i))
		}
		for range 5 {
			if err := audit.Append(ctx, db.Client, batch...); err != nil {
				t.Fatal(err)
			}
		}
		var stop atomic.Bool
		var appended atomic.Int64
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				if err := audit.Append(ctx, db.Client, read(db.Client, i)); err != nil {
					t.Error(err)
					return
				}
				appended.Add(1)
			}
		}()
		for i := range 5 {
			before := appended.Load()
			r, err := audit.Verify(ctx, db.Client)
			if err != nil {
				t.Fatal(err)
			}
			if r.Problem != nil {
				t.Errorf("verify %d, with %d events appended during it: %s", i, appended.Load()-before, r.Problem)
				break
			}
		}
		stop.Store(true)
		wg.Wait()
		if appended.Load() == 0 {
			t.Fatal("nothing was appended while verify ran: the test tests nothing")
		}
		if r := verify(t, db); r.Problem != nil || r.Checked != r.HeadSeq {
			t.Errorf("after the appends: checked %d of head %d: %v", r.Checked, r.HeadSeq, r.Problem)
		}
	})
}
