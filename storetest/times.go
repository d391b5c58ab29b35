package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	cg "github.com/b02aa859/customergroup"
)

// requireStamp checks that got is exactly want: the same instant, in time.UTC, with nothing
// below the microsecond.
func requireStamp(t *testing.T, want, got time.Time, what string) {
	t.Helper()
	require.Equal(t, fmtTime(want), fmtTime(got), "%s: UTC, microseconds, exactly", what)
	require.Same(t, time.UTC, got.Location(), "%s: the location is time.UTC", what)
	require.Zero(t, got.Nanosecond()%1000, "%s: no nanoseconds", what)
}

func timeTests() []testCase {
	return []testCase{
		{"UTCMicroseconds", func(t *testing.T, h *harness) {
			// The clock says 2025-03-30T01:59:58.123456789+05:30.
			created := time.Date(2025, time.March, 29, 20, 29, 58, 123456000, time.UTC)
			require.Equal(t, created, h.now(), "premise")
			g, err := h.svc.Create(h.ctx, cg.NewGroup{Name: "Times"})
			require.NoError(t, err)
			requireStamp(t, created, g.CreatedAt, "Create's CreatedAt")
			h.add(g.ID, "c1")

			h.tick() // + 1.000001001s
			updated := time.Date(2025, time.March, 29, 20, 29, 59, 123457000, time.UTC)
			_, err = h.svc.Update(h.ctx, g.ID, cg.Update{Name: ptr("Times 2")})
			require.NoError(t, err)
			h.add(g.ID, "c2")

			got := h.get(g.ID)
			requireStamp(t, created, got.CreatedAt, "Get's CreatedAt")
			requireStamp(t, updated, got.UpdatedAt, "Get's UpdatedAt")
			listed := h.list(cg.Query{}).Groups[0]
			requireStamp(t, created, listed.CreatedAt, "List's CreatedAt")
			requireStamp(t, updated, listed.UpdatedAt, "List's UpdatedAt")
			ms := h.members(g.ID)
			requireStamp(t, created, ms[0].AddedAt, "AddedAt")
			requireStamp(t, updated, ms[1].AddedAt, "AddedAt")
			for _, e := range h.events.take() {
				require.Same(t, time.UTC, e.At.Location(), "Event.At")
			}
			// Stored times select and sort exactly.
			require.Equal(t, []string{g.ID}, h.listIDs(cg.Query{Created: cg.TimeRange{From: created, To: created.Add(time.Microsecond)}}))
			require.Empty(t, h.listIDs(cg.Query{Created: cg.TimeRange{From: created.Add(time.Microsecond)}}))
			require.Equal(t, []string{g.ID}, h.listIDs(cg.Query{Updated: cg.TimeRange{From: updated, To: updated.Add(time.Microsecond)}}))
		}},
		{"After2038", func(t *testing.T, h *harness) {
			// Beyond a 32-bit Unix time (and MySQL's TIMESTAMP type).
			h.clock.Set(time.Date(2199, time.December, 31, 23, 59, 59, 999999999, time.FixedZone("UTC-09:30", -(9*60*60+30*60))))
			want := time.Date(2200, time.January, 1, 9, 29, 59, 999999000, time.UTC)
			require.Equal(t, want, h.now(), "premise")
			early := h.createWith(cg.NewGroup{ID: "early", Name: "Early"})
			h.clock.Set(baseTime)
			late := h.createWith(cg.NewGroup{ID: "late", Name: "Late"})
			h.add(early.ID, "c1")
			got := h.get(early.ID)
			requireStamp(t, want, got.CreatedAt, "CreatedAt")
			requireStamp(t, want, got.UpdatedAt, "UpdatedAt")
			requireStamp(t, h.now(), h.members(early.ID)[0].AddedAt, "AddedAt")
			require.Equal(t, []string{late.ID, early.ID}, h.listIDs(cg.Query{}))
			require.Equal(t, []string{early.ID}, h.listIDs(cg.Query{Created: cg.TimeRange{From: want}}))
			require.Equal(t, []string{late.ID}, h.listIDs(cg.Query{Created: cg.TimeRange{To: want}}))
			p := h.list(cg.Query{Limit: 1, Desc: true})
			require.Equal(t, []string{early.ID}, groupIDs(p.Groups))
			p = h.list(cg.Query{Limit: 1, Desc: true, After: p.Next})
			require.Equal(t, []string{late.ID}, groupIDs(p.Groups))
		}},
	}
}
