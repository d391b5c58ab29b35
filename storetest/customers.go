package storetest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	cg "github.com/b02aa859/customergroup"
)

// customerTests cover the lookups by customer (IsMember, GroupIDsOf, List's CustomerID
// filter) and ForgetCustomer.
func customerTests() []testCase {
	return []testCase{
		{"IsMember", func(t *testing.T, h *harness) {
			g := h.create("Members")
			other := h.create("Other")
			h.add(g.ID, "c1", "c2")
			h.add(other.ID, "c3")
			require.True(t, h.isMember(g.ID, "c1"))
			require.True(t, h.isMember(g.ID, "c2"))
			require.False(t, h.isMember(g.ID, "c3"), "member of another group")
			require.False(t, h.isMember(g.ID, "C1"), "ids are exact")
			require.False(t, h.isMember(g.ID, "nobody"))
			require.True(t, h.isMember(other.ID, "c3"))
		}},
		{"IsMemberOfUnknownGroupIsFalse", func(t *testing.T, h *harness) {
			g := h.create("Known")
			h.add(g.ID, "c1")
			ok, err := h.svc.IsMember(h.ctx, "unknown", "c1")
			require.NoError(t, err, "an unknown group is not an error for IsMember")
			require.False(t, ok)
		}},
		{"GroupIDsOfInByteOrder", func(t *testing.T, h *harness) {
			// Created in another order than byte order, which differs from a
			// case-insensitive or locale order.
			ids := []string{"g-b", "G-a", "g-A", "g-é", "g-~", "g-0", "g-B"}
			for i, id := range ids {
				g := h.createWith(cg.NewGroup{ID: id, Name: fmt.Sprintf("Group %d", i)})
				h.add(g.ID, "c1")
			}
			h.createWith(cg.NewGroup{ID: "g-not", Name: "Not c1's"})
			h.add("g-not", "c2")
			want := []string{"G-a", "g-0", "g-A", "g-B", "g-b", "g-~", "g-é"}
			require.Equal(t, sorted(ids...), want, "premise")
			require.Equal(t, want, h.groupIDsOf("c1"))
			require.Equal(t, []string{"g-not"}, h.groupIDsOf("c2"))
		}},
		{"GroupIDsOfNoneIsEmpty", func(t *testing.T, h *harness) {
			require.Equal(t, []string{}, h.groupIDsOf("nobody"), "empty store")
			g := h.create("Group")
			h.add(g.ID, "c1")
			h.remove(g.ID, "c1")
			require.Equal(t, []string{}, h.groupIDsOf("c1"), "after leaving the only group")
			require.Equal(t, []string{}, h.groupIDsOf("nobody"))
		}},
		{"ForgetCustomer", func(t *testing.T, h *harness) {
			for _, id := range []string{"fg-b", "fg-A", "fg-c", "fg-z"} {
				h.createWith(cg.NewGroup{ID: id, Name: id})
			}
			h.add("fg-b", "c", "d")
			h.add("fg-A", "c")
			h.add("fg-c", "c", "e")
			h.add("fg-z", "d")
			h.events.take()
			h.tick()

			n, err := h.svc.ForgetCustomer(h.as("gdpr"), "c")
			require.NoError(t, err)
			require.Equal(t, 3, n)
			h.requireEvents( // one per group, in byte order of the group ids
				event(cg.EventCustomersRemoved, "fg-A", "gdpr", h.now(), "c"),
				event(cg.EventCustomersRemoved, "fg-b", "gdpr", h.now(), "c"),
				event(cg.EventCustomersRemoved, "fg-c", "gdpr", h.now(), "c"),
			)
			require.Equal(t, []string{}, h.groupIDsOf("c"))
			for _, g := range []string{"fg-A", "fg-b", "fg-c"} {
				require.False(t, h.isMember(g, "c"))
			}
			require.Empty(t, h.listIDs(cg.Query{CustomerID: "c"}))
			h.requireCount("fg-A", 0)
			h.requireCount("fg-b", 1)
			h.requireCount("fg-c", 1)
			h.requireCount("fg-z", 1)
			require.Equal(t, []string{"fg-b", "fg-z"}, h.groupIDsOf("d"), "other customers stay")
			require.Equal(t, []string{"fg-c"}, h.groupIDsOf("e"))

			before := h.snapshot()
			n, err = h.svc.ForgetCustomer(h.ctx, "c")
			require.NoError(t, err)
			require.Zero(t, n, "forgetting twice")
			n, err = h.svc.ForgetCustomer(h.ctx, "never-seen")
			require.NoError(t, err)
			require.Zero(t, n)
			n, err = h.svc.ForgetCustomer(h.ctx, "D")
			require.NoError(t, err)
			require.Zero(t, n, "ids are exact: D is not d")
			h.requireUnchanged(before)

			// A forgotten customer can join again.
			require.Equal(t, 1, h.add("fg-A", "c"))
			require.Equal(t, []string{"fg-A"}, h.groupIDsOf("c"))
		}},
		{"InvalidCustomerIDIsErrInvalid", func(t *testing.T, h *harness) {
			g := h.create("Group")
			h.add(g.ID, "c1")
			before := h.snapshot()
			for _, bad := range badCustomerIDs {
				_, err := h.svc.ForgetCustomer(h.ctx, bad.id)
				requireInvalid(t, err, "", "ForgetCustomer with an id that is %s", bad.name)
				_, err = h.svc.GroupIDsOf(h.ctx, bad.id)
				requireInvalid(t, err, "", "GroupIDsOf with an id that is %s", bad.name)
				_, err = h.svc.IsMember(h.ctx, g.ID, bad.id)
				requireInvalid(t, err, "", "IsMember with an id that is %s", bad.name)
			}
			h.requireUnchanged(before)
		}},
	}
}
