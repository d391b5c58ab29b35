package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	cg "github.com/b02aa859/customergroup"
)

// listTests cover List's results and filters; pagingTests cover its order and pages.
func listTests() []testCase {
	return []testCase{
		{"EmptyStore", func(t *testing.T, h *harness) {
			for _, q := range []cg.Query{{}, {CountTotal: true}, {Search: "x"}, {Offset: 10}, {Sort: cg.SortByName, Desc: true}} {
				p := h.list(q)
				require.Empty(t, p.Groups)
				require.Empty(t, p.Next)
				if q.CountTotal {
					require.Zero(t, p.Total)
				} else {
					require.Equal(t, -1, p.Total)
				}
			}
		}},
		{"ReturnsFullGroups", func(t *testing.T, h *harness) {
			a := h.createWith(cg.NewGroup{ID: "a", Name: "Alpha", Metadata: metadata(t, "z", "1", "a", "2"), CreatedBy: "alice"})
			h.tick()
			b := h.createWith(cg.NewGroup{ID: "b", Name: "Beta"})
			h.add(a.ID, "c1", "c2")
			h.add(b.ID, "c1")
			h.tick()
			_, err := h.svc.Update(h.ctx, b.ID, cg.Update{Name: ptr("Beta 2")})
			require.NoError(t, err)
			got := h.list(cg.Query{}).Groups
			require.Len(t, got, 2)
			requireGroup(t, h.get(a.ID), got[0])
			requireGroup(t, h.get(b.ID), got[1])
			require.Equal(t, 2, got[0].CustomerCount)
			require.Equal(t, 1, got[1].CustomerCount)
		}},
		{"DefaultOrderAndLimit", func(t *testing.T, h *harness) {
			var want []string
			for i := range cg.DefaultPageSize + 1 {
				h.tick()
				// ids and names in the reverse of creation order
				g := h.createWith(cg.NewGroup{ID: fmt.Sprintf("id-%03d", 100-i), Name: fmt.Sprintf("Group %03d", 100-i)})
				want = append(want, g.ID)
			}
			p := h.list(cg.Query{})
			require.Equal(t, want[:cg.DefaultPageSize], groupIDs(p.Groups), "oldest first, DefaultPageSize at a time")
			require.NotEmpty(t, p.Next)
			require.Equal(t, -1, p.Total)
			p = h.list(cg.Query{After: p.Next})
			require.Equal(t, want[cg.DefaultPageSize:], groupIDs(p.Groups))
			require.Empty(t, p.Next)
		}},
		{"LimitBounds", func(t *testing.T, h *harness) {
			h.create("One")
			h.create("Two")
			p := h.list(cg.Query{Limit: cg.MaxPageSize})
			require.Len(t, p.Groups, 2)
			p = h.list(cg.Query{Limit: 1})
			require.Len(t, p.Groups, 1)
			for name, q := range map[string]cg.Query{
				"limit over MaxPageSize": {Limit: cg.MaxPageSize + 1},
				"huge limit":             {Limit: 1 << 30},
				"negative limit":         {Limit: -1},
				"negative offset":        {Offset: -1},
				"unknown sort":           {Sort: "color"},
			} {
				_, err := h.svc.List(h.ctx, q)
				requireInvalid(t, err, "", name)
			}
		}},
		{"FilterIDs", func(t *testing.T, h *harness) {
			for i, id := range []string{"id-1", "ID-1", "id-2", "id-3"} {
				h.createWith(cg.NewGroup{ID: id, Name: fmt.Sprintf("Group %d", i)})
			}
			require.Equal(t, []string{"id-1", "id-3"}, h.listIDs(cg.Query{IDs: []string{"id-3", "missing", "id-1"}}))
			require.Equal(t, []string{"ID-1"}, h.listIDs(cg.Query{IDs: []string{"ID-1"}}), "ids are exact")
			require.Empty(t, h.listIDs(cg.Query{IDs: []string{"Id-2", "id-2 "}}))
		}},
		{"FilterNames", func(t *testing.T, h *harness) {
			vip := h.create("VIP")
			gold := h.create("Gold")
			ecole := h.create("École")
			h.create("Gold 2")
			h.create("Silver")
			require.Equal(t, []string{vip.ID, gold.ID}, h.listIDs(cg.Query{Names: []string{"vip", "  GOLD ", "nonexistent"}}))
			require.Equal(t, []string{ecole.ID}, h.listIDs(cg.Query{Names: []string{"e\u0301cole"}}), "NFD finds NFC")
			require.Equal(t, []string{ecole.ID}, h.listIDs(cg.Query{Names: []string{"ÉCOLE"}}))
			require.Empty(t, h.listIDs(cg.Query{Names: []string{"Gol", "ecole", "Silver 2"}}), "names are whole names")
		}},
		{"FilterCustomerID", func(t *testing.T, h *harness) {
			g1 := h.create("One")
			g2 := h.create("Two")
			g3 := h.create("Three")
			h.add(g1.ID, "c1")
			h.add(g2.ID, "c1", "c2")
			h.add(g3.ID, "C1")
			require.Equal(t, []string{g1.ID, g2.ID}, h.listIDs(cg.Query{CustomerID: "c1"}))
			require.Equal(t, []string{g2.ID}, h.listIDs(cg.Query{CustomerID: "c2"}))
			require.Equal(t, []string{g3.ID}, h.listIDs(cg.Query{CustomerID: "C1"}))
			require.Empty(t, h.listIDs(cg.Query{CustomerID: "nobody"}))
			p := h.list(cg.Query{CustomerID: "c1", CountTotal: true, Limit: 1})
			require.Equal(t, 2, p.Total)
			require.Equal(t, []string{g1.ID}, groupIDs(p.Groups))
			require.NotEmpty(t, p.Next)
			p = h.list(cg.Query{CustomerID: "c1", CountTotal: true, Limit: 1, After: p.Next})
			require.Equal(t, []string{g2.ID}, groupIDs(p.Groups))
			require.Empty(t, p.Next)
			// Each group is listed once, with its full count, not once per member.
			all := h.list(cg.Query{CustomerID: "c1"}).Groups
			require.Equal(t, 2, all[1].CustomerCount)
		}},
		{"FilterCreatedBy", func(t *testing.T, h *harness) {
			a, err := h.svc.Create(h.as("alice"), cg.NewGroup{Name: "By alice"})
			require.NoError(t, err)
			b, err := h.svc.Create(h.as("bob"), cg.NewGroup{Name: "By bob"})
			require.NoError(t, err)
			a2 := h.createWith(cg.NewGroup{Name: "Also alice's", CreatedBy: "alice"})
			capA, err := h.svc.Create(h.as("Alice"), cg.NewGroup{Name: "By capital Alice"})
			require.NoError(t, err)
			h.create("By nobody")
			require.Equal(t, []string{a.ID, a2.ID}, h.listIDs(cg.Query{CreatedBy: "alice"}))
			require.Equal(t, []string{b.ID}, h.listIDs(cg.Query{CreatedBy: "bob"}))
			require.Equal(t, []string{capA.ID}, h.listIDs(cg.Query{CreatedBy: "Alice"}), "actors are exact")
			require.Empty(t, h.listIDs(cg.Query{CreatedBy: "carol"}))
		}},
		{"FilterCreatedRange", func(t *testing.T, h *harness) {
			var ids []string
			var at []time.Time
			for i := range 4 {
				at = append(at, h.setTick(i*10))
				ids = append(ids, h.create(fmt.Sprintf("Group %d", i)).ID)
			}
			zone := baseTime.Location()
			for _, c := range []struct {
				r    cg.TimeRange
				want []string
			}{
				{cg.TimeRange{}, ids},
				{cg.TimeRange{From: at[1]}, ids[1:]},
				{cg.TimeRange{To: at[2]}, ids[:2]},
				{cg.TimeRange{From: at[1], To: at[3]}, ids[1:3]},
				{cg.TimeRange{From: at[1], To: at[1]}, nil},
				{cg.TimeRange{From: at[1], To: at[1].Add(time.Microsecond)}, ids[1:2]},
				{cg.TimeRange{From: at[1].Add(time.Microsecond), To: at[3].Add(time.Microsecond)}, ids[2:4]},
				{cg.TimeRange{From: at[1].In(zone), To: at[3].In(zone)}, ids[1:3]}, // the same instants in another zone
				{cg.TimeRange{From: at[3].Add(time.Hour)}, nil},
				{cg.TimeRange{From: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)}, ids},
			} {
				want := c.want
				if want == nil {
					want = []string{}
				}
				require.Equal(t, want, h.listIDs(cg.Query{Created: c.r}), "Created %s – %s", fmtTime(c.r.From), fmtTime(c.r.To))
			}
			// Bounds no store can hold are the caller's mistake (ErrInvalid), never a store
			// failure nor a silently wrong answer.
			for _, r := range []cg.TimeRange{
				{To: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
				{From: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)},
				{To: time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)},
			} {
				_, err := h.svc.List(h.ctx, cg.Query{Created: r})
				require.ErrorIs(t, err, cg.ErrInvalid, "Created %s – %s", fmtTime(r.From), fmtTime(r.To))
			}
		}},
		{"FilterUpdatedRange", func(t *testing.T, h *harness) {
			// Created in one order, updated in another.
			var ids []string
			for i := range 4 {
				ids = append(ids, h.createWith(cg.NewGroup{ID: fmt.Sprintf("g%d", i), Name: fmt.Sprintf("Group %d", i)}).ID)
			}
			updated := map[string]time.Time{}
			for i, id := range []string{"g2", "g0", "g3"} {
				updated[id] = h.setTick(10 * (i + 1))
				_, err := h.svc.Update(h.ctx, id, cg.Update{Name: ptr("Updated " + id)})
				require.NoError(t, err)
			}
			require.Equal(t, []string{"g0", "g2", "g3"}, h.listIDs(cg.Query{Updated: cg.TimeRange{From: updated["g2"]}}))
			require.Equal(t, []string{"g0", "g2"}, h.listIDs(cg.Query{Updated: cg.TimeRange{From: h.setTick(1), To: updated["g3"]}, Sort: cg.SortByUpdatedAt, Desc: true}))
			require.Equal(t, []string{"g0"}, h.listIDs(cg.Query{Updated: cg.TimeRange{From: updated["g0"], To: updated["g3"]}}))
			require.Equal(t, []string{"g1"}, h.listIDs(cg.Query{Updated: cg.TimeRange{To: updated["g2"]}}))
		}},
		{"FiltersCombine", func(t *testing.T, h *harness) {
			a1, err := h.svc.Create(h.as("alice"), cg.NewGroup{Name: "Summer sale"})
			require.NoError(t, err)
			a2, err := h.svc.Create(h.as("alice"), cg.NewGroup{Name: "Winter sale"})
			require.NoError(t, err)
			b1, err := h.svc.Create(h.as("bob"), cg.NewGroup{Name: "Summer club"})
			require.NoError(t, err)
			h.add(a1.ID, "c1")
			h.add(a2.ID, "c1")
			h.add(b1.ID, "c1")
			require.Equal(t, []string{a1.ID}, h.listIDs(cg.Query{Search: "summer", CreatedBy: "alice", CustomerID: "c1"}))
			require.Equal(t, []string{a2.ID}, h.listIDs(cg.Query{Search: "SALE", IDs: []string{a2.ID, b1.ID}}))
			require.Empty(t, h.listIDs(cg.Query{Names: []string{"summer club"}, CreatedBy: "alice"}))
			p := h.list(cg.Query{Search: "sale", CustomerID: "c1", CountTotal: true, Limit: 1})
			require.Equal(t, 2, p.Total)
		}},
		{"Search", func(t *testing.T, h *harness) {
			ids := map[string]string{}
			for _, name := range []string{"Summer Sale", "summer club", "Winter SALE", "École Primaire", "Straße", "Other"} {
				ids[name] = h.create(name).ID
			}
			for search, want := range map[string][]string{
				"summer":          {"Summer Sale", "summer club"},
				"SUMMER":          {"Summer Sale", "summer club"},
				"sale":            {"Summer Sale", "Winter SALE"},
				"mer sa":          {"Summer Sale"},
				"  club  ":        {"summer club"},
				"ÉCOLE":           {"École Primaire"},
				"e\u0301cole pri": {"École Primaire"},
				"strasse":         {"Straße"},
				"":                {"Summer Sale", "summer club", "Winter SALE", "École Primaire", "Straße", "Other"},
				"xyz":             {},
				"summer  sale":    {},
			} {
				wantIDs := []string{}
				for _, n := range want {
					wantIDs = append(wantIDs, ids[n])
				}
				require.ElementsMatch(t, wantIDs, h.listIDs(cg.Query{Search: search}), "Search %q", search)
			}
		}},
		{"SearchWildcardsAreLiteral", func(t *testing.T, h *harness) {
			ids := map[string]string{}
			for _, name := range []string{"100% off", "100 off", "1000 off", "a_b", "axb", "ab", `back\slash`, `backslash`, `back\\slash`, `[x]`, "x", "*", "star"} {
				ids[name] = h.create(name).ID
			}
			for search, want := range map[string][]string{
				"%":      {"100% off"},
				"0% o":   {"100% off"},
				"%%":     {},
				"_":      {"a_b"},
				"a_b":    {"a_b"},
				`\`:      {`back\slash`, `back\\slash`},
				`\\`:     {`back\\slash`},
				`k\s`:    {`back\slash`},
				`\%`:     {},
				`\_`:     {},
				`[x]`:    {`[x]`},
				"[":      {`[x]`},
				"*":      {"*"},
				"?":      {},
				"100_":   {},
				"100%":   {"100% off"},
				"'":      {},
				`"`:      {},
				"%' OR ": {},
			} {
				wantIDs := []string{}
				for _, n := range want {
					wantIDs = append(wantIDs, ids[n])
				}
				require.ElementsMatch(t, wantIDs, h.listIDs(cg.Query{Search: search}), "Search %q", search)
			}
		}},
		{"NoMatchIsEmptyNotNil", func(t *testing.T, h *harness) {
			h.create("Something")
			for _, q := range []cg.Query{
				{Search: "nothing"}, {IDs: []string{"missing"}}, {Names: []string{"missing"}},
				{CustomerID: "nobody"}, {CreatedBy: "nobody"}, {Offset: 1}, {Offset: 1000, CountTotal: true},
			} {
				p := h.list(q)
				require.Empty(t, p.Groups, "%+v", q)
				require.Empty(t, p.Next, "%+v", q)
			}
		}},
	}
}
