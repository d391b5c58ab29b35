package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	cg "github.com/b02aa859/customergroup"
)

// millionIDs is the size of Batch/Million: API.md promises batches of at least this many.
const millionIDs = 1_000_000

func batchTests() []testCase {
	return []testCase{
		{"Thousands", func(t *testing.T, h *harness) {
			// Bigger than any sensible chunk or parameter limit, with existing members and
			// duplicates spread across it, so that chunking cannot lose or double-count.
			const n = 2500
			ids := make([]string, n)
			for i, p := range rand.New(rand.NewPCG(3, 5)).Perm(n) {
				ids[i] = fmt.Sprintf("cus-%05d", p)
			}
			g := h.create("Thousands")
			var pre, fresh []string
			for i, id := range ids {
				if i%3 == 0 {
					pre = append(pre, id)
				} else {
					fresh = append(fresh, id)
				}
			}
			require.Equal(t, len(pre), h.add(g.ID, pre...))
			h.events.take()

			input := append(slices.Clone(ids), ids[:100]...)   // duplicates at the end
			input = append(slices.Clone(ids[n-50:]), input...) // and at the start
			require.Equal(t, len(fresh), h.add(g.ID, input...))
			// New ids in first-seen order: the 50 put in front, then the rest.
			var wantAdded []string
			seen := map[string]bool{}
			preSet := map[string]bool{}
			for _, id := range pre {
				preSet[id] = true
			}
			for _, id := range input {
				if !seen[id] && !preSet[id] {
					wantAdded = append(wantAdded, id)
				}
				seen[id] = true
			}
			h.requireEvents(event(cg.EventCustomersAdded, g.ID, "", h.now(), wantAdded...))
			h.requireCount(g.ID, n)
			require.Equal(t, sorted(ids...), h.memberIDs(g.ID))

			// Remove every id and as many non-members, interleaved.
			var rm []string
			for i, id := range ids {
				rm = append(rm, id, fmt.Sprintf("absent-%05d", i))
			}
			require.Equal(t, n, h.remove(g.ID, rm...))
			h.requireEvents(event(cg.EventCustomersRemoved, g.ID, "", h.now(), ids...))
			h.requireCount(g.ID, 0)
			require.Equal(t, []string{}, h.groupIDsOf(ids[0]))
		}},
		{"Million", func(t *testing.T, h *harness) {
			if testing.Short() {
				t.Skip("a batch of 1,000,000 customer ids is skipped under -short")
			}
			// Distinct ids in neither ascending nor descending order.
			ids := make([]string, millionIDs)
			for i := range ids {
				ids[i] = fmt.Sprintf("c%07d", (i*7919)%millionIDs)
			}
			g := h.create("Million")
			other := h.create("Other")
			h.add(other.ID, ids[0], ids[millionIDs-1])
			h.events.take()

			added, err := h.svc.AddCustomers(h.ctx, g.ID, ids)
			require.NoError(t, err)
			require.Equal(t, millionIDs, added)
			h.requireCount(g.ID, millionIDs)
			events := h.events.take()
			require.Len(t, events, 1)
			require.Equal(t, cg.EventCustomersAdded, events[0].Type)
			require.True(t, slices.Equal(ids, events[0].CustomerIDs), "the event names the million ids, in order")
			require.True(t, h.isMember(g.ID, ids[0]))
			require.True(t, h.isMember(g.ID, ids[millionIDs/2]))
			require.True(t, h.isMember(g.ID, ids[millionIDs-1]))
			require.Equal(t, sorted(g.ID, other.ID), h.groupIDsOf(ids[0]))
			p, err := h.svc.ListCustomers(h.ctx, g.ID, cg.MemberQuery{Limit: 3})
			require.NoError(t, err)
			require.Equal(t, []string{"c0000000", "c0000001", "c0000002"}, customerIDsOf(p.Members))
			p, err = h.svc.ListCustomers(h.ctx, g.ID, cg.MemberQuery{Limit: 2, Offset: millionIDs - 2})
			require.NoError(t, err)
			require.Equal(t, []string{"c0999998", "c0999999"}, customerIDsOf(p.Members))
			require.Empty(t, p.Next)

			removed, err := h.svc.RemoveCustomers(h.ctx, g.ID, ids)
			require.NoError(t, err)
			require.Equal(t, millionIDs, removed)
			h.requireCount(g.ID, 0)
			events = h.events.take()
			require.Len(t, events, 1)
			require.Equal(t, cg.EventCustomersRemoved, events[0].Type)
			require.Len(t, events[0].CustomerIDs, millionIDs)
			require.False(t, h.isMember(g.ID, ids[millionIDs/2]))
			require.Equal(t, []string{other.ID}, h.groupIDsOf(ids[0]), "the other group keeps its members")
			h.requireCount(other.ID, 2)
		}},
	}
}
