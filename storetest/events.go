package storetest

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	cg "github.com/b02aa859/customergroup"
)

func eventTests() []testCase {
	return []testCase{
		{"OnePerChange", func(t *testing.T, h *harness) {
			ctx := h.as("eve")
			var want []cg.Event
			at := func(typ cg.EventType, customers ...string) {
				want = append(want, event(typ, "ev", "eve", h.now(), customers...))
			}

			_, err := h.svc.Create(ctx, cg.NewGroup{ID: "ev", Name: "Events"})
			require.NoError(t, err)
			at(cg.EventCreated)
			h.tick()
			_, err = h.svc.Update(ctx, "ev", cg.Update{Name: ptr("Events 2")})
			require.NoError(t, err)
			at(cg.EventUpdated)
			h.tick()
			_, err = h.svc.EditMetadata(ctx, "ev", func(m *cg.Metadata) error { return m.Set("k", "v") })
			require.NoError(t, err)
			at(cg.EventUpdated)
			h.tick()
			_, err = h.svc.AddCustomers(ctx, "ev", []string{"b", "a", "b", "c"})
			require.NoError(t, err)
			at(cg.EventCustomersAdded, "b", "a", "c")
			h.tick()
			_, err = h.svc.AddCustomers(ctx, "ev", []string{"a", "d"})
			require.NoError(t, err)
			at(cg.EventCustomersAdded, "d")
			h.tick()
			_, err = h.svc.RemoveCustomers(ctx, "ev", []string{"c", "x", "a"})
			require.NoError(t, err)
			at(cg.EventCustomersRemoved, "c", "a")
			h.tick()
			_, err = h.svc.ForgetCustomer(ctx, "b")
			require.NoError(t, err)
			at(cg.EventCustomersRemoved, "b")
			h.tick()
			require.NoError(t, h.svc.Delete(ctx, "ev"))
			at(cg.EventDeleted)

			h.requireEvents(want...)
		}},
		{"NoneForFailedOrNoOpChanges", func(t *testing.T, h *harness) {
			g := h.createWith(cg.NewGroup{ID: "g", Name: "Gold", Metadata: metadata(t, "k", "v")})
			h.create("Silver")
			h.add(g.ID, "m1", "m2")
			before := h.snapshot()
			ctx := h.as("nobody-sees-this")
			h.tick()
			boom := errors.New("boom")
			for name, op := range map[string]func() error{
				"Create with a taken name": func() error { _, err := h.svc.Create(ctx, cg.NewGroup{Name: "GOLD"}); return err },
				"Create with a taken id":   func() error { _, err := h.svc.Create(ctx, cg.NewGroup{ID: "g", Name: "New"}); return err },
				"Create with a bad name":   func() error { _, err := h.svc.Create(ctx, cg.NewGroup{Name: ""}); return err },
				"Update to a taken name":   func() error { _, err := h.svc.Update(ctx, g.ID, cg.Update{Name: ptr("silver")}); return err },
				"Update at a stale version": func() error {
					_, err := h.svc.Update(ctx, g.ID, cg.Update{Name: ptr("X"), IfVersion: 7})
					return err
				},
				"Update of an unknown group": func() error { _, err := h.svc.Update(ctx, "nope", cg.Update{Name: ptr("X")}); return err },
				"EditMetadata failing": func() error {
					_, err := h.svc.EditMetadata(ctx, g.ID, func(*cg.Metadata) error { return boom })
					return err
				},
				"Delete of an unknown group":    func() error { return h.svc.Delete(ctx, "nope") },
				"AddCustomers with a bad id":    func() error { _, err := h.svc.AddCustomers(ctx, g.ID, []string{"c1", ""}); return err },
				"AddCustomers to unknown group": func() error { _, err := h.svc.AddCustomers(ctx, "nope", []string{"c1"}); return err },
				"RemoveCustomers with a bad id": func() error { _, err := h.svc.RemoveCustomers(ctx, g.ID, []string{"m1", "\xff"}); return err },
				"RemoveCustomers unknown group": func() error { _, err := h.svc.RemoveCustomers(ctx, "nope", []string{"m1"}); return err },
				"ForgetCustomer with a bad id":  func() error { _, err := h.svc.ForgetCustomer(ctx, ""); return err },
			} {
				require.Error(t, op(), name)
			}
			for name, op := range map[string]func() error{
				"Update with nothing":       func() error { _, err := h.svc.Update(ctx, g.ID, cg.Update{}); return err },
				"Update with the same name": func() error { _, err := h.svc.Update(ctx, g.ID, cg.Update{Name: ptr("Gold")}); return err },
				"EditMetadata changing nothing": func() error {
					_, err := h.svc.EditMetadata(ctx, g.ID, func(m *cg.Metadata) error { return m.Set("k", "v") })
					return err
				},
				"AddCustomers of the members":    func() error { _, err := h.svc.AddCustomers(ctx, g.ID, []string{"m2", "m1", "m2"}); return err },
				"AddCustomers of nobody":         func() error { _, err := h.svc.AddCustomers(ctx, g.ID, nil); return err },
				"RemoveCustomers of non-members": func() error { _, err := h.svc.RemoveCustomers(ctx, g.ID, []string{"x", "y"}); return err },
				"RemoveCustomers of nobody":      func() error { _, err := h.svc.RemoveCustomers(ctx, g.ID, nil); return err },
				"ForgetCustomer of a non-member": func() error { _, err := h.svc.ForgetCustomer(ctx, "x"); return err },
			} {
				require.NoError(t, op(), name)
			}
			h.requireUnchanged(before)
		}},
	}
}
