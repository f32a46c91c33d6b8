package graph_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestIncidentAggregateOrphanLocalityNoOracle: a commune not yet placed in
// the tree (allowed while it is being built) holds incidents counted at
// no region. Grouped by LOCALITY at REGION, DIHR must get the same kind of
// answer (the whole grid, its small cells protected) whether that commune
// holds an incident or none: an error when it holds one would tell, with
// a filter of one value per list (one commune, one status, one year),
// that the cell is not empty.
func TestIncidentAggregateOrphanLocalityNoOracle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		newAggFixture(t, srv)
		sys := policy.SystemContext(context.Background())
		c := srv.DB.Client
		empty, err := c.Locality.Create().SetName("Commune fictive vide").SetLevel(locality.LevelCOMMUNE).Save(sys)
		if err != nil {
			t.Fatal(err)
		}
		orphan, err := c.Locality.Create().SetName("Commune fictive orpheline").SetLevel(locality.LevelCOMMUNE).Save(sys)
		if err != nil {
			t.Fatal(err)
		}
		u, err := c.User.Query().First(sys)
		if err != nil {
			t.Fatal(err)
		}
		vt, err := c.ViolationType.Query().FirstID(sys)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Incident.Create().SetReference("AGG-2023-9001").
			SetOccurredAt(time.Date(2023, 5, 1, 9, 0, 0, 0, time.UTC)).SetReportedAt(time.Date(2023, 5, 2, 9, 0, 0, 0, time.UTC)).
			SetStatus(incident.StatusVERIFIED).SetSummary("Résumé fictif").SetLocalityID(orphan.ID).
			SetCollectedByID(u.ID).AddViolationTypeIDs(vt).Exec(sys); err != nil {
			t.Fatal(err)
		}
		dihr := srv.As(t, aggDIHR)
		listed := map[string][]string{}
		for _, tt := range []struct {
			name string
			loc  gid.ID
		}{{"the empty unplaced commune", empty.ID}, {"the unplaced commune holding one incident", orphan.ID}} {
			for _, groupBy := range [][]string{{"LOCALITY"}, {"LOCALITY", "STATUS"}} {
				vars := aggVars(groupBy, year2023, map[string]any{"level": "REGION",
					"filter": map[string]any{"localities": []string{string(tt.loc)}}})
				r := dihr.Query(t, aggQuery, vars)
				var a aggAnswer
				if len(r.Errors) > 0 {
					t.Errorf("DIHR by %v at REGION, filtered by %s: errors %v; an error only when the commune holds incidents says it is not empty", groupBy, tt.name, r.Errors)
					continue
				}
				r.OK(t, &a)
				for l, v := range a.all() {
					if v != -1 {
						t.Errorf("DIHR by %v at REGION, filtered by %s: %q = %d, want protected", groupBy, tt.name, l, v)
					}
					key := fmt.Sprint(groupBy) + " " + string(tt.loc)
					listed[key] = append(listed[key], l)
				}
			}
		}
		for _, g := range []string{"[LOCALITY]", "[LOCALITY STATUS]"} {
			a, b := listed[g+" "+string(empty.ID)], listed[g+" "+string(orphan.ID)]
			slices.Sort(a)
			slices.Sort(b)
			if !slices.Equal(a, b) {
				t.Errorf("DIHR by %s at REGION: the empty commune lists %v, the one holding an incident %v: the cells listed must not depend on the data", g, a, b)
			}
		}
		// Unfiltered too: one incident anywhere unplaced must not turn the
		// whole answer into an error.
		r := dihr.Query(t, aggQuery, aggVars([]string{"LOCALITY"}, year2023, map[string]any{"level": "REGION"}))
		if len(r.Errors) > 0 {
			t.Errorf("DIHR by LOCALITY at REGION: errors %v", r.Errors)
		}
	})
}

// TestRecommendationAggregateLocalityOfUnreadActivity: the liaison counts
// the recommendations addressed to its organization, R4 among them, made
// at A4, an activity of Kayes it may neither read nor count (its
// activities are those of the cercle of Niono). Filtering its counts by
// the cercle of Kayes must not tell where A4 was held.
func TestRecommendationAggregateLocalityOfUnreadActivity(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		f := newActFixture(t, srv)
		fsi := srv.As(t, aggFSI)
		var acts struct {
			ActivityAggregate struct{ Totals []actCell }
		}
		fsi.Query(t, actQuery, aggVars([]string{}, map[string]any{"filter": map[string]any{"localities": []string{string(f.kayesCercle)}}})).OK(t, &acts)
		for _, c := range acts.ActivityAggregate.Totals {
			if c.Count == nil || *c.Count != 0 {
				t.Fatalf("fixture: the liaison counts %v activities of Kayes, want 0", c.Count)
			}
		}
		wantExactly(t, "FSI, recommendations of activities of Kayes",
			askRec(t, fsi, aggVars([]string{}, map[string]any{"filter": map[string]any{"localities": []string{string(f.kayesCercle)}}})),
			map[string]string{"": "0 late 0"})
		wantExactly(t, "FSI, recommendations of activities of Niono",
			askRec(t, fsi, aggVars([]string{}, map[string]any{"filter": map[string]any{"localities": []string{string(f.nionoCercle)}}})),
			map[string]string{"": "2 late 1"}) // R1, R2 (A1)
	})
}
