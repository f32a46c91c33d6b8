package graph_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

const incidentsPageQuery = `query Page($first: Int, $after: Cursor, $last: Int, $before: Cursor,
    $orderBy: [IncidentOrder!], $where: IncidentWhereInput) {
  incidents(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy, where: $where) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { reference status } }
  }
}`

type pageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

type refPage struct {
	TotalCount int
	PageInfo   pageInfo
	Edges      []struct {
		Cursor string
		Node   struct {
			Reference string
			Status    string
		}
	}
}

func (p refPage) refs() []string {
	out := make([]string, len(p.Edges))
	for i, e := range p.Edges {
		out[i] = e.Node.Reference
	}
	return out
}

// fetchPage runs incidentsPageQuery and checks what every page must satisfy:
// its start and end cursors are those of its first and last edges.
func fetchPage(t *testing.T, srv *apitest.Server, vars map[string]any) refPage {
	t.Helper()
	var data struct{ Incidents refPage }
	srv.Query(t, incidentsPageQuery, vars).OK(t, &data)
	p := data.Incidents
	if n := len(p.Edges); n > 0 {
		if p.PageInfo.StartCursor == nil || *p.PageInfo.StartCursor != p.Edges[0].Cursor {
			t.Fatalf("startCursor %v is not the cursor of the first edge %q", p.PageInfo.StartCursor, p.Edges[0].Cursor)
		}
		if p.PageInfo.EndCursor == nil || *p.PageInfo.EndCursor != p.Edges[n-1].Cursor {
			t.Fatalf("endCursor %v is not the cursor of the last edge %q", p.PageInfo.EndCursor, p.Edges[n-1].Cursor)
		}
	}
	return p
}

// ref is the reference of fixture incident i.
func ref(i int) string { return fmt.Sprintf("TST-2023-%04d", i) }

// refsWhere returns the references of the fixture's n incidents that keep
// holds for, in the order of the indexes given by order.
func refsWhere(order []int, keep func(i int) bool) []string {
	var out []string
	for _, i := range order {
		if keep(i) {
			out = append(out, ref(i))
		}
	}
	return out
}

func ascending(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func descending(n int) []int {
	out := ascending(n)
	slices.Reverse(out)
	return out
}

func all(int) bool { return true }

// pageForward follows endCursor from the first page to the last and returns
// every reference seen, checking that each page is full but the last, that
// totalCount is wantTotal on every page and that hasNextPage is false only
// on the last.
func pageForward(t *testing.T, srv *apitest.Server, size, wantTotal int, vars map[string]any) []string {
	t.Helper()
	return pageThrough(t, srv, size, wantTotal, vars, false)
}

// pageBackward follows startCursor from the last page to the first, with
// the same checks on hasPreviousPage, and returns every reference seen, in
// the connection's order.
func pageBackward(t *testing.T, srv *apitest.Server, size, wantTotal int, vars map[string]any) []string {
	t.Helper()
	return pageThrough(t, srv, size, wantTotal, vars, true)
}

func pageThrough(t *testing.T, srv *apitest.Server, size, wantTotal int, vars map[string]any, backward bool) []string {
	t.Helper()
	sizeArg, cursorArg, more := "first", "after", "hasNextPage"
	if backward {
		sizeArg, cursorArg, more = "last", "before", "hasPreviousPage"
	}
	var seen []string
	var cursor any
	for pages := 1; ; pages++ {
		if pages > wantTotal/size+2 {
			t.Fatalf("still paging after %d pages: %s never became false", pages, more)
		}
		v := map[string]any{sizeArg: size, cursorArg: cursor}
		for k, x := range vars {
			v[k] = x
		}
		p := fetchPage(t, srv, v)
		if p.TotalCount != wantTotal {
			t.Fatalf("page %d: totalCount %d, want %d", pages, p.TotalCount, wantTotal)
		}
		hasMore, next := p.PageInfo.HasNextPage, p.PageInfo.EndCursor
		if backward {
			seen = append(p.refs(), seen...)
			hasMore, next = p.PageInfo.HasPreviousPage, p.PageInfo.StartCursor
		} else {
			seen = append(seen, p.refs()...)
		}
		if !hasMore {
			if len(seen) != wantTotal {
				t.Fatalf("%s false on page %d after %d items, want %d", more, pages, len(seen), wantTotal)
			}
			return seen
		}
		if len(p.Edges) != size {
			t.Fatalf("page %d has %d edges but %s is true (page size %d)", pages, len(p.Edges), more, size)
		}
		cursor = *next
	}
}

func wantRefs(t *testing.T, got, want []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range got {
		if seen[r] {
			t.Errorf("%s returned twice", r)
		}
		seen[r] = true
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %d references:\n%v\nwant %d:\n%v", len(got), got, len(want), want)
	}
}

func TestPagination(t *testing.T) {
	const n = 25
	verified := func(i int) bool { return i%3 == 0 }
	reported := func(i int) bool { return i%3 != 0 }
	// STATUS sorts REPORTED before VERIFIED; within a status, latest first.
	statusThenLatest := append(refsWhere(descending(n), reported), refsWhere(descending(n), verified)...)
	byOccurredAt := func(dir string) []map[string]any {
		return []map[string]any{{"field": "OCCURRED_AT", "direction": dir}}
	}
	multi := []map[string]any{{"field": "STATUS"}, {"field": "OCCURRED_AT", "direction": "DESC"}}

	tests := []struct {
		name     string
		size     int
		backward bool
		vars     map[string]any
		want     []string
	}{
		{"forward ASC", 10, false, map[string]any{"orderBy": byOccurredAt("ASC")}, refsWhere(ascending(n), all)},
		{"backward ASC", 10, true, map[string]any{"orderBy": byOccurredAt("ASC")}, refsWhere(ascending(n), all)},
		{"forward DESC", 10, false, map[string]any{"orderBy": byOccurredAt("DESC")}, refsWhere(descending(n), all)},
		{"backward DESC", 10, true, map[string]any{"orderBy": byOccurredAt("DESC")}, refsWhere(descending(n), all)},
		{"page of one", 1, false, map[string]any{"orderBy": byOccurredAt("ASC")}, refsWhere(ascending(n), all)},
		{"page as large as the list", n, false, map[string]any{"orderBy": byOccurredAt("ASC")}, refsWhere(ascending(n), all)},
		{"forward multi-order", 7, false, map[string]any{"orderBy": multi}, statusThenLatest},
		{"backward multi-order", 7, true, map[string]any{"orderBy": multi}, statusThenLatest},
		{"forward filtered", 4, false, map[string]any{
			"orderBy": byOccurredAt("ASC"),
			"where":   map[string]any{"status": "VERIFIED"},
		}, refsWhere(ascending(n), verified)},
		{"backward filtered DESC", 4, true, map[string]any{
			"orderBy": byOccurredAt("DESC"),
			"where":   map[string]any{"statusIn": []string{"REPORTED"}, "hasViolationTypesWith": []map[string]any{{"code": "torture"}}},
		}, refsWhere(descending(n), func(i int) bool { return reported(i) && i%2 == 1 })},
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		newFixture(t, db.Client, n)
		srv := apitest.Start(t, db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var got []string
				if tt.backward {
					got = pageBackward(t, srv, tt.size, len(tt.want), tt.vars)
				} else {
					got = pageForward(t, srv, tt.size, len(tt.want), tt.vars)
				}
				wantRefs(t, got, tt.want)
			})
		}

		t.Run("single page of multi-order", func(t *testing.T) {
			p := fetchPage(t, srv, map[string]any{"first": n, "orderBy": multi})
			wantRefs(t, p.refs(), statusThenLatest)
			for i, e := range p.Edges {
				wantStatus := "REPORTED"
				if i >= len(refsWhere(ascending(n), reported)) {
					wantStatus = "VERIFIED"
				}
				if e.Node.Status != wantStatus {
					t.Errorf("edge %d (%s): status %s, want %s", i, e.Node.Reference, e.Node.Status, wantStatus)
				}
			}
			if p.PageInfo.HasNextPage {
				t.Error("hasNextPage true on a page holding every incident")
			}
		})

		// Ordering by a column with ties (STATUS alone) must still page
		// through every row exactly once: the cursor breaks ties by id.
		t.Run("ties in the order field", func(t *testing.T) {
			got := pageForward(t, srv, 4, n, map[string]any{"orderBy": []map[string]any{{"field": "STATUS", "direction": "DESC"}}})
			want := refsWhere(ascending(n), all)
			sorted := slices.Clone(got)
			slices.Sort(sorted)
			wantRefs(t, sorted, want)
			// VERIFIED (9 of them) come first in DESC order.
			for i, r := range got {
				var idx int
				fmt.Sscanf(r, "TST-2023-%d", &idx)
				if (i < 9) != verified(idx) {
					t.Errorf("position %d holds %s, whose status does not belong there", i, r)
				}
			}
		})

		t.Run("cursor of an ASC page used after the last item", func(t *testing.T) {
			p := fetchPage(t, srv, map[string]any{"first": n, "orderBy": byOccurredAt("ASC")})
			after := fetchPage(t, srv, map[string]any{"first": 10, "after": *p.PageInfo.EndCursor, "orderBy": byOccurredAt("ASC")})
			if len(after.Edges) != 0 || after.PageInfo.HasNextPage || after.TotalCount != n {
				t.Fatalf("after the last cursor: %d edges, hasNextPage %v, totalCount %d; want 0, false, %d",
					len(after.Edges), after.PageInfo.HasNextPage, after.TotalCount, n)
			}
		})

		t.Run("first 0", func(t *testing.T) {
			p := fetchPage(t, srv, map[string]any{"first": 0})
			if len(p.Edges) != 0 || p.TotalCount != n {
				t.Fatalf("first 0: %d edges and totalCount %d, want 0 and %d", len(p.Edges), p.TotalCount, n)
			}
		})
	})
}

// TestPageInfoWithoutCount: pageInfo next to a page is told by the page
// itself (first+1 rows are read), so it costs no COUNT of every visible
// row; totalCount does, and pageInfo without edges does too.
func TestPageInfoWithoutCount(t *testing.T) {
	var counter storagetest.Counter
	storagetest.EachWith(t, storage.Config{WrapDriver: counter.Wrap}, func(t *testing.T, db *storage.DB) {
		newFixture(t, db.Client, 6)
		srv := apitest.Start(t, db)
		srv.Query(t, `{ incidents(first: 1) { edges { node { id } } } }`, nil).OK(t, nil) // warm the viewer cache
		run := func(q string) (statements int64, hasNext bool, total *int) {
			t.Helper()
			counter.Reset()
			var got struct {
				Incidents struct {
					TotalCount *int
					PageInfo   *struct{ HasNextPage bool }
				}
			}
			srv.Query(t, q, nil).OK(t, &got)
			if got.Incidents.PageInfo != nil {
				hasNext = got.Incidents.PageInfo.HasNextPage
			}
			return counter.Count(), hasNext, got.Incidents.TotalCount
		}
		page, _, _ := run(`{ incidents(first: 5) { edges { node { id } } } }`)
		tests := []struct {
			name       string
			query      string
			statements int64 // SQL statements the query must cost
			hasNext    bool
			wantTotal  bool
		}{
			{"pageInfo with a page: no count", `{ incidents(first: 5) { pageInfo { hasNextPage endCursor } edges { node { id } } } }`, page, true, false},
			{"the last page: no next", `{ incidents(first: 6) { pageInfo { hasNextPage } edges { node { id } } } }`, page, false, false},
			{"totalCount: a count", `{ incidents(first: 5) { totalCount edges { node { id } } } }`, page + 1, false, true},
			{"pageInfo without edges: the count alone", `{ incidents(first: 5) { pageInfo { hasNextPage } } }`, 1, true, false},
			{"pageInfo without edges, all rows asked: no next", `{ incidents(first: 6) { pageInfo { hasNextPage } } }`, 1, false, false},
			{"pageInfo and totalCount without edges: one count", `{ incidents(first: 5) { totalCount pageInfo { hasNextPage } } }`, 1, true, true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				n, hasNext, total := run(tt.query)
				if n != tt.statements {
					t.Errorf("%d statements, want %d (a page alone: %d)", n, tt.statements, page)
				}
				if hasNext != tt.hasNext {
					t.Errorf("hasNextPage %v, want %v", hasNext, tt.hasNext)
				}
				if (total != nil) != tt.wantTotal || total != nil && *total != 6 {
					t.Errorf("totalCount %v", total)
				}
			})
		}

		// Without edges, the page not read is still the one after (before)
		// the cursor: more than first (last) rows must follow (precede) it.
		var all struct {
			Incidents struct{ Edges []struct{ Cursor string } }
		}
		srv.Query(t, `{ incidents(first: 6) { edges { cursor } } }`, nil).OK(t, &all)
		if len(all.Incidents.Edges) != 6 {
			t.Fatalf("%d incidents, want 6", len(all.Incidents.Edges))
		}
		cursor := func(i int) string { return all.Incidents.Edges[i].Cursor }
		for _, c := range []struct {
			name                 string
			args                 string
			cursor               string
			hasNext, hasPrevious bool
		}{
			{"2 after the 4th of 6, first 2", "first: 2, after: $c", cursor(3), false, false},
			{"2 after the 4th of 6, first 1", "first: 1, after: $c", cursor(3), true, false},
			{"none after the last, first 0", "first: 0, after: $c", cursor(5), false, false},
			{"1 after the 5th, first 0", "first: 0, after: $c", cursor(4), true, false},
			{"2 before the 3rd of 6, last 2", "last: 2, before: $c", cursor(2), false, false},
			{"2 before the 3rd of 6, last 1", "last: 1, before: $c", cursor(2), false, true},
		} {
			t.Run(c.name, func(t *testing.T) {
				counter.Reset()
				var got struct {
					Incidents struct {
						TotalCount int
						PageInfo   struct{ HasNextPage, HasPreviousPage bool }
					}
				}
				srv.Query(t, `query($c: Cursor) { incidents(`+c.args+`) { totalCount pageInfo { hasNextPage hasPreviousPage } } }`,
					map[string]any{"c": c.cursor}).OK(t, &got)
				if p := got.Incidents.PageInfo; p.HasNextPage != c.hasNext || p.HasPreviousPage != c.hasPrevious {
					t.Errorf("hasNextPage %v, hasPreviousPage %v; want %v, %v", p.HasNextPage, p.HasPreviousPage, c.hasNext, c.hasPrevious)
				}
				if got.Incidents.TotalCount != 6 {
					t.Errorf("totalCount %d: the cursors must not change it", got.Incidents.TotalCount)
				}
				if n := counter.Count(); n != 2 {
					t.Errorf("%d statements, want 2 (the total, the rows past the cursor)", n)
				}
			})
		}
	})
}
