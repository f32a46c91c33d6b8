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

// TestMigrateFillsCellKeys: incidents written before the cell key existed
// (the column's SQL default 0) get a random key from the migration, which
// leaves the keys of the others alone. Involvements have no key (they are
// counted with their incident's, package aggregate): the migration gives
// them none, and a database that still has their old column keeps
// working (TestMigrateKeepsInvolvementKeyColumn).
func TestMigrateFillsCellKeys(t *testing.T) {
	const n = 2300 // more than one batch of the migration
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := policy.SystemContext(context.Background())
		incidents := addIncidents(t, db, n)
		keys := func() map[string]int64 {
			out := map[string]int64{}
			for _, r := range db.Client.Incident.Query().AllX(ctx) {
				out[string(r.ID)] = r.CellKey
			}
			return out
		}
		before := keys()
		kept := string(incidents[0].ID)
		if _, err := db.SQL.ExecContext(ctx, "UPDATE incidents SET cell_key = 0 WHERE id <> '"+kept+"'"); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		after := keys()
		if len(after) != n {
			t.Fatalf("%d incidents, want %d", len(after), n)
		}
		distinct := map[int64]bool{}
		for id, k := range after {
			if k <= 0 || k >= 1<<32 {
				t.Fatalf("incident %s: cell key %d", id, k)
			}
			distinct[k] = true
		}
		if got, was := after[kept], before[kept]; got != was {
			t.Errorf("the key of an incident that had one changed: %d, was %d", got, was)
		}
		if len(distinct) < n-10 { // uniform 32-bit keys all but never collide
			t.Errorf("%d distinct keys of %d", len(distinct), n)
		}
	})
}

// TestMigrateKeepsInvolvementKeyColumn: a database migrated when
// involvements had cell keys has their column, NOT NULL DEFAULT 0. The
// migration drops no column and leaves it; rows written since, which
// name no cell_key, take its default, so that writing involvements, and
// migrating again, still work, and nothing gives them keys.
func TestMigrateKeepsInvolvementKeyColumn(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := policy.SystemContext(context.Background())
		incidents := addIncidents(t, db, 3)
		victim := db.Client.Actor.Create().SetKind(actor.KindINDIVIDUAL).SaveX(ctx)
		old := db.Client.Involvement.Create().SetIncidentID(incidents[0].ID).SetActorID(victim.ID).SetRole(involvement.RoleVICTIM).SaveX(ctx)
		// The column as the old schema's migration made it, with a key
		// in the row written then.
		for _, stmt := range []string{
			"ALTER TABLE involvements ADD COLUMN cell_key BIGINT NOT NULL DEFAULT 0",
			"UPDATE involvements SET cell_key = 12345 WHERE id = '" + string(old.ID) + "'",
		} {
			if _, err := db.SQL.ExecContext(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("migrate a database with involvements.cell_key: %v", err)
		}
		for _, inc := range incidents[1:] {
			if _, err := db.Client.Involvement.Create().SetIncidentID(inc.ID).SetActorID(victim.ID).SetRole(involvement.RoleVICTIM).Save(ctx); err != nil {
				t.Fatalf("write an involvement beside the old column: %v", err)
			}
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("migrate again: %v", err)
		}
		rows, err := db.SQL.QueryContext(ctx, "SELECT id, cell_key FROM involvements ORDER BY id")
		if err != nil {
			t.Fatalf("the old column is gone: %v", err)
		}
		defer rows.Close()
		got := map[string]int64{}
		for rows.Next() {
			var id string
			var k int64
			if err := rows.Scan(&id, &k); err != nil {
				t.Fatal(err)
			}
			got[id] = k
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("%d involvements, want 3", len(got))
		}
		for id, k := range got {
			want := int64(0) // the default: no key drawn
			if id == string(old.ID) {
				want = 12345 // left alone
			}
			if k != want {
				t.Errorf("involvement %s: cell_key %d, want %d", id, k, want)
			}
		}
	})
}

// addIncidents writes n incidents of March 2023 in one cercle.
func addIncidents(t *testing.T, db *storage.DB, n int) []*ent.Incident {
	t.Helper()
	ctx := policy.SystemContext(context.Background())
	loc := db.Client.Locality.Create().SetName("Niono").SetLevel(locality.LevelCERCLE).SaveX(ctx)
	vt := db.Client.ViolationType.Create().SetCode("threats").SetLabelFr("Menaces").SetLabelEn("Threats").SaveX(ctx)
	at := time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)
	var bs []*ent.IncidentCreate
	for i := range n {
		bs = append(bs, db.Client.Incident.Create().SetReference(fmt.Sprintf("MIG-2023-%04d", i)).
			SetOccurredAt(at).SetReportedAt(at).SetLocalityID(loc.ID).AddViolationTypeIDs(vt.ID))
	}
	return db.Client.Incident.CreateBulk(bs...).SaveX(ctx)
}
