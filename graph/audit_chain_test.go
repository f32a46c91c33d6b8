package graph_test

import (
	"context"
	"testing"

	"github.com/benkan-project/benkan/audit"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestAuditChainOfRealOperations: the trail written by policy changes (the
// fixture's assignments), sensitive reads over HTTP and a preview is one
// chain that verifies, each event in its place, and GraphQL serves each
// event's seq and hash.
func TestAuditChainOfRealOperations(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		w.as(t, accMonNiono).Query(t, previewFeed, nil).OK(t, nil)
		w.srv.PreviewAs(accMonNiono).Query(t, previewFeed, nil).OK(t, nil)

		ctx := policy.SystemContext(context.Background())
		evs, err := db.Client.AuditEvent.Query().Order(ent.Asc(auditevent.FieldSeq)).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		actions := map[auditevent.Action]int{}
		for i, e := range evs {
			actions[e.Action]++
			if e.Seq == nil || *e.Seq != int64(i+1) {
				t.Fatalf("event %d (%s) has seq %v", i, e.Action, e.Seq)
			}
		}
		for _, a := range []auditevent.Action{auditevent.ActionPOLICY_CHANGE, auditevent.ActionREAD_SENSITIVE, auditevent.ActionPREVIEW} {
			if actions[a] == 0 {
				t.Fatalf("no %s event in the trail: %v", a, actions)
			}
		}
		r, err := audit.Verify(context.Background(), db.Client)
		if err != nil {
			t.Fatal(err)
		}
		if r.Problem != nil || r.Checked != int64(len(evs)) || r.HeadSeq != int64(len(evs)) {
			t.Fatalf("verify: %d of %d checked, head %d: %v", r.Checked, len(evs), r.HeadSeq, r.Problem)
		}

		var got struct {
			AuditEvents struct {
				Edges []struct {
					Node struct {
						Seq  int
						Hash string
					}
				}
			}
		}
		w.srv.Query(t, `{ auditEvents(first: 1, orderBy: {field: SEQ, direction: DESC}) { edges { node { seq hash } } } }`, nil).OK(t, &got)
		last := evs[len(evs)-1]
		if e := got.AuditEvents.Edges; len(e) != 1 || int64(e[0].Node.Seq) != *last.Seq || e[0].Node.Hash != last.Hash {
			t.Fatalf("auditEvents' last event: %+v, want seq %d hash %s", e, *last.Seq, last.Hash)
		}
	})
}
