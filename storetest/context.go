package storetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	cg "github.com/b02aa859/customergroup"
)

func contextTests() []testCase {
	// setup makes a group with members and metadata and returns an already-cancelled context.
	setup := func(t *testing.T, h *harness) (cg.CustomerGroup, context.Context) {
		t.Helper()
		g := h.createWith(cg.NewGroup{ID: "g", Name: "Gold", Metadata: metadata(t, "k", "v")})
		h.add(g.ID, "m1", "m2")
		ctx, cancel := context.WithCancel(h.as("canceller"))
		cancel()
		return h.get(g.ID), ctx
	}
	return []testCase{
		{"CancelledWritesChangeNothing", func(t *testing.T, h *harness) {
			g, ctx := setup(t, h)
			before := h.snapshot()
			h.tick()
			md := metadata(t, "new", "x")
			for name, op := range map[string]func() error{
				"Create": func() error { _, err := h.svc.Create(ctx, cg.NewGroup{Name: "Silver"}); return err },
				"Update": func() error {
					_, err := h.svc.Update(ctx, g.ID, cg.Update{Name: ptr("Platinum"), Metadata: &md})
					return err
				},
				"Update with IfVersion": func() error {
					_, err := h.svc.Update(ctx, g.ID, cg.Update{Name: ptr("Platinum"), IfVersion: g.Version})
					return err
				},
				"EditMetadata": func() error {
					_, err := h.svc.EditMetadata(ctx, g.ID, func(m *cg.Metadata) error { return m.Set("new", "x") })
					return err
				},
				"Delete":          func() error { return h.svc.Delete(ctx, g.ID) },
				"AddCustomers":    func() error { _, err := h.svc.AddCustomers(ctx, g.ID, []string{"c1", "c2"}); return err },
				"RemoveCustomers": func() error { _, err := h.svc.RemoveCustomers(ctx, g.ID, []string{"m1"}); return err },
				"ForgetCustomer":  func() error { _, err := h.svc.ForgetCustomer(ctx, "m1"); return err },
			} {
				require.ErrorIs(t, op(), context.Canceled, name)
			}
			h.requireUnchanged(before)
		}},
		{"CancelledReadsFail", func(t *testing.T, h *harness) {
			g, ctx := setup(t, h)
			_, err := h.svc.Get(ctx, g.ID)
			require.ErrorIs(t, err, context.Canceled, "Get")
			_, err = h.svc.List(ctx, cg.Query{})
			require.ErrorIs(t, err, context.Canceled, "List")
			_, err = h.svc.ListCustomers(ctx, g.ID, cg.MemberQuery{})
			require.ErrorIs(t, err, context.Canceled, "ListCustomers")
			_, err = h.svc.IsMember(ctx, g.ID, "m1")
			require.ErrorIs(t, err, context.Canceled, "IsMember")
			_, err = h.svc.GroupIDsOf(ctx, "m1")
			require.ErrorIs(t, err, context.Canceled, "GroupIDsOf")
		}},
	}
}
