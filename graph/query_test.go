package graph_test

import (
	"strings"

	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

const incidentsWithEdges = `query($first: Int!) {
  incidents(first: $first, orderBy: [{field: OCCURRED_AT, direction: ASC}]) {
    totalCount
    edges { node {
      id reference status
      locality { name parent { name } }
      violationTypes { code }
      involvements { role actor { fullName } }
    } }
  }
}`

type incidentsPage struct {
	Incidents struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				ID        string
				Reference string
				Status    string
				Locality  struct {
					Name   string
					Parent *struct{ Name string }
				}
				ViolationTypes []struct{ Code string }
				Involvements   []struct {
					Role  string
					Actor struct{ FullName string }
				}
			}
		}
	}
}

func TestIncidentsWithNestedEdges(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		newFixture(t, db.Client, 4)
		srv := apitest.Start(t, db)
		var page incidentsPage
		srv.Query(t, incidentsWithEdges, map[string]any{"first": 10}).OK(t, &page)
		if page.Incidents.TotalCount != 4 || len(page.Incidents.Edges) != 4 {
			t.Fatalf("want 4 incidents, got total %d and %d edges", page.Incidents.TotalCount, len(page.Incidents.Edges))
		}
		first := page.Incidents.Edges[0].Node
		if first.Reference != "TST-2023-0000" || first.Locality.Name != "Niono" || first.Locality.Parent == nil || first.Locality.Parent.Name != "Ségou" {
			t.Errorf("first incident: %+v", first)
		}
		if len(first.ViolationTypes) != 1 || first.ViolationTypes[0].Code != "arbitrary_arrest" {
			t.Errorf("violation types: %+v", first.ViolationTypes)
		}
		roles := map[string]string{}
		for _, inv := range first.Involvements {
			roles[inv.Role] = inv.Actor.FullName
		}
		if roles["VICTIM"] != "Victime fictive 0" || roles["WITNESS"] != "Témoin fictif 0" {
			t.Errorf("involvements: %+v", first.Involvements)
		}
	})
}

// TestStatementsDoNotGrowWithPageSize shows there is no N+1: a page of 10
// incidents with their locality, violation types, involvements and actors
// costs as many SQL statements as a page of 100.
func TestStatementsDoNotGrowWithPageSize(t *testing.T) {
	var counter storagetest.Counter
	storagetest.EachWith(t, storage.Config{WrapDriver: counter.Wrap}, func(t *testing.T, db *storage.DB) {
		newFixture(t, db.Client, 120)
		srv := apitest.Start(t, db)
		statements := map[int]int64{}
		// Warm up: the first request also loads the viewer, which is then cached.
		srv.Query(t, incidentsWithEdges, map[string]any{"first": 1}).OK(t, nil)
		for _, n := range []int{10, 100} {
			counter.Reset()
			var page incidentsPage
			srv.Query(t, incidentsWithEdges, map[string]any{"first": n}).OK(t, &page)
			statements[n] = counter.Count()
			if len(page.Incidents.Edges) != n {
				t.Fatalf("first %d: got %d edges", n, len(page.Incidents.Edges))
			}
			for _, e := range page.Incidents.Edges {
				if len(e.Node.Involvements) != 2 || e.Node.Locality.Name == "" || len(e.Node.ViolationTypes) != 1 {
					t.Fatalf("incident %s not fully loaded: %+v", e.Node.Reference, e.Node)
				}
			}
		}
		t.Logf("SQL statements: %v", statements)
		if statements[10] != statements[100] {
			t.Fatalf("statements grow with page size: %d for 10 incidents, %d for 100", statements[10], statements[100])
		}
		// One per level of nesting (7), and the audit of the actors'
		// full names read: 4 (lock and read the chain's head, insert the
		// event, move the head; see package audit).
		if statements[10] > 11 {
			t.Fatalf("%d statements for one page: expected one per level of nesting and 4 for the audit", statements[10])
		}
	})
}

// TestNodesLoadEachTypeOnce: nodes(ids:) costs as many statements for 40
// ids as for 4 (one query per type and per level of edges), and answers
// null, without an error, for an id that names no row.
func TestNodesLoadEachTypeOnce(t *testing.T) {
	var counter storagetest.Counter
	storagetest.EachWith(t, storage.Config{WrapDriver: counter.Wrap}, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db.Client, 20)
		srv := apitest.Start(t, db)
		const q = `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Incident { reference locality { name } } } }`
		var all []any
		for i, inc := range f.incidents {
			loc := f.kayes
			if i%2 == 0 {
				loc = f.niono
			}
			all = append(all, string(inc.ID), string(loc.ID))
		}
		srv.Query(t, q, map[string]any{"ids": all[:2]}).OK(t, nil) // warm the viewer cache
		statements := map[int]int64{}
		for _, n := range []int{4, 40} {
			ids := append(append([]any{}, all[:n]...), "inc_"+strings.Repeat("a", 26))
			counter.Reset()
			var got struct {
				Nodes []*struct {
					ID        string
					Reference *string
				}
			}
			srv.Query(t, q, map[string]any{"ids": ids}).OK(t, &got)
			statements[n] = counter.Count()
			if len(got.Nodes) != n+1 || got.Nodes[n] != nil {
				t.Fatalf("%d ids and an unknown one: got %d nodes, the last %+v", n, len(got.Nodes), got.Nodes[len(got.Nodes)-1])
			}
			for i, node := range got.Nodes[:n] {
				if node == nil || node.ID != all[i] {
					t.Fatalf("node %d: %+v, want %s", i, node, all[i])
				}
			}
		}
		t.Logf("SQL statements: %v", statements)
		if statements[4] != statements[40] {
			t.Errorf("statements grow with the number of ids: %v", statements)
		}
	})
}
