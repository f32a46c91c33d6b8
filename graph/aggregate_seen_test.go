package graph_test

import (
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestIncidentAggregateSeenRows: under disclosure control the threshold is
// of the incidents the role may not read (aggregate.PublishSeen). The five
// verified arrests of Niono in June 2022 are all consented: DIHR reads
// every one, so their cell holds no hidden incident and is protected,
// though 5 is the threshold (published, it would tell DIHR that no
// incident it may not read is there: the count it lists, exactly). The
// seven of Siribala in 2023, none consented, are hidden and published
// within the noise; the coordinator counts both exactly.
func TestIncidentAggregateSeenRows(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		newAggFixture(t, srv)
		year2022 := map[string]any{"from": "2022-01-01T00:00:00Z", "to": "2023-01-01T00:00:00Z"}
		byCommune := map[string]any{"level": "COMMUNE"}
		niono, siribala := "LOCALITY=Niono/COMMUNE", "LOCALITY=Siribala/COMMUNE"
		dihr, coord := srv.As(t, aggDIHR), srv.As(t, aggCoord)
		if v := askAgg(t, coord, aggVars([]string{"LOCALITY"}, year2022, byCommune)).all()[niono]; v != 5 {
			t.Fatalf("coordinator: Niono 2022 = %d, want 5", v)
		}
		if v := askAgg(t, dihr, aggVars([]string{"LOCALITY"}, year2022, byCommune)).all()[niono]; v != -1 {
			t.Errorf("DIHR: Niono 2022 (5 incidents, all of which it reads) = %d, want protected", v)
		}
		// The same incidents asked otherwise: the 2022 total, and Niono's
		// cercle, hold the same five only.
		if v := askAgg(t, dihr, aggVars([]string{}, year2022)).all()[""]; v != -1 {
			t.Errorf("DIHR: the 2022 total (the same 5) = %d, want protected", v)
		}
		if v := askAgg(t, coord, aggVars([]string{"LOCALITY"}, year2023, byCommune)).all()[siribala]; v != 7 {
			t.Fatalf("coordinator: Siribala 2023 = %d, want 7", v)
		}
		if v := askAgg(t, dihr, aggVars([]string{"LOCALITY"}, year2023, byCommune)).all()[siribala]; v < 5 || v > 9 {
			t.Errorf("DIHR: Siribala 2023 (7 hidden incidents) = %d, want 5 to 9", v)
		}
	})
}
