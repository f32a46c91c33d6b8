package graph_test

import (
	"context"
	"slices"
	"testing"

	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestOrderingOnAuditedFieldAudited: an ordering tells the order of the
// rows it serves by its field as a filter tells their values, so an
// ordering on an audited field is audited as a read of it on the rows
// served, though the field is not selected. No field of the default
// policy both has an ordering and is audited: the test puts
// Actor.category into Actor:identifying, as an admin could, then orders
// the actors by it without selecting it.
func TestOrderingOnAuditedFieldAudited(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		ctx := store.AsOperator(context.Background(), "test")
		if _, err := w.srv.Policy.Apply(ctx, []store.Change{{Op: store.Group, FieldGroup: store.FieldGroup{
			Field: "Actor.category", Group: "Actor:identifying"}}}, "the category identifies here"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.srv.Policy.Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
		const id = "order-audited"
		var got struct {
			Actors struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		queryWithRequestID(t, w.srv, accCoord, id, `{ actors(first: 3, orderBy: {field: CATEGORY}) { edges { node { id } } } }`).OK(t, &got)
		var served []string
		for _, e := range got.Actors.Edges {
			served = append(served, e.Node.ID)
		}
		if len(served) == 0 {
			t.Fatalf("no actor served")
		}
		var recorded []string
		for _, e := range readEvents(t, db, id) {
			if e.ObjectType == "Actor" && slices.Contains(e.Fields, "category") {
				recorded = append(recorded, e.ObjectIds...)
			}
		}
		slices.Sort(served)
		slices.Sort(recorded)
		if !slices.Equal(served, recorded) {
			t.Errorf("ordered by an audited category: recorded reads of it on %v, served %v", recorded, served)
		}

		// The same ordering by an unaudited field records nothing of it.
		const plain = "order-plain"
		queryWithRequestID(t, w.srv, accCoord, plain, `{ actors(first: 3, orderBy: {field: KIND}) { edges { node { id } } } }`).OK(t, nil)
		for _, e := range readEvents(t, db, plain) {
			if e.ObjectType == "Actor" {
				t.Errorf("ordered by kind: event %v %v", e.Fields, e.ObjectIds)
			}
		}
	})
}
