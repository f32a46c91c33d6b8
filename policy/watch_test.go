package policy_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestChangeReachesOtherReplicas: a role given through one engine holds on
// another engine over the same database (another replica) within a second,
// without a restart.
func TestChangeReachesOtherReplicas(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		a, err := policy.NewEngine(ctx, db.Client)
		if err != nil {
			t.Fatal(err)
		}
		b, err := policy.NewEngine(ctx, db.Client)
		if err != nil {
			t.Fatal(err)
		}
		go b.Watch(ctx, 50*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err := db.Client.User.Create().SetSubject("late").SetDisplayName("Arrivée fictive").Exec(policy.SystemContext(ctx)); err != nil {
			t.Fatal(err)
		}
		v, err := b.Viewer(ctx, "late")
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Roles()) != 0 {
			t.Fatalf("roles before the change: %v", v.Roles())
		}
		if err := a.Assign(ctx, "late", "dihr_partner", "*"); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(time.Second)
		for {
			v, err := b.Viewer(ctx, "late")
			if err != nil {
				t.Fatal(err)
			}
			if r := v.Roles(); len(r) == 1 && r[0] == "dihr_partner" {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the other engine still sees roles %v a second after the change", v.Roles())
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
