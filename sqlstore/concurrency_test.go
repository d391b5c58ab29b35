package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	cg "github.com/b02aa859/customergroup"
)

// Two pools on one database stand for two processes: they share no Go state, only the
// database, so every guarantee checked here is enforced by the database.

// twoProcesses returns two Services on the same, fresh tables through two separate pools.
func twoProcesses(t *testing.T, b backend, opts ...Option) (s1, s2 *Store, svc [2]*cg.Service) {
	t.Helper()
	s1 = newStore(t, b.open(t), b.dialect, opts...)
	s2 = sameStore(t, b.open(t), s1)
	svc = [2]*cg.Service{cg.New(s1, cg.WithEditRetries(1000)), cg.New(s2, cg.WithEditRetries(1000))}
	return s1, s2, svc
}

// race runs f(0..n-1) at once and returns their errors.
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

func exactlyOneWins(t *testing.T, errs []error, want error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		if err == nil {
			require.Equal(t, -1, winner, "two winners")
			winner = i
			continue
		}
		require.ErrorIs(t, err, want)
	}
	require.NotEqual(t, -1, winner, "no winner")
	return winner
}

// allMembers lists a group's members through keyset pages.
func allMembers(t *testing.T, svc *cg.Service, groupID string) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	q := cg.MemberQuery{Limit: 1000}
	for {
		p, err := svc.ListCustomers(ctx, groupID, q)
		require.NoError(t, err)
		for _, m := range p.Members {
			out = append(out, m.CustomerID)
		}
		if p.Next == "" {
			return out
		}
		q.After = p.Next
	}
}

func TestCrossProcessCreateSameName(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		_, _, svc := twoProcesses(t, b)
		ctx := context.Background()
		names := []string{"VIP", "vip", "Vip", " VIP ", "vIP", "viP"}
		errs := race(len(names), func(i int) error {
			_, err := svc[i%2].Create(ctx, cg.NewGroup{Name: names[i]})
			return err
		})
		exactlyOneWins(t, errs, cg.ErrNameTaken)

		// The same id from both sides, with different names.
		errs = race(4, func(i int) error {
			_, err := svc[i%2].Create(ctx, cg.NewGroup{ID: "same-id", Name: fmt.Sprintf("Group %d", i)})
			return err
		})
		exactlyOneWins(t, errs, cg.ErrIDTaken)
		p, err := svc[0].List(ctx, cg.Query{CountTotal: true})
		require.NoError(t, err)
		require.Equal(t, 2, p.Total)
	})
}

func TestCrossProcessAddRemoveSameMembers(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		// Small batches, so that each call is several statements in one transaction.
		s1, _, svc := twoProcesses(t, b, WithBatchSize(5))
		ctx := context.Background()
		g, err := svc[0].Create(ctx, cg.NewGroup{Name: "Contended"})
		require.NoError(t, err)
		other, err := svc[0].Create(ctx, cg.NewGroup{Name: "Other"})
		require.NoError(t, err)

		ids := make([]string, 40)
		for i := range ids {
			ids[i] = fmt.Sprintf("cus_%02d", i)
		}
		const workers = 6
		var mu sync.Mutex
		added, removed := 0, 0
		errs := race(workers, func(i int) error {
			s := svc[i%2]
			for round := range 4 {
				// Overlapping, shuffled slices of the same ids from both processes.
				batch := slices.Clone(ids[(i*7+round*3)%20 : (i*7+round*3)%20+20])
				if (i+round)%2 == 0 {
					slices.Reverse(batch)
				}
				if (i+round)%3 == 2 {
					n, err := s.RemoveCustomers(ctx, g.ID, batch)
					if err != nil {
						return err
					}
					mu.Lock()
					removed += n
					mu.Unlock()
					continue
				}
				n, err := s.AddCustomers(ctx, g.ID, batch)
				if err != nil {
					return err
				}
				mu.Lock()
				added += n
				mu.Unlock()
				if _, err := s.AddCustomers(ctx, other.ID, batch[:2]); err != nil {
					return err
				}
			}
			return nil
		})
		for _, err := range errs {
			require.NoError(t, err)
		}
		members := allMembers(t, svc[1], g.ID)
		require.Equal(t, added-removed, len(members), "what was reported added minus removed is what is there")
		for _, s := range svc {
			got, err := s.Get(ctx, g.ID)
			require.NoError(t, err)
			require.Equal(t, len(members), got.CustomerCount, "customer_count is exact")
			o, err := s.Get(ctx, other.ID)
			require.NoError(t, err)
			require.Equal(t, len(allMembers(t, s, other.ID)), o.CustomerCount)
		}
		requireCountsExact(t, s1)

		// Both processes forget customers while the other adds them back.
		errs = race(4, func(i int) error {
			for _, id := range ids[i*10 : i*10+10] {
				if i%2 == 0 {
					if _, err := svc[0].ForgetCustomer(ctx, id); err != nil {
						return err
					}
				} else if _, err := svc[1].AddCustomers(ctx, g.ID, []string{id, ids[(i*10+7)%40]}); err != nil {
					return err
				}
			}
			return nil
		})
		for _, err := range errs {
			require.NoError(t, err)
		}
		requireCountsExact(t, s1)
	})
}

// requireCountsExact compares every group's customer_count with its rows in the members table.
func requireCountsExact(t *testing.T, s *Store) {
	t.Helper()
	rows, err := s.db.Query(`SELECT g.id, g.customer_count, (SELECT count(*) FROM ` + s.t.members + ` m WHERE m.group_id = g.id) FROM ` + s.t.groups + ` g`)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var id string
		var stored, counted int
		require.NoError(t, rows.Scan(&id, &stored, &counted))
		require.Equal(t, counted, stored, "customer_count of %s", id)
	}
	require.NoError(t, rows.Err())
	var orphans int
	require.NoError(t, s.db.QueryRow(`SELECT count(*) FROM `+s.t.members+` m WHERE NOT EXISTS (SELECT 1 FROM `+s.t.groups+` g WHERE g.id = m.group_id)`).Scan(&orphans))
	require.Zero(t, orphans, "memberships of deleted groups")
}

func TestCrossProcessUpdateIfVersion(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		_, _, svc := twoProcesses(t, b)
		ctx := context.Background()
		g, err := svc[0].Create(ctx, cg.NewGroup{Name: "Versioned"})
		require.NoError(t, err)
		for round := range 3 {
			errs := race(2, func(i int) error {
				md, _ := cg.MetadataOf(cg.Entry{Key: "writer", Value: fmt.Sprint(i)})
				name := fmt.Sprintf("Versioned %d-%d", round, i)
				_, err := svc[i].Update(ctx, g.ID, cg.Update{Name: &name, Metadata: &md, IfVersion: g.Version})
				return err
			})
			w := exactlyOneWins(t, errs, cg.ErrConflict)
			got, err := svc[1-w].Get(ctx, g.ID)
			require.NoError(t, err)
			require.Equal(t, g.Version+1, got.Version)
			require.Equal(t, fmt.Sprintf("Versioned %d-%d", round, w), got.Name)
			v, _ := got.Metadata.Get("writer")
			require.Equal(t, fmt.Sprint(w), v, "the winner's name and metadata, together")
			g = got
		}
	})
}

func TestCrossProcessEditMetadataKeepsEveryRow(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		_, _, svc := twoProcesses(t, b)
		ctx := context.Background()
		g, err := svc[0].Create(ctx, cg.NewGroup{Name: "Edited"})
		require.NoError(t, err)
		const writers, rows = 4, 5
		errs := race(writers, func(i int) error {
			for r := range rows {
				_, err := svc[i%2].EditMetadata(ctx, g.ID, func(m *cg.Metadata) error {
					return m.Set(fmt.Sprintf("w%d-r%d", i, r), "v")
				})
				if err != nil {
					return err
				}
			}
			return nil
		})
		for _, err := range errs {
			require.NoError(t, err)
		}
		got, err := svc[1].Get(ctx, g.ID)
		require.NoError(t, err)
		require.Equal(t, writers*rows, got.Metadata.Len(), "no editor lost another's rows: %v", got.Metadata)
		require.Equal(t, int64(1+writers*rows), got.Version)
	})
}

func TestCrossProcessDeleteWhileAdding(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		s1, _, svc := twoProcesses(t, b, WithBatchSize(3))
		ctx := context.Background()
		for round := range 5 {
			g, err := svc[0].Create(ctx, cg.NewGroup{Name: fmt.Sprintf("Doomed %d", round)})
			require.NoError(t, err)
			errs := race(3, func(i int) error {
				if i == 0 {
					return svc[0].Delete(ctx, g.ID)
				}
				ids := []string{"a", "b", "c", "d", "e", "f", "g", fmt.Sprint(i)}
				_, err := svc[i%2].AddCustomers(ctx, g.ID, ids)
				if errors.Is(err, cg.ErrNotFound) {
					return nil
				}
				return err
			})
			for _, err := range errs {
				require.NoError(t, err)
			}
			_, err = svc[1].Get(ctx, g.ID)
			require.ErrorIs(t, err, cg.ErrNotFound)
		}
		requireCountsExact(t, s1)
		ids, err := svc[1].GroupIDsOf(ctx, "a")
		require.NoError(t, err)
		require.Empty(t, ids)
	})
}

// TestSQLiteWithoutTxlockImmediate: the store's write transactions begin with a write, so two
// pools racing on a file opened without _txlock=immediate (plain deferred BEGIN) still neither
// fail to upgrade a read lock nor lose counts.
func TestSQLiteWithoutTxlockImmediate(t *testing.T) {
	file := filepath.Join(t.TempDir(), "deferred.db")
	dsn := "file:" + file + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"
	b := backend{SQLite, func(t *testing.T) *sql.DB { return openDB(t, "sqlite", dsn) }}
	s1, _, svc := twoProcesses(t, b, WithBatchSize(4))
	ctx := context.Background()
	g, err := svc[0].Create(ctx, cg.NewGroup{Name: "Deferred"})
	require.NoError(t, err)
	errs := race(6, func(i int) error {
		for r := range 10 {
			ids := []string{fmt.Sprint("c", (i+r)%7), fmt.Sprint("c", (i*3+r)%7), fmt.Sprint("c", r%5+7)}
			var err error
			if (i+r)%3 == 0 {
				_, err = svc[i%2].RemoveCustomers(ctx, g.ID, ids)
			} else {
				_, err = svc[i%2].AddCustomers(ctx, g.ID, ids)
			}
			if err == nil && r%4 == 3 {
				_, err = svc[i%2].ForgetCustomer(ctx, ids[0])
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	for _, err := range errs {
		require.NoError(t, err)
	}
	requireCountsExact(t, s1)
}
