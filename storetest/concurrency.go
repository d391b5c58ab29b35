package storetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	cg "github.com/b02aa859/customergroup"
)

// race runs f(0) … f(n-1) on n goroutines released together and returns their errors. f
// must not call t.FailNow (require): it reports through its error.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// oneWins checks that exactly one of errs is nil and that the others are want, and returns
// the winner's index.
func oneWins(t *testing.T, errs []error, want error, msgAndArgs ...any) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		if err == nil {
			require.Equal(t, -1, winner, msgAndArgs...)
			winner = i
			continue
		}
		require.ErrorIs(t, err, want, msgAndArgs...)
	}
	require.NotEqual(t, -1, winner, msgAndArgs...)
	return winner
}

// slowService is a Service whose clock takes a millisecond to answer. The Service reads the
// clock between reading a group and writing it back (Update, EditMetadata), so this widens
// the window in which concurrent writers overlap: a store that does not enforce versions
// loses writes here even when it is very fast. It retries conflicts often enough that no
// writer gives up on a slow, contended store; what is checked is that no write is lost.
func (h *harness) slowService() *cg.Service {
	return h.service(cg.WithEditRetries(1000), cg.WithClock(func() time.Time {
		time.Sleep(time.Millisecond)
		return h.clock.Now()
	}))
}

func concurrencyTests() []testCase {
	return []testCase{
		{"MixedOperations", mixedOperations},
		{"EditorsKeepEachOthersRows", func(t *testing.T, h *harness) {
			g := h.createWith(cg.NewGroup{Name: "Edited", Metadata: metadata(t, "existing", "row")})
			svc := h.slowService()
			const editors = 8
			errs := race(editors, func(i int) error {
				_, err := svc.EditMetadata(h.ctx, g.ID, func(m *cg.Metadata) error {
					return m.Set(fmt.Sprintf("editor-%d", i), fmt.Sprint(i))
				})
				return err
			})
			for _, err := range errs {
				require.NoError(t, err)
			}
			got := h.get(g.ID)
			require.Equal(t, int64(1+editors), got.Version, "one version per edit")
			require.Equal(t, 1+editors, got.Metadata.Len(), "no row lost: %s", got.Metadata)
			require.Equal(t, "existing", got.Metadata.At(0).Key)
			for i := range editors {
				v, ok := got.Metadata.Get(fmt.Sprintf("editor-%d", i))
				require.True(t, ok, "editor %d's row is lost", i)
				require.Equal(t, fmt.Sprint(i), v)
			}
		}},
		{"CreateSameName", func(t *testing.T, h *harness) {
			for round := range 5 {
				names := []string{fmt.Sprintf("Race %d", round), fmt.Sprintf("RACE %d", round)}
				errs := race(2, func(i int) error {
					_, err := h.svc.Create(h.ctx, cg.NewGroup{Name: names[i]})
					return err
				})
				w := oneWins(t, errs, cg.ErrNameTaken, "round %d", round)
				gs := h.listAll(cg.Query{Names: []string{names[0]}})
				require.Len(t, gs, 1, "round %d", round)
				require.Equal(t, names[w], gs[0].Name)
			}
			require.Len(t, h.listIDs(cg.Query{}), 5)
			require.Len(t, h.events.take(), 5, "one created event per round")
		}},
		{"CreateSameID", func(t *testing.T, h *harness) {
			for round := range 5 {
				id := fmt.Sprintf("race-%d", round)
				errs := race(2, func(i int) error {
					_, err := h.svc.Create(h.ctx, cg.NewGroup{ID: id, Name: fmt.Sprintf("Race %d by %d", round, i)})
					return err
				})
				w := oneWins(t, errs, cg.ErrIDTaken, "round %d", round)
				require.Equal(t, fmt.Sprintf("Race %d by %d", round, w), h.get(id).Name)
			}
			require.Len(t, h.listIDs(cg.Query{}), 5)
			require.Len(t, h.events.take(), 5, "one created event per round")
		}},
		{"IfVersionRace", func(t *testing.T, h *harness) {
			g := h.create("Contended")
			svc := h.slowService() // both read version v before either writes
			for round := range 5 {
				v := h.get(g.ID).Version
				names := []string{fmt.Sprintf("Round %d A", round), fmt.Sprintf("Round %d B", round)}
				errs := race(2, func(i int) error {
					_, err := svc.Update(h.ctx, g.ID, cg.Update{Name: ptr(names[i]), IfVersion: v})
					return err
				})
				w := oneWins(t, errs, cg.ErrConflict, "round %d", round)
				got := h.get(g.ID)
				require.Equal(t, v+1, got.Version)
				require.Equal(t, names[w], got.Name)
			}
		}},
		{"AddAndRemoveSameCustomers", func(t *testing.T, h *harness) {
			g := h.create("Crowded")
			ids := make([]string, 20)
			for i := range ids {
				ids[i] = fmt.Sprintf("c%02d", i)
			}
			var total atomic.Int64
			const workers = 8
			errs := race(workers, func(i int) error {
				mine := slices.Clone(ids)
				rand.New(rand.NewPCG(uint64(i), 1)).Shuffle(len(mine), func(a, b int) { mine[a], mine[b] = mine[b], mine[a] })
				n, err := h.svc.AddCustomers(h.ctx, g.ID, mine)
				total.Add(int64(n))
				return err
			})
			for _, err := range errs {
				require.NoError(t, err)
			}
			require.Equal(t, int64(len(ids)), total.Load(), "each membership is added by exactly one caller")
			h.requireCount(g.ID, len(ids))
			require.Equal(t, ids, h.memberIDs(g.ID))

			total.Store(0)
			errs = race(workers, func(i int) error {
				n, err := h.svc.RemoveCustomers(h.ctx, g.ID, ids[i%2:]) // some skip c00
				total.Add(int64(n))
				return err
			})
			for _, err := range errs {
				require.NoError(t, err)
			}
			require.Equal(t, int64(len(ids)), total.Load(), "each membership is removed by exactly one caller")
			h.requireCount(g.ID, 0)
		}},
		{"DeleteWhileAdding", func(t *testing.T, h *harness) {
			doomed := h.createWith(cg.NewGroup{ID: "doomed", Name: "Doomed"})
			keep := h.createWith(cg.NewGroup{ID: "keep", Name: "Keep"})
			added := make(chan struct{})
			var once sync.Once
			const adders = 4
			errs := race(adders+1, func(i int) error {
				if i == adders {
					<-added // delete while the others are adding
					return h.svc.Delete(h.ctx, doomed.ID)
				}
				for j := range 5 {
					ids := make([]string, 10)
					for k := range ids {
						ids[k] = fmt.Sprintf("c%d-%d-%d", i, j, k)
					}
					if _, err := h.svc.AddCustomers(h.ctx, keep.ID, ids[:1]); err != nil {
						return err
					}
					_, err := h.svc.AddCustomers(h.ctx, doomed.ID, ids)
					once.Do(func() { close(added) })
					if err != nil && !errors.Is(err, cg.ErrNotFound) {
						return err
					}
				}
				return nil
			})
			for _, err := range errs {
				require.NoError(t, err)
			}
			_, err := h.svc.Get(h.ctx, doomed.ID)
			require.ErrorIs(t, err, cg.ErrNotFound)
			for i := range adders {
				for j := range 5 {
					for k := range 10 {
						c := fmt.Sprintf("c%d-%d-%d", i, j, k)
						want := []string{}
						if k == 0 {
							want = []string{keep.ID}
						}
						require.Equal(t, want, h.groupIDsOf(c), "no membership of the deleted group survives: %s", c)
						require.False(t, h.isMember(doomed.ID, c))
					}
				}
			}
			require.Equal(t, []string{keep.ID}, h.listIDs(cg.Query{}))
			h.requireCount(keep.ID, adders*5)
		}},
	}
}

// mixedOperations has several writers add overlapping customers to two groups, remove some,
// forget some, rename the groups and edit their metadata, all at once; then checks that the
// counts, member lists, lookups, versions, metadata rows and events all agree.
func mixedOperations(t *testing.T, h *harness) {
	const (
		workers = 8
		ops     = 50 // per worker: 20 adds, 10 removes, 10 metadata edits, 5 renames, 5 forgets
		poolLen = 24
	)
	groups := []string{"conc-a", "conc-b"}
	for _, id := range groups {
		h.createWith(cg.NewGroup{ID: id, Name: "Concurrent " + id})
	}
	pool := make([]string, poolLen)
	for i := range pool {
		pool[i] = fmt.Sprintf("cc-%02d", i)
	}
	h.events.take()

	svc := h.slowService()
	var (
		mu     sync.Mutex
		writes = map[string]int{}               // successful Update/EditMetadata per group
		last   = map[string]map[string]string{} // group → worker key → last value written
	)
	for _, g := range groups {
		last[g] = map[string]string{}
	}
	pick := func(rng *rand.Rand, n int) []string {
		var out []string
		for _, i := range rng.Perm(poolLen)[:n] {
			out = append(out, pool[i])
		}
		return append(out, out[0]) // and a duplicate
	}
	errs := race(workers, func(w int) error {
		rng := rand.New(rand.NewPCG(uint64(w), 99))
		for i := range ops {
			g := groups[rng.IntN(len(groups))]
			var err error
			switch i % 10 {
			case 0, 1, 5, 6:
				_, err = svc.AddCustomers(h.ctx, g, pick(rng, 6))
			case 2, 7:
				_, err = svc.RemoveCustomers(h.ctx, g, pick(rng, 4))
			case 3, 8: // each worker edits its own key, on both groups in turn
				g = groups[(i%10)/8]
				key, value := fmt.Sprintf("worker-%d", w), fmt.Sprint(i)
				_, err = svc.EditMetadata(h.ctx, g, func(m *cg.Metadata) error { return m.Set(key, value) })
				if err == nil {
					mu.Lock()
					writes[g]++
					last[g][key] = value
					mu.Unlock()
				}
			case 4:
				_, err = svc.Update(h.ctx, g, cg.Update{Name: ptr(fmt.Sprintf("%s renamed by %d at %d", g, w, i))})
				if err == nil {
					mu.Lock()
					writes[g]++
					mu.Unlock()
				}
			case 9:
				_, err = svc.ForgetCustomer(h.ctx, pool[rng.IntN(poolLen)])
			}
			if err != nil {
				return fmt.Errorf("worker %d, operation %d: %w", w, i, err)
			}
		}
		return nil
	})
	for _, err := range errs {
		require.NoError(t, err)
	}

	events := h.events.take()
	in := map[string]map[string]bool{} // group → its members
	for _, g := range groups {
		ids := h.memberIDs(g)
		require.True(t, slices.IsSorted(ids), "members of %s in order", g)
		require.Equal(t, len(ids), len(slices.Compact(slices.Clone(ids))), "each member of %s listed once", g)
		h.requireCount(g, len(ids))
		in[g] = map[string]bool{}
		for _, c := range ids {
			in[g][c] = true
		}

		net, updates := 0, 0
		for _, e := range events {
			if e.GroupID != g {
				continue
			}
			switch e.Type {
			case cg.EventCustomersAdded:
				net += len(e.CustomerIDs)
			case cg.EventCustomersRemoved:
				net -= len(e.CustomerIDs)
			case cg.EventUpdated:
				updates++
			}
		}
		require.Equal(t, len(ids), net, "%s: customers added minus customers removed, by the events", g)
		require.Equal(t, writes[g], updates, "%s: one updated event per successful write", g)

		got := h.get(g)
		require.Equal(t, int64(1+writes[g]), got.Version, "%s: Version counts every write, none lost", g)
		require.Len(t, last[g], workers, "premise: every worker edited %s", g)
		require.Equal(t, len(last[g]), got.Metadata.Len(), "%s: metadata rows", g)
		for key, value := range last[g] {
			v, ok := got.Metadata.Get(key)
			require.True(t, ok, "%s: key %s lost", g, key)
			require.Equal(t, value, v, "%s: the last value written for %s", g, key)
		}
	}
	for _, c := range pool {
		want := []string{}
		for _, g := range groups {
			require.Equal(t, in[g][c], h.isMember(g, c), "IsMember(%s, %s)", g, c)
			if in[g][c] {
				want = append(want, g)
			}
		}
		require.Equal(t, want, h.groupIDsOf(c), "GroupIDsOf(%s)", c)
		require.Equal(t, want, h.listIDs(cg.Query{CustomerID: c, Sort: cg.SortByCreatedAt}), "List(CustomerID: %s)", c)
	}
}
