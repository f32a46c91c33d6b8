package graph_test

import (
	"testing"

	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

func TestAccessZZExplore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		for _, c := range []struct{ s, q string }{
			{accDIHR, `{ incidents(first: 2) { edges { node { reference summary } } } }`},
			{accDIHR, `{ incidents(first: 2) { edges { node { reference summary status consentToShare } } } }`},
			{accFSINiono, `{ incidents(first: 2) { edges { node { reference summary } } } }`},
			{accMonNiono, `{ incidents(first: 2) { edges { node { reference narrative } } } }`},
			{accMulti, `{ incidents(first: 20, where: {reference: "NIO-2023-0001"}) { edges { node { reference involvements { role actor { kind fullName organization { name } } } } } } }`},
			{accDIHR, `{ incidents(first: 20, where: {reference: "NIO-2023-0001"}) { edges { node { reference involvements { role actor { kind fullName organization { name } } } } } } }`},
		} {
			r := w.as(t, c.s).Query(t, c.q, nil)
			t.Logf("%s: %s", c.s, r.Body)
		}
	})
}
