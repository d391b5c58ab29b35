package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	cg "github.com/b02aa859/customergroup"
)

// pagingRows are created in this order, each at its created tick and updated (when updated
// differs) at its updated tick: several share a CreatedAt or an UpdatedAt, so ties must be
// broken by id, and ids differ in case so that the id order must be byte order.
var pagingRows = []struct {
	id, name         string
	created, updated int
}{
	{"pg-f", "gamma", 0, 3},
	{"pg-C", "delta", 1, 3},
	{"pg-a", "Alpha", 0, 0},
	{"pg-e", "Émile", 1, 1},
	{"pg-B", "beta", 0, 3},
	{"pg-g", "Zeta", 2, 2},
	{"pg-D", "epsilon", 1, 4},
}

// pagingOrders is the exact ascending order of pagingRows for each sort; descending is its
// reverse (the id tie-break included).
var pagingOrders = []struct {
	sort cg.SortField
	want []string
}{
	// created 0: pg-B < pg-a < pg-f (byte order); 1: pg-C < pg-D < pg-e; 2: pg-g
	{cg.SortByCreatedAt, []string{"pg-B", "pg-a", "pg-f", "pg-C", "pg-D", "pg-e", "pg-g"}},
	// folded names: alpha beta delta epsilon gamma zeta émile (é sorts after z)
	{cg.SortByName, []string{"pg-a", "pg-B", "pg-C", "pg-D", "pg-f", "pg-g", "pg-e"}},
	// updated 0: pg-a; 1: pg-e; 2: pg-g; 3: pg-B < pg-C < pg-f; 4: pg-D
	{cg.SortByUpdatedAt, []string{"pg-a", "pg-e", "pg-g", "pg-B", "pg-C", "pg-f", "pg-D"}},
}

func setupPaging(t *testing.T, h *harness) {
	t.Helper()
	for _, r := range pagingRows {
		h.setTick(r.created)
		h.createWith(cg.NewGroup{ID: r.id, Name: r.name})
	}
	for _, r := range pagingRows {
		if r.updated != r.created {
			h.setTick(r.updated)
			_, err := h.svc.EditMetadata(h.ctx, r.id, func(m *cg.Metadata) error { return m.Set("touched", "yes") })
			require.NoError(t, err)
		}
	}
}

// pagingCases yields every sort (the default "" included), each ascending and descending,
// with the exact order expected.
func pagingCases() []struct {
	q    cg.Query
	want []string
} {
	var out []struct {
		q    cg.Query
		want []string
	}
	for _, o := range pagingOrders {
		sorts := []cg.SortField{o.sort}
		if o.sort == cg.SortByCreatedAt {
			sorts = append(sorts, "")
		}
		for _, s := range sorts {
			for _, desc := range []bool{false, true} {
				want := slices.Clone(o.want)
				if desc {
					slices.Reverse(want)
				}
				out = append(out, struct {
					q    cg.Query
					want []string
				}{cg.Query{Sort: s, Desc: desc}, want})
			}
		}
	}
	return out
}

func pagingTests() []testCase {
	return []testCase{
		{"SortOrders", func(t *testing.T, h *harness) {
			setupPaging(t, h)
			for _, c := range pagingCases() {
				require.Equal(t, c.want, groupIDs(h.list(c.q).Groups), "sort %q desc %v", c.q.Sort, c.q.Desc)
			}
		}},
		{"CursorWalk", func(t *testing.T, h *harness) {
			setupPaging(t, h)
			for _, c := range pagingCases() {
				for _, limit := range []int{3, 7} {
					q := c.q
					q.Limit, q.CountTotal = limit, limit == 3
					desc := fmt.Sprintf("sort %q desc %v limit %d", q.Sort, q.Desc, limit)
					var got []string
					for page := 0; ; page++ {
						require.Less(t, page, 10, desc)
						p := h.list(q)
						if q.CountTotal {
							require.Equal(t, len(pagingRows), p.Total, "%s: Total with CountTotal", desc)
						} else {
							require.Equal(t, -1, p.Total, "%s: Total without CountTotal", desc)
						}
						got = append(got, groupIDs(p.Groups)...)
						if p.Next == "" {
							break
						}
						require.Len(t, p.Groups, limit, "%s: a page with a Next cursor is full", desc)
						require.Less(t, len(got), len(pagingRows), "%s: Next must be empty on the last page", desc)
						q.After = p.Next
					}
					require.Equal(t, c.want, got, "%s: every group once, in order", desc)
				}
			}
		}},
		{"OffsetWalk", func(t *testing.T, h *harness) {
			setupPaging(t, h)
			n := len(pagingRows)
			for _, c := range pagingCases() {
				for _, limit := range []int{3, 7} {
					for off := 0; off < n; off += limit {
						q := c.q
						q.Limit, q.Offset, q.CountTotal = limit, off, true
						desc := fmt.Sprintf("sort %q desc %v limit %d offset %d", q.Sort, q.Desc, limit, off)
						p := h.list(q)
						end := min(off+limit, n)
						require.Equal(t, c.want[off:end], groupIDs(p.Groups), desc)
						require.Equal(t, n, p.Total, desc)
						if end == n {
							require.Empty(t, p.Next, "%s: the last page", desc)
							continue
						}
						require.NotEmpty(t, p.Next, "%s: more follow", desc)
						// Next of an offset page continues where it ends.
						next := c.q
						next.Limit, next.After = 1, p.Next
						require.Equal(t, c.want[end:end+1], groupIDs(h.list(next).Groups), "%s: continued by Next", desc)
					}
				}
			}
		}},
		{"OffsetBeyondEnd", func(t *testing.T, h *harness) {
			setupPaging(t, h)
			for _, off := range []int{len(pagingRows), len(pagingRows) + 1, 1000} {
				p := h.list(cg.Query{Offset: off, CountTotal: true})
				require.Empty(t, p.Groups)
				require.Empty(t, p.Next)
				require.Equal(t, len(pagingRows), p.Total, "Total counts the whole query, not the page")
			}
		}},
		{"OffsetAndAfterIsErrInvalid", func(t *testing.T, h *harness) {
			setupPaging(t, h)
			p := h.list(cg.Query{Limit: 2})
			require.NotEmpty(t, p.Next)
			_, err := h.svc.List(h.ctx, cg.Query{Limit: 2, Offset: 2, After: p.Next})
			requireInvalid(t, err, "")
		}},
		{"ForeignCursorIsErrInvalid", func(t *testing.T, h *harness) {
			setupPaging(t, h)
			h.add("pg-a", "c1", "c2")
			p := h.list(cg.Query{Limit: 2})
			require.NotEmpty(t, p.Next)
			require.Len(t, h.list(cg.Query{Limit: 2, After: p.Next}).Groups, 2, "the cursor works with its own query")
			mp, err := h.svc.ListCustomers(h.ctx, "pg-a", cg.MemberQuery{Limit: 1})
			require.NoError(t, err)
			require.NotEmpty(t, mp.Next)
			at := h.get("pg-a").CreatedAt
			for name, q := range map[string]cg.Query{
				"other sort":              {Sort: cg.SortByName},
				"other sort (updated)":    {Sort: cg.SortByUpdatedAt},
				"other direction":         {Desc: true},
				"with a search":           {Search: "a"},
				"with ids":                {IDs: []string{"pg-a", "pg-B"}},
				"with names":              {Names: []string{"Alpha"}},
				"with a customer":         {CustomerID: "c1"},
				"with a creator":          {CreatedBy: "x"},
				"with a created range":    {Created: cg.TimeRange{From: at}},
				"with an updated range":   {Updated: cg.TimeRange{To: at}},
				"with a member cursor":    {After: mp.Next},
				"with a tampered cursor":  {After: tamper(p.Next)},
				"with a truncated cursor": {After: p.Next[:len(p.Next)-3]},
				"with garbage":            {After: "garbage!"},
				"with an id as cursor":    {After: "pg-a"},
			} {
				if q.After == "" {
					q.After = p.Next
				}
				q.Limit = 2
				_, err := h.svc.List(h.ctx, q)
				requireInvalid(t, err, "", name)
			}
		}},
		{"CursorSurvivesDeletion", func(t *testing.T, h *harness) {
			setupPaging(t, h)
			p := h.list(cg.Query{Limit: 3})
			require.Equal(t, []string{"pg-B", "pg-a", "pg-f"}, groupIDs(p.Groups))
			// The group the cursor points at goes, and so does the next one in line.
			require.NoError(t, h.svc.Delete(h.ctx, "pg-f"))
			require.NoError(t, h.svc.Delete(h.ctx, "pg-C"))
			p = h.list(cg.Query{Limit: 3, After: p.Next})
			require.Equal(t, []string{"pg-D", "pg-e", "pg-g"}, groupIDs(p.Groups))
			require.Empty(t, p.Next)
		}},
		{"CursorWithFilters", func(t *testing.T, h *harness) {
			setupPaging(t, h)
			for _, id := range []string{"pg-g", "pg-B", "pg-e", "pg-C"} {
				h.add(id, "c1")
			}
			q := cg.Query{CustomerID: "c1", Search: "e", Sort: cg.SortByName, Desc: true, Limit: 1, CountTotal: true}
			// names with an e: delta (pg-C), zeta (pg-g), émile (pg-e); beta (pg-B) too
			want := []string{"pg-e", "pg-g", "pg-C", "pg-B"}
			var got []string
			for range 10 {
				p := h.list(q)
				require.Equal(t, 4, p.Total)
				got = append(got, groupIDs(p.Groups)...)
				if p.Next == "" {
					break
				}
				q.After = p.Next
			}
			require.Equal(t, want, got)
		}},
	}
}
