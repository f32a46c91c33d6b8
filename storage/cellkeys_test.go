package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestMigrateFillsCellKeys: rows written before the cell key existed (the
// column's SQL default 0) get a random key from the migration, which
// leaves the keys of the others alone.
func TestMigrateFillsCellKeys(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := policy.SystemContext(context.Background())
		loc := db.Client.Locality.Create().SetName("Niono").SetLevel(locality.LevelCERCLE).SaveX(ctx)
		vt := db.Client.ViolationType.Create().SetCode("threats").SetLabelFr("Menaces").SetLabelEn("Threats").SaveX(ctx)
		at := time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)
		var bs []*ent.IncidentCreate
		for i := range 1200 { // more than one batch of the migration
			bs = append(bs, db.Client.Incident.Create().SetReference(fmt.Sprintf("MIG-2023-%04d", i)).
				SetOccurredAt(at).SetReportedAt(at).SetLocalityID(loc.ID).AddViolationTypeIDs(vt.ID))
		}
		db.Client.Incident.CreateBulk(bs...).ExecX(ctx)
		kept := db.Client.Incident.Query().FirstX(ctx)
		if _, err := db.SQL.ExecContext(ctx, "UPDATE incidents SET cell_key = 0 WHERE id <> '"+string(kept.ID)+"'"); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		keys := map[int64]bool{}
		for _, inc := range db.Client.Incident.Query().AllX(ctx) {
			if inc.CellKey <= 0 || inc.CellKey >= 1<<32 {
				t.Fatalf("incident %s: cell key %d", inc.Reference, inc.CellKey)
			}
			if inc.ID == kept.ID && inc.CellKey != kept.CellKey {
				t.Errorf("the key of a row that had one changed: %d, was %d", inc.CellKey, kept.CellKey)
			}
			keys[inc.CellKey] = true
		}
		if len(keys) < 1190 { // 1200 uniform 32-bit keys all but never collide
			t.Errorf("%d distinct keys of 1200", len(keys))
		}
	})
}
