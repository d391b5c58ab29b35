package customergroup_test

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/b02aa859/customergroup"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestQueryNormalizeDefaults(t *testing.T) {
	is := is.New(t)
	q, err := customergroup.Query{}.Normalize()
	is.NoErr(err)
	is.Equal(q.Sort, customergroup.SortByCreatedAt)
	is.Equal(q.Limit, customergroup.DefaultPageSize)
	is.Equal(q.Limit, 50)
	is.Equal(q.Offset, 0)
	is.Equal(q.Desc, false)

	q, err = customergroup.Query{Search: "  vip\t\n", Limit: customergroup.MaxPageSize, Offset: 20, Sort: customergroup.SortByName}.Normalize()
	is.NoErr(err)
	is.Equal(q.Search, "vip") // trimmed, including a trailing newline from a form
	is.Equal(q.Limit, 1000)
	is.Equal(q.Offset, 20)
	is.Equal(q.Sort, customergroup.SortByName)

	q, err = customergroup.Query{Search: " \t "}.Normalize()
	is.NoErr(err)
	is.Equal(q.Search, "") // blank search: no filter
}

func TestQueryNormalizeTimes(t *testing.T) {
	is := is.New(t)
	paris := time.FixedZone("CET", 3600)
	from := time.Date(2026, 3, 1, 13, 0, 0, 0, paris) // 12:00 UTC
	to := time.Date(2026, 3, 2, 12, 0, 0, 1500, time.UTC)
	q, err := customergroup.Query{Created: customergroup.TimeRange{From: from, To: to}, Updated: customergroup.TimeRange{To: from}}.Normalize()
	is.NoErr(err)
	is.Equal(q.Created.From, t0)                                            // UTC
	is.Equal(q.Created.From.Location(), time.UTC)                           //
	is.Equal(q.Created.To, time.Date(2026, 3, 2, 12, 0, 0, 2000, time.UTC)) // rounded up to the microsecond
	is.True(q.Updated.From.IsZero())                                        // open ends stay open
	is.Equal(q.Updated.To, t0)

	// Rounding up selects exactly the stored (microsecond) times the caller asked for.
	stored := time.Date(2026, 3, 2, 12, 0, 0, 1000, time.UTC) // 1µs
	is.True(customergroup.TimeRange{To: to}.Contains(stored))
	is.True(q.Created.Contains(stored))
	is.True(!customergroup.TimeRange{From: to}.Contains(stored))
	q, err = customergroup.Query{Created: customergroup.TimeRange{From: to}}.Normalize()
	is.NoErr(err)
	is.True(!q.Created.Contains(stored))
}

func TestQueryNormalizeInvalid(t *testing.T) {
	many := func(n int) []string {
		ss := make([]string, n)
		for i := range ss {
			ss[i] = "v" + itoa(i)
		}
		return ss
	}
	for _, tc := range []struct {
		name  string
		q     customergroup.Query
		field string
	}{
		{"unknown sort", customergroup.Query{Sort: "price"}, "sort"},
		{"negative limit", customergroup.Query{Limit: -1}, "limit"},
		{"limit over the maximum", customergroup.Query{Limit: customergroup.MaxPageSize + 1}, "limit"},
		{"negative offset", customergroup.Query{Offset: -1}, "offset"},
		{"offset with after", customergroup.Query{Offset: 1, After: customergroup.Query{}.NextCursor(customergroup.CustomerGroup{ID: "a", CreatedAt: t0})}, "after"},
		{"bad cursor", customergroup.Query{After: "not-a-cursor"}, "after"},
		{"too many ids", customergroup.Query{IDs: many(customergroup.MaxFilterValues + 1)}, "ids"},
		{"too many names", customergroup.Query{Names: many(customergroup.MaxFilterValues + 1)}, "names"},
		{"control character in search", customergroup.Query{Search: "v\x00ip"}, "search"},
		{"invalid UTF-8 in search", customergroup.Query{Search: "\xff"}, "search"},
		{"NUL in customer id", customergroup.Query{CustomerID: "cus\x00"}, "customerID"},
		{"invalid UTF-8 created by", customergroup.Query{CreatedBy: "\xfe"}, "createdBy"},
		{"control character in an id", customergroup.Query{IDs: []string{"a", "b\nc"}}, "ids[1]"},
		{"invalid UTF-8 in a name", customergroup.Query{Names: []string{"\xc3"}}, "names[0]"},
		{"created From after To", customergroup.Query{Created: customergroup.TimeRange{From: t0.Add(time.Second), To: t0}}, "created"},
		{"updated From after To", customergroup.Query{Updated: customergroup.TimeRange{From: t0.Add(time.Second), To: t0}}, "updated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.q.Normalize()
			isInvalid(t, err, tc.field)
		})
	}
	t.Run("limits are inclusive", func(t *testing.T) {
		is := is.New(t)
		_, err := customergroup.Query{IDs: many(customergroup.MaxFilterValues), Names: many(customergroup.MaxFilterValues), Limit: customergroup.MaxPageSize}.Normalize()
		is.NoErr(err)
		_, err = customergroup.Query{Created: customergroup.TimeRange{From: t0, To: t0}}.Normalize() // empty, not invalid
		is.NoErr(err)
	})
}

func TestMemberQueryNormalize(t *testing.T) {
	is := is.New(t)
	q, err := customergroup.MemberQuery{}.Normalize()
	is.NoErr(err)
	is.Equal(q.Limit, customergroup.DefaultPageSize)
	q, err = customergroup.MemberQuery{Limit: 7, Offset: 3}.Normalize()
	is.NoErr(err)
	is.Equal(q.Limit, 7)
	is.Equal(q.Offset, 3)

	_, err = customergroup.MemberQuery{Limit: -1}.Normalize()
	isInvalid(t, err, "limit")
	_, err = customergroup.MemberQuery{Limit: customergroup.MaxPageSize + 1}.Normalize()
	isInvalid(t, err, "limit")
	_, err = customergroup.MemberQuery{Offset: -2}.Normalize()
	isInvalid(t, err, "offset")
	_, err = customergroup.MemberQuery{Offset: 1, After: customergroup.MemberQuery{}.NextCursor("g", "c")}.Normalize()
	isInvalid(t, err, "after")
}

func group(id, name string, created, updated time.Time) customergroup.CustomerGroup {
	return customergroup.CustomerGroup{ID: id, Name: name, CreatedAt: created, UpdatedAt: updated, Version: 1}
}

func TestQueryCursorRoundTrip(t *testing.T) {
	g := group("0190-b", "Ärzte VIP", t0.Add(1500*time.Microsecond), t0.Add(time.Hour))
	for _, tc := range []struct {
		sort customergroup.SortField
		want customergroup.Position
	}{
		{"", customergroup.Position{Time: g.CreatedAt, ID: g.ID}},
		{customergroup.SortByCreatedAt, customergroup.Position{Time: g.CreatedAt, ID: g.ID}},
		{customergroup.SortByUpdatedAt, customergroup.Position{Time: g.UpdatedAt, ID: g.ID}},
		{customergroup.SortByName, customergroup.Position{Name: "ärzte vip", ID: g.ID}},
	} {
		for _, desc := range []bool{false, true} {
			is := is.New(t)
			q := customergroup.Query{Sort: tc.sort, Desc: desc, Search: "vip", CustomerID: "cus_1", Limit: 2}
			is.Equal(q.PositionOf(g), tc.want)
			next := q.NextCursor(g)
			is.True(next != "")
			is.True(!strings.ContainsAny(next, "+/=")) // URL safe

			q.After = next
			pos, err := q.Position()
			is.NoErr(err)
			is.True(pos.Time.Equal(tc.want.Time))
			is.Equal(pos.Name, tc.want.Name)
			is.Equal(pos.ID, tc.want.ID)
			is.Equal(q.ComparePositions(pos, q.PositionOf(g)), 0)

			n, err := q.Normalize() // still accepted after normalizing
			is.NoErr(err)
			pos2, err := n.Position()
			is.NoErr(err)
			is.Equal(pos2, pos)

			q.Limit = 10         // the page size is not part of the query's identity
			q.Search = "  vip  " // nor white space around the search
			_, err = q.Normalize()
			is.NoErr(err)
		}
	}
}

func TestQueryCursorOfAnotherQuery(t *testing.T) {
	g := group("id-1", "VIP", t0, t0)
	base := customergroup.Query{Search: "v", IDs: []string{"id-1"}, Names: []string{"VIP"}, CustomerID: "c", CreatedBy: "u",
		Created: customergroup.TimeRange{From: t0.Add(-time.Hour)}, Updated: customergroup.TimeRange{To: t0.Add(time.Hour)}}
	cursor := base.NextCursor(g)
	for name, change := range map[string]func(*customergroup.Query){
		"search":     func(q *customergroup.Query) { q.Search = "vi" },
		"ids":        func(q *customergroup.Query) { q.IDs = []string{"id-2"} },
		"names":      func(q *customergroup.Query) { q.Names = nil },
		"customer":   func(q *customergroup.Query) { q.CustomerID = "d" },
		"created by": func(q *customergroup.Query) { q.CreatedBy = "" },
		"created":    func(q *customergroup.Query) { q.Created = customergroup.TimeRange{} },
		"updated":    func(q *customergroup.Query) { q.Updated.To = q.Updated.To.Add(time.Second) },
		"sort":       func(q *customergroup.Query) { q.Sort = customergroup.SortByUpdatedAt },
		"desc":       func(q *customergroup.Query) { q.Desc = true },
	} {
		t.Run(name, func(t *testing.T) {
			q := base
			q.After = cursor
			_, err := q.Normalize()
			is.New(t).NoErr(err) // the same query takes it
			change(&q)
			_, err = q.Normalize()
			isInvalid(t, err, "after")
			_, err = q.Position()
			isInvalid(t, err, "after")
		})
	}
}

func TestQueryCursorTampered(t *testing.T) {
	q := customergroup.Query{Sort: customergroup.SortByName}
	cursor := q.NextCursor(group("id-1", "VIP", t0, t0))
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	is.New(t).NoErr(err)

	flipped := slices.Clone(raw)
	flipped[len(flipped)/2] ^= 0x01
	resealed := strings.Replace(string(raw), "id-1", "id-2", 1) // changed without fixing the checksum

	for name, after := range map[string]string{
		"flipped bit":      base64.RawURLEncoding.EncodeToString(flipped),
		"changed id":       base64.RawURLEncoding.EncodeToString([]byte(resealed)),
		"truncated":        cursor[:len(cursor)-3],
		"truncated raw":    base64.RawURLEncoding.EncodeToString(raw[:len(raw)-1]),
		"only a checksum":  base64.RawURLEncoding.EncodeToString(raw[len(raw)-8:]),
		"extra byte":       base64.RawURLEncoding.EncodeToString(append(slices.Clone(raw), 0)),
		"padded base64":    base64.URLEncoding.EncodeToString(raw) + "=",
		"standard base64":  strings.NewReplacer("-", "+", "_", "/").Replace(cursor) + "+/",
		"not base64":       "!!!",
		"short":            "YQ",
		"member cursor":    customergroup.MemberQuery{}.NextCursor("id-1", "cus"),
		"other sort field": customergroup.Query{}.NextCursor(group("id-1", "VIP", t0, t0)),
	} {
		t.Run(name, func(t *testing.T) {
			q := q
			q.After = after
			_, err := q.Normalize()
			isInvalid(t, err, "after")
		})
	}
}

func TestMemberCursor(t *testing.T) {
	is := is.New(t)
	var q customergroup.MemberQuery
	after, err := q.Position("g1")
	is.NoErr(err)
	is.Equal(after, "") // no cursor: from the start

	q.After = q.NextCursor("g1", "cus_0042")
	after, err = q.Position("g1")
	is.NoErr(err)
	is.Equal(after, "cus_0042")

	_, err = q.Position("g2") // another group's cursor
	isInvalid(t, err, "after")

	q.After = customergroup.Query{}.NextCursor(group("g1", "VIP", t0, t0)) // a group-list cursor
	_, err = q.Position("g1")
	isInvalid(t, err, "after")

	q.After = "garbage"
	_, err = q.Position("g1")
	isInvalid(t, err, "after")
}

func TestQueryCompare(t *testing.T) {
	a := group("a", "banana", t0, t0.Add(3*time.Hour))
	b := group("b", "Apple", t0, t0.Add(2*time.Hour))                 // same CreatedAt as a: tie broken by id
	c := group("c", "cherry", t0.Add(time.Second), t0.Add(time.Hour)) //
	d := group("d", "APPLE", t0.Add(-time.Second), t0.Add(time.Hour)) // same folded name as b
	all := []customergroup.CustomerGroup{c, a, d, b}
	ids := func(q customergroup.Query) string {
		gs := slices.Clone(all)
		slices.SortFunc(gs, q.Compare)
		var s string
		for _, g := range gs {
			s += g.ID
		}
		return s
	}
	is := is.New(t)
	is.Equal(ids(customergroup.Query{}), "dabc")
	is.Equal(ids(customergroup.Query{Desc: true}), "cbad") // the tie-break reverses too
	is.Equal(ids(customergroup.Query{Sort: customergroup.SortByName}), "bdac")
	is.Equal(ids(customergroup.Query{Sort: customergroup.SortByName, Desc: true}), "cadb")
	is.Equal(ids(customergroup.Query{Sort: customergroup.SortByUpdatedAt}), "cdba")
	is.Equal(ids(customergroup.Query{Sort: customergroup.SortByUpdatedAt, Desc: true}), "abdc")

	q := customergroup.Query{}
	is.Equal(q.Compare(a, a), 0)
	is.True(q.Compare(a, b) < 0)
	is.True(q.Compare(b, a) > 0)
	is.True(customergroup.Query{Desc: true}.Compare(a, b) > 0)
	// Times compare as instants, whatever their zone.
	a2 := a
	a2.CreatedAt = a.CreatedAt.In(time.FixedZone("X", -7200))
	is.Equal(q.Compare(a, a2), 0)
}

func TestQueryMatch(t *testing.T) {
	g := customergroup.CustomerGroup{ID: "id-1", Name: "Wholesale École 100%_off", CreatedBy: "admin", CreatedAt: t0, UpdatedAt: t0.Add(time.Hour)}
	for _, tc := range []struct {
		name string
		q    customergroup.Query
		want bool
	}{
		{"zero query", customergroup.Query{}, true},
		{"search, any case", customergroup.Query{Search: "SALE"}, true},
		{"search folds accents' case", customergroup.Query{Search: "éCOLE"}, true},
		{"search NFD", customergroup.Query{Search: "E\u0301cole"}, true},
		{"search trimmed", customergroup.Query{Search: " whole "}, true},
		{"search miss", customergroup.Query{Search: "retail"}, false},
		{"% is literal", customergroup.Query{Search: "100%"}, true},
		{"% is not a wildcard", customergroup.Query{Search: "W%e"}, false},
		{"_ is literal", customergroup.Query{Search: "%_off"}, true},
		{"_ is not a wildcard", customergroup.Query{Search: "Wh_lesale"}, false},
		{"ids hit", customergroup.Query{IDs: []string{"x", "id-1"}}, true},
		{"ids miss", customergroup.Query{IDs: []string{"ID-1"}}, false},
		{"names any case, trimmed", customergroup.Query{Names: []string{" wholesale école 100%_OFF "}}, true},
		{"names exact, not substring", customergroup.Query{Names: []string{"Wholesale"}}, false},
		{"created by", customergroup.Query{CreatedBy: "admin"}, true},
		{"created by other", customergroup.Query{CreatedBy: "Admin"}, false},
		{"created From inclusive", customergroup.Query{Created: customergroup.TimeRange{From: t0}}, true},
		{"created To exclusive", customergroup.Query{Created: customergroup.TimeRange{To: t0}}, false},
		{"created inside", customergroup.Query{Created: customergroup.TimeRange{From: t0.Add(-1), To: t0.Add(1)}}, true},
		{"updated before", customergroup.Query{Updated: customergroup.TimeRange{To: t0.Add(time.Hour)}}, false},
		{"updated after", customergroup.Query{Updated: customergroup.TimeRange{From: t0.Add(time.Hour)}}, true},
		{"filters combine with AND", customergroup.Query{Search: "sale", CreatedBy: "other"}, false},
		{"customer id is left to the store", customergroup.Query{CustomerID: "anyone"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			is.Equal(tc.q.Match(g), tc.want)
			is.Equal(tc.q.Matcher()(g, customergroup.FoldName(g.Name)), tc.want)
		})
	}
}

func TestTimeRangeContains(t *testing.T) {
	is := is.New(t)
	r := customergroup.TimeRange{From: t0, To: t0.Add(time.Second)}
	is.True(r.Contains(t0))
	is.True(r.Contains(t0.Add(999 * time.Millisecond)))
	is.True(!r.Contains(t0.Add(time.Second)))
	is.True(!r.Contains(t0.Add(-1)))
	is.True(customergroup.TimeRange{}.Contains(time.Time{}))
	is.True(customergroup.TimeRange{}.Contains(t0))
}

// A nil and an empty filter list are the same query, so a wrapper that decodes "no ids" as
// one on the first page and the other on the next keeps its cursor.
func TestCursorNilAndEmptyFiltersAgree(t *testing.T) {
	is := is.New(t)
	g := customergroup.CustomerGroup{ID: "g1", CreatedAt: time.Unix(1700000000, 0).UTC()}
	cur := customergroup.Query{}.NextCursor(g)
	_, err := customergroup.Query{IDs: []string{}, Names: []string{}, After: cur}.Normalize()
	is.NoErr(err)
	cur = customergroup.Query{IDs: []string{}}.NextCursor(g)
	_, err = customergroup.Query{After: cur}.Normalize()
	is.NoErr(err)
}
