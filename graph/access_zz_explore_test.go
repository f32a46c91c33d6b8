package graph_test

import (
	"testing"

	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

func TestAccessZZExplore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		for _, s := range accRoleOrder {
			r := w.as(t, s).Query(t, `{ incidents(first: 100, orderBy: [{field: REFERENCE}]) { totalCount edges { node { reference narrative collectedBy { subject } involvements { role actor { kind fullName gender pseudonym } } followUps(first:5) { edges { node { description } } } } } } }`, nil)
			t.Logf("%s: %s", s, r.Body)
		}
	})
}
