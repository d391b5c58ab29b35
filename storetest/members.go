package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	cg "github.com/b02aa859/customergroup"
)

// badCustomerIDs are ids AddCustomers and RemoveCustomers must refuse.
var badCustomerIDs = []struct{ name, id string }{
	{"empty", ""},
	{"over 255 bytes", maxID + "x"},
	{"control character", "cus\x01"},
	{"newline", "cus\n"},
	{"NUL", "cus\x00"},
	{"DEL", "cus\x7f"},
	{"C1 control", "cus\u0085"},
	{"not UTF-8", "cus\xff"},
	{"truncated UTF-8", "cus\xc3"},
}

func addTests() []testCase {
	return []testCase{
		{"Adds", func(t *testing.T, h *harness) {
			g := h.create("Adds")
			h.events.take()
			require.Equal(t, 3, h.add(g.ID, "c1", "c2", "c3"))
			h.requireEvents(event(cg.EventCustomersAdded, g.ID, "", h.now(), "c1", "c2", "c3"))
			for _, c := range []string{"c1", "c2", "c3"} {
				require.True(t, h.isMember(g.ID, c), c)
				require.Equal(t, []string{g.ID}, h.groupIDsOf(c))
			}
			require.Equal(t, []string{"c1", "c2", "c3"}, h.memberIDs(g.ID))
			h.requireCount(g.ID, 3)
		}},
		{"Idempotent", func(t *testing.T, h *harness) {
			g := h.create("Idempotent")
			h.events.take()
			require.Equal(t, 2, h.add(g.ID, "a", "b", "a", "b", "a"), "duplicates in the input count once")
			h.requireEvents(event(cg.EventCustomersAdded, g.ID, "", h.now(), "a", "b"))
			require.Equal(t, 2, h.add(g.ID, "b", "c", "c", "a", "d", "d"), "existing members are skipped")
			h.requireEvents(event(cg.EventCustomersAdded, g.ID, "", h.now(), "c", "d"))
			h.requireCount(g.ID, 4)

			before := h.snapshot()
			require.Zero(t, h.add(g.ID, "d", "c", "b", "a"), "all members already")
			require.Zero(t, h.add(g.ID), "no ids")
			require.Zero(t, h.add(g.ID, []string{}...), "empty slice")
			h.requireUnchanged(before)
			require.Equal(t, []string{"a", "b", "c", "d"}, h.memberIDs(g.ID))
		}},
		{"InvalidIDAddsNothing", func(t *testing.T, h *harness) {
			g := h.create("Atomic")
			h.add(g.ID, "m0")
			for _, bad := range badCustomerIDs {
				before := h.snapshot()
				_, err := h.svc.AddCustomers(h.ctx, g.ID, []string{"c1", "c2", bad.id, "c3"})
				requireInvalid(t, err, "customerIDs[2]", "AddCustomers with an id that is %s", bad.name)
				_, err = h.svc.AddCustomers(h.ctx, g.ID, []string{bad.id})
				requireInvalid(t, err, "customerIDs[0]", "AddCustomers with an id that is %s", bad.name)
				h.requireUnchanged(before)
			}
			h.requireCount(g.ID, 1)
			require.Equal(t, []string{}, h.groupIDsOf("c1"))
		}},
		{"CustomerCheckRefusesUnknown", func(t *testing.T, h *harness) {
			g := h.create("Checked")
			var asked [][]string
			svc := h.service(cg.WithCustomerCheck(func(_ context.Context, ids []string) ([]string, error) {
				asked = append(asked, slices.Clone(ids))
				var unknown []string
				for _, id := range ids {
					if strings.HasPrefix(id, "ghost") {
						unknown = append(unknown, id)
					}
				}
				return unknown, nil
			}))
			before := h.snapshot()
			_, err := svc.AddCustomers(h.ctx, g.ID, []string{"c1", "ghost-1", "c2", "ghost-2", "ghost-1"})
			require.ErrorIs(t, err, cg.ErrUnknownCustomer)
			var uce *cg.UnknownCustomerError
			require.ErrorAs(t, err, &uce)
			require.ElementsMatch(t, []string{"ghost-1", "ghost-2"}, uce.IDs)
			h.requireUnchanged(before)
			require.False(t, h.isMember(g.ID, "c1"))

			require.Equal(t, 2, func() int {
				n, err := svc.AddCustomers(h.ctx, g.ID, []string{"c1", "c2"})
				require.NoError(t, err)
				return n
			}())
			h.requireCount(g.ID, 2)
			require.Equal(t, [][]string{{"c1", "ghost-1", "c2", "ghost-2"}, {"c1", "c2"}}, asked,
				"the check gets the batch's distinct ids")
		}},
		{"CustomerCheckError", func(t *testing.T, h *harness) {
			g := h.create("Checked")
			boom := errors.New("customer service down")
			svc := h.service(cg.WithCustomerCheck(func(context.Context, []string) ([]string, error) { return nil, boom }))
			before := h.snapshot()
			_, err := svc.AddCustomers(h.ctx, g.ID, []string{"c1"})
			require.ErrorIs(t, err, boom)
			h.requireUnchanged(before)
		}},
		{"CustomerIDsAreOpaque", func(t *testing.T, h *harness) {
			// Not trimmed, folded or normalised: each of these is a different customer.
			ids := []string{"abc", "ABC", "Abc", "abc ", " abc", "a bc", "é", "e\u0301", "ａｂｃ", "ß", "ss", maxID}
			g := h.create("Opaque")
			require.Equal(t, len(ids), h.add(g.ID, ids...))
			require.Equal(t, sorted(ids...), h.memberIDs(g.ID))
			for _, id := range ids {
				require.True(t, h.isMember(g.ID, id), "IsMember(%q)", id)
				require.Equal(t, []string{g.ID}, h.groupIDsOf(id), "GroupIDsOf(%q)", id)
			}
			for _, id := range []string{"aBC", "abc  ", "SS", "E\u0301"} {
				require.False(t, h.isMember(g.ID, id), "IsMember(%q)", id)
				require.Equal(t, []string{}, h.groupIDsOf(id), "GroupIDsOf(%q)", id)
			}
			h.requireCount(g.ID, len(ids))
		}},
		{"StampsAddedAtAndAddedBy", func(t *testing.T, h *harness) {
			g := h.create("Stamped")
			h.events.take()
			h.tick()
			t1 := h.now()
			_, err := h.svc.AddCustomers(h.as("bob"), g.ID, []string{"x"})
			require.NoError(t, err)
			h.requireEvents(event(cg.EventCustomersAdded, g.ID, "bob", t1, "x"))
			h.tick()
			t2 := h.now()
			h.add(g.ID, "y")
			require.Equal(t, []string{
				fmtMember(cg.Membership{GroupID: g.ID, CustomerID: "x", AddedAt: t1, AddedBy: "bob"}),
				fmtMember(cg.Membership{GroupID: g.ID, CustomerID: "y", AddedAt: t2, AddedBy: ""}),
			}, fmtMembers(h.members(g.ID)))
		}},
		{"ReAddKeepsOriginalStamps", func(t *testing.T, h *harness) {
			g := h.create("Stamped")
			t1 := h.now()
			_, err := h.svc.AddCustomers(h.as("bob"), g.ID, []string{"x"})
			require.NoError(t, err)
			h.tick()
			t2 := h.now()
			n, err := h.svc.AddCustomers(h.as("carol"), g.ID, []string{"x", "y"})
			require.NoError(t, err)
			require.Equal(t, 1, n)
			require.Equal(t, []string{
				fmtMember(cg.Membership{GroupID: g.ID, CustomerID: "x", AddedAt: t1, AddedBy: "bob"}),
				fmtMember(cg.Membership{GroupID: g.ID, CustomerID: "y", AddedAt: t2, AddedBy: "carol"}),
			}, fmtMembers(h.members(g.ID)))
		}},
		{"LeavesVersionAndUpdatedAt", func(t *testing.T, h *harness) {
			g := h.create("Untouched")
			h.tick()
			h.add(g.ID, "a", "b")
			h.tick()
			h.remove(g.ID, "a")
			got := h.get(g.ID)
			g.CustomerCount = 1
			requireGroup(t, g, got, "membership changes are not updates of the group")
		}},
		{"UnknownGroupIsErrNotFound", func(t *testing.T, h *harness) {
			h.create("Known")
			before := h.snapshot()
			for _, ids := range [][]string{{"c1"}, {"c1", "c2", "c1"}, {}, nil} {
				_, err := h.svc.AddCustomers(h.ctx, "unknown", ids)
				require.ErrorIs(t, err, cg.ErrNotFound, "AddCustomers(unknown, %q)", ids)
			}
			h.requireUnchanged(before)
			require.Equal(t, []string{}, h.groupIDsOf("c1"), "no membership of a group that does not exist")
			require.Empty(t, h.listIDs(cg.Query{CustomerID: "c1"}))
		}},
	}
}

func fmtMembers(ms []cg.Membership) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, fmtMember(m))
	}
	return out
}

func removeTests() []testCase {
	return []testCase{
		{"IgnoresNonMembers", func(t *testing.T, h *harness) {
			g := h.create("Remove")
			h.add(g.ID, "a", "b", "c")
			h.events.take()
			h.tick()
			n, err := h.svc.RemoveCustomers(h.as("rita"), g.ID, []string{"b", "x", "b", "y", "c", "c"})
			require.NoError(t, err)
			require.Equal(t, 2, n, "only members count, once each")
			h.requireEvents(event(cg.EventCustomersRemoved, g.ID, "rita", h.now(), "b", "c"))
			require.Equal(t, []string{"a"}, h.memberIDs(g.ID))
			require.False(t, h.isMember(g.ID, "b"))
			require.Equal(t, []string{}, h.groupIDsOf("c"))
			h.requireCount(g.ID, 1)

			before := h.snapshot()
			require.Zero(t, h.remove(g.ID, "b", "c", "x"), "none of them members")
			require.Zero(t, h.remove(g.ID))
			require.Zero(t, h.remove(g.ID, "A"), "ids are exact: A is not a")
			h.requireUnchanged(before)
		}},
		{"InvalidIDRemovesNothing", func(t *testing.T, h *harness) {
			g := h.create("Atomic")
			h.add(g.ID, "m0", "m1")
			for _, bad := range badCustomerIDs {
				before := h.snapshot()
				_, err := h.svc.RemoveCustomers(h.ctx, g.ID, []string{"m0", bad.id, "m1"})
				requireInvalid(t, err, "customerIDs[1]", "RemoveCustomers with an id that is %s", bad.name)
				h.requireUnchanged(before)
			}
			h.requireCount(g.ID, 2)
		}},
		{"UnknownGroupIsErrNotFound", func(t *testing.T, h *harness) {
			g := h.create("Known")
			h.add(g.ID, "c1")
			before := h.snapshot()
			for _, ids := range [][]string{{"c1"}, {}, nil} {
				_, err := h.svc.RemoveCustomers(h.ctx, "unknown", ids)
				require.ErrorIs(t, err, cg.ErrNotFound, "RemoveCustomers(unknown, %q)", ids)
			}
			h.requireUnchanged(before)
		}},
		{"KeepsOtherGroups", func(t *testing.T, h *harness) {
			a := h.createWith(cg.NewGroup{ID: "a", Name: "A"})
			b := h.createWith(cg.NewGroup{ID: "b", Name: "B"})
			h.add(a.ID, "c1", "c2")
			h.add(b.ID, "c1", "c2")
			require.Equal(t, 2, h.remove(a.ID, "c1", "c2"))
			require.Equal(t, []string{"b"}, h.groupIDsOf("c1"))
			require.Equal(t, []string{"c1", "c2"}, h.memberIDs(b.ID))
			h.requireCount(a.ID, 0)
			h.requireCount(b.ID, 2)
		}},
	}
}

func countTests() []testCase {
	return []testCase{
		{"ExactAfterEveryOperation", func(t *testing.T, h *harness) {
			g := h.createWith(cg.NewGroup{ID: "g", Name: "Counted"})
			other := h.createWith(cg.NewGroup{ID: "other", Name: "Other"})
			h.requireCount(g.ID, 0)
			h.add(g.ID, "a", "b", "c")
			h.requireCount(g.ID, 3)
			h.add(g.ID, "a", "b", "c", "c") // re-add
			h.requireCount(g.ID, 3)
			h.add(g.ID, "c", "d", "e") // partly new
			h.requireCount(g.ID, 5)
			h.remove(g.ID, "a")
			h.requireCount(g.ID, 4)
			h.remove(g.ID, "a", "x", "y") // non-members
			h.requireCount(g.ID, 4)
			h.add(other.ID, "b", "c", "z")
			h.requireCount(g.ID, 4)
			h.requireCount(other.ID, 3)
			n, err := h.svc.ForgetCustomer(h.ctx, "b")
			require.NoError(t, err)
			require.Equal(t, 2, n)
			h.requireCount(g.ID, 3)
			h.requireCount(other.ID, 2)
			n, err = h.svc.ForgetCustomer(h.ctx, "b") // again
			require.NoError(t, err)
			require.Zero(t, n)
			h.requireCount(g.ID, 3)
			require.NoError(t, h.svc.Delete(h.ctx, other.ID)) // another group goes
			h.requireCount(g.ID, 3)
			_, err = h.svc.Update(h.ctx, g.ID, cg.Update{Name: ptr("Renamed")})
			require.NoError(t, err)
			h.requireCount(g.ID, 3)
			_, err = h.svc.AddCustomers(h.ctx, g.ID, []string{"f", ""}) // refused
			require.Error(t, err)
			h.requireCount(g.ID, 3)
			h.remove(g.ID, "c", "d", "e")
			h.requireCount(g.ID, 0)
			require.Equal(t, []string{}, h.memberIDs(g.ID))
		}},
	}
}

func listCustomersTests() []testCase {
	// seven members whose byte order differs from a case-insensitive or locale order
	members := []string{"b", "a", "B", "é", "~", "A b", "0"}
	byteOrder := []string{"0", "A b", "B", "a", "b", "~", "é"}
	setup := func(t *testing.T, h *harness) cg.CustomerGroup {
		t.Helper()
		g := h.create("Members")
		for _, m := range members { // one at a time, so the insertion order is not the order
			h.add(g.ID, m)
		}
		return g
	}
	return []testCase{
		{"OrderedByCustomerIDBytes", func(t *testing.T, h *harness) {
			g := setup(t, h)
			require.Equal(t, sorted(members...), byteOrder, "premise")
			ms := h.members(g.ID)
			require.Equal(t, byteOrder, customerIDsOf(ms))
			for _, m := range ms {
				require.Equal(t, g.ID, m.GroupID)
			}
		}},
		{"CursorPaging", func(t *testing.T, h *harness) {
			g := setup(t, h)
			for _, limit := range []int{3, 7} {
				for _, total := range []bool{false, true} {
					q := cg.MemberQuery{Limit: limit, CountTotal: total}
					var got []string
					for page := 0; ; page++ {
						require.Less(t, page, 10)
						p, err := h.svc.ListCustomers(h.ctx, g.ID, q)
						require.NoError(t, err)
						require.NotNil(t, p.Members)
						if total {
							require.Equal(t, len(members), p.Total, "Total with CountTotal")
						} else {
							require.Equal(t, -1, p.Total, "Total without CountTotal")
						}
						got = append(got, customerIDsOf(p.Members)...)
						if p.Next == "" {
							break
						}
						require.Len(t, p.Members, limit, "a page with a Next cursor is full")
						require.Less(t, len(got), len(members), "Next must be empty on the last page")
						q.After = p.Next
					}
					require.Equal(t, byteOrder, got, "limit %d", limit)
				}
			}
		}},
		{"OffsetPaging", func(t *testing.T, h *harness) {
			g := setup(t, h)
			for _, limit := range []int{3, 7} {
				for off := 0; off <= len(members)+1; off += limit {
					p, err := h.svc.ListCustomers(h.ctx, g.ID, cg.MemberQuery{Limit: limit, Offset: off, CountTotal: true})
					require.NoError(t, err)
					require.NotNil(t, p.Members)
					end := min(off+limit, len(members))
					require.Equal(t, byteOrder[min(off, end):end], customerIDsOf(p.Members), "limit %d offset %d", limit, off)
					require.Equal(t, len(members), p.Total)
					if end < len(members) {
						require.NotEmpty(t, p.Next, "limit %d offset %d: more follow", limit, off)
						next, err := h.svc.ListCustomers(h.ctx, g.ID, cg.MemberQuery{Limit: 1, After: p.Next})
						require.NoError(t, err)
						require.Equal(t, byteOrder[end:end+1], customerIDsOf(next.Members), "the Next of an offset page continues it")
					} else {
						require.Empty(t, p.Next, "limit %d offset %d: the last page", limit, off)
					}
				}
			}
			p, err := h.svc.ListCustomers(h.ctx, g.ID, cg.MemberQuery{Offset: 100, CountTotal: true})
			require.NoError(t, err)
			require.NotNil(t, p.Members)
			require.Empty(t, p.Members)
			require.Empty(t, p.Next)
			require.Equal(t, len(members), p.Total)
		}},
		{"DefaultLimit", func(t *testing.T, h *harness) {
			g := h.create("Big")
			ids := make([]string, cg.DefaultPageSize+1)
			for i := range ids {
				ids[i] = fmt.Sprintf("c%03d", i)
			}
			h.add(g.ID, ids...)
			p, err := h.svc.ListCustomers(h.ctx, g.ID, cg.MemberQuery{})
			require.NoError(t, err)
			require.Equal(t, ids[:cg.DefaultPageSize], customerIDsOf(p.Members))
			require.NotEmpty(t, p.Next)
			require.Equal(t, -1, p.Total)
			p, err = h.svc.ListCustomers(h.ctx, g.ID, cg.MemberQuery{After: p.Next})
			require.NoError(t, err)
			require.Equal(t, ids[cg.DefaultPageSize:], customerIDsOf(p.Members))
			require.Empty(t, p.Next)
		}},
		{"EmptyGroup", func(t *testing.T, h *harness) {
			g := h.create("Empty")
			for _, q := range []cg.MemberQuery{{}, {CountTotal: true}, {Offset: 5}} {
				p, err := h.svc.ListCustomers(h.ctx, g.ID, q)
				require.NoError(t, err)
				require.NotNil(t, p.Members, "Members must be non-nil")
				require.Empty(t, p.Members)
				require.Empty(t, p.Next)
				if q.CountTotal {
					require.Zero(t, p.Total)
				} else {
					require.Equal(t, -1, p.Total)
				}
			}
		}},
		{"UnknownGroupIsErrNotFound", func(t *testing.T, h *harness) {
			h.create("Known")
			_, err := h.svc.ListCustomers(h.ctx, "unknown", cg.MemberQuery{})
			require.ErrorIs(t, err, cg.ErrNotFound)
			_, err = h.svc.ListCustomers(h.ctx, "unknown", cg.MemberQuery{CountTotal: true, Offset: 3})
			require.ErrorIs(t, err, cg.ErrNotFound)
		}},
		{"InvalidQueryIsErrInvalid", func(t *testing.T, h *harness) {
			g := setup(t, h)
			other := h.create("Other")
			h.add(other.ID, "a", "b", "c")
			p, err := h.svc.ListCustomers(h.ctx, g.ID, cg.MemberQuery{Limit: 2})
			require.NoError(t, err)
			require.NotEmpty(t, p.Next)
			otherPage, err := h.svc.ListCustomers(h.ctx, other.ID, cg.MemberQuery{Limit: 2})
			require.NoError(t, err)
			groupPage := h.list(cg.Query{Limit: 1})
			require.NotEmpty(t, groupPage.Next)
			for name, q := range map[string]cg.MemberQuery{
				"offset and after":          {Offset: 1, After: p.Next},
				"limit over MaxPageSize":    {Limit: cg.MaxPageSize + 1},
				"negative limit":            {Limit: -1},
				"negative offset":           {Offset: -1},
				"cursor of another group":   {After: otherPage.Next},
				"cursor of a group list":    {After: groupPage.Next},
				"tampered cursor":           {After: tamper(p.Next)},
				"truncated cursor":          {After: p.Next[:len(p.Next)/2]},
				"not a cursor":              {After: "not a cursor"},
				"customer id as cursor":     {After: "b"},
				"cursor with extra padding": {After: p.Next + "=="},
			} {
				_, err := h.svc.ListCustomers(h.ctx, g.ID, q)
				requireInvalid(t, err, "", name)
			}
			_, err = h.svc.ListCustomers(h.ctx, g.ID, cg.MemberQuery{Limit: cg.MaxPageSize})
			require.NoError(t, err, "Limit MaxPageSize is allowed")
		}},
		{"CursorSurvivesRemoval", func(t *testing.T, h *harness) {
			g := h.create("Keyset")
			h.add(g.ID, "a", "b", "c", "d", "e", "f")
			p, err := h.svc.ListCustomers(h.ctx, g.ID, cg.MemberQuery{Limit: 2})
			require.NoError(t, err)
			require.Equal(t, []string{"a", "b"}, customerIDsOf(p.Members))
			// The member the cursor points at, and the one after it, go; one arrives
			// before the cursor and one after it.
			h.remove(g.ID, "b", "c")
			h.add(g.ID, "aa", "ca")
			p, err = h.svc.ListCustomers(h.ctx, g.ID, cg.MemberQuery{Limit: 2, After: p.Next})
			require.NoError(t, err)
			require.Equal(t, []string{"ca", "d"}, customerIDsOf(p.Members))
			p, err = h.svc.ListCustomers(h.ctx, g.ID, cg.MemberQuery{Limit: 2, After: p.Next})
			require.NoError(t, err)
			require.Equal(t, []string{"e", "f"}, customerIDsOf(p.Members))
			require.Empty(t, p.Next)
		}},
	}
}

// tamper changes one character in the middle of a cursor.
func tamper(cursor string) string {
	b := []byte(cursor)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
