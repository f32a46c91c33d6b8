package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/actor"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestMigrateFillsCellKeys: rows of every counted table written before the
// cell key existed (the column's SQL default 0) get a random key from the
// migration, which leaves the keys of the others alone.
func TestMigrateFillsCellKeys(t *testing.T) {
	const n = 2300 // more than one batch of the migration
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := policy.SystemContext(context.Background())
		loc := db.Client.Locality.Create().SetName("Niono").SetLevel(locality.LevelCERCLE).SaveX(ctx)
		vt := db.Client.ViolationType.Create().SetCode("threats").SetLabelFr("Menaces").SetLabelEn("Threats").SaveX(ctx)
		victim := db.Client.Actor.Create().SetKind(actor.KindINDIVIDUAL).SaveX(ctx)
		at := time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)
		var bs []*ent.IncidentCreate
		for i := range n {
			bs = append(bs, db.Client.Incident.Create().SetReference(fmt.Sprintf("MIG-2023-%04d", i)).
				SetOccurredAt(at).SetReportedAt(at).SetLocalityID(loc.ID).AddViolationTypeIDs(vt.ID))
		}
		incidents := db.Client.Incident.CreateBulk(bs...).SaveX(ctx)
		var ivs []*ent.InvolvementCreate
		for _, inc := range incidents {
			ivs = append(ivs, db.Client.Involvement.Create().SetIncidentID(inc.ID).SetActorID(victim.ID).SetRole(involvement.RoleVICTIM))
		}
		db.Client.Involvement.CreateBulk(ivs...).ExecX(ctx)
		keysOf := map[string]func() map[string]int64{
			"incidents": func() map[string]int64 {
				out := map[string]int64{}
				for _, r := range db.Client.Incident.Query().AllX(ctx) {
					out[string(r.ID)] = r.CellKey
				}
				return out
			},
			"involvements": func() map[string]int64 {
				out := map[string]int64{}
				for _, r := range db.Client.Involvement.Query().AllX(ctx) {
					out[string(r.ID)] = r.CellKey
				}
				return out
			},
		}
		before := map[string]map[string]int64{}
		kept := map[string]string{}
		for table, keys := range keysOf {
			before[table] = keys()
			for id := range before[table] {
				kept[table] = id
				break
			}
			if _, err := db.SQL.ExecContext(ctx, "UPDATE "+table+" SET cell_key = 0 WHERE id <> '"+kept[table]+"'"); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		for table, keys := range keysOf {
			after := keys()
			if len(after) != n {
				t.Fatalf("%s: %d rows, want %d", table, len(after), n)
			}
			distinct := map[int64]bool{}
			for id, k := range after {
				if k <= 0 || k >= 1<<32 {
					t.Fatalf("%s %s: cell key %d", table, id, k)
				}
				distinct[k] = true
			}
			if got, was := after[kept[table]], before[table][kept[table]]; got != was {
				t.Errorf("%s: the key of a row that had one changed: %d, was %d", table, got, was)
			}
			if len(distinct) < n-10 { // uniform 32-bit keys all but never collide
				t.Errorf("%s: %d distinct keys of %d", table, len(distinct), n)
			}
		}
	})
}
