package memstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/b02aa859/customergroup"
)

// group is a stored group with its members.
type group struct {
	g       customergroup.CustomerGroup // CustomerCount unused: len(members) is the count
	nameKey string                      // customergroup.FoldName(g.Name)
	members map[string]member           // by customer id
	sorted  []string                    // member ids in byte order; nil when stale
}

type member struct {
	addedAt time.Time
	addedBy string
}

// out is the copy of the group a caller gets.
func (r *group) out() customergroup.CustomerGroup {
	g := r.g.Clone()
	g.CustomerCount = len(r.members)
	return g
}

// CreateGroup implements customergroup.Store.
func (s *Store) CreateGroup(ctx context.Context, g customergroup.CustomerGroup) error {
	if err := check(ctx); err != nil {
		return err
	}
	key := customergroup.FoldName(g.Name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.groups[g.ID]; ok {
		return fmt.Errorf("customer group id %q: %w", g.ID, customergroup.ErrIDTaken)
	}
	if _, ok := s.byName[key]; ok {
		return fmt.Errorf("customer group name %q: %w", g.Name, customergroup.ErrNameTaken)
	}
	g = g.Clone()
	g.CustomerCount = 0
	s.groups[g.ID] = &group{g: g, nameKey: key, members: make(map[string]member)}
	s.byName[key] = g.ID
	return nil
}

// Group implements customergroup.Store.
func (s *Store) Group(ctx context.Context, id string) (customergroup.CustomerGroup, error) {
	if err := check(ctx); err != nil {
		return customergroup.CustomerGroup{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.groups[id]
	if !ok {
		return customergroup.CustomerGroup{}, customergroup.NotFoundError(id)
	}
	return r.out(), nil
}

// UpdateGroup implements customergroup.Store.
func (s *Store) UpdateGroup(ctx context.Context, g customergroup.CustomerGroup, prevVersion int64) error {
	if err := check(ctx); err != nil {
		return err
	}
	key := customergroup.FoldName(g.Name)
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.groups[g.ID]
	if !ok {
		return customergroup.NotFoundError(g.ID)
	}
	if r.g.Version != prevVersion {
		return fmt.Errorf("customer group %q is at version %d, not %d: %w", g.ID, r.g.Version, prevVersion, customergroup.ErrConflict)
	}
	if other, ok := s.byName[key]; ok && other != g.ID {
		return fmt.Errorf("customer group name %q: %w", g.Name, customergroup.ErrNameTaken)
	}
	delete(s.byName, r.nameKey)
	s.byName[key] = g.ID
	r.nameKey = key
	r.g.Name = g.Name
	r.g.Metadata = g.Metadata.Clone()
	r.g.UpdatedAt = g.UpdatedAt
	r.g.Version = g.Version
	return nil
}

// DeleteGroup implements customergroup.Store.
func (s *Store) DeleteGroup(ctx context.Context, id string) error {
	if err := check(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.groups[id]
	if !ok {
		return customergroup.NotFoundError(id)
	}
	for c := range r.members {
		s.unlinkCustomer(c, id)
	}
	delete(s.byName, r.nameKey)
	delete(s.groups, id)
	return nil
}

// Groups implements customergroup.Store.
func (s *Store) Groups(ctx context.Context, q customergroup.Query) (customergroup.Page, error) {
	if err := check(ctx); err != nil {
		return customergroup.Page{}, err
	}
	var after customergroup.Position
	if q.After != "" {
		var err error
		if after, err = q.Position(); err != nil {
			return customergroup.Page{}, err
		}
	}
	type hit struct {
		pos customergroup.Position
		r   *group
	}
	match := q.Matcher()
	s.mu.RLock()
	defer s.mu.RUnlock()
	var inCustomer map[string]bool
	if q.CustomerID != "" {
		gs := s.byCustomer[q.CustomerID]
		inCustomer = make(map[string]bool, len(gs))
		for _, id := range gs {
			inCustomer[id] = true
		}
	}
	hits := make([]hit, 0)
	for _, r := range s.groups {
		if inCustomer != nil && !inCustomer[r.g.ID] || !match(r.g, r.nameKey) {
			continue
		}
		pos := customergroup.Position{ID: r.g.ID}
		switch q.Sort {
		case customergroup.SortByName:
			pos.Name = r.nameKey
		case customergroup.SortByUpdatedAt:
			pos.Time = r.g.UpdatedAt
		default:
			pos.Time = r.g.CreatedAt
		}
		hits = append(hits, hit{pos, r})
	}
	slices.SortFunc(hits, func(a, b hit) int { return q.ComparePositions(a.pos, b.pos) })
	total := len(hits)
	start := min(q.Offset, len(hits))
	if q.After != "" {
		start, _ = slices.BinarySearchFunc(hits, after, func(h hit, p customergroup.Position) int {
			if q.ComparePositions(h.pos, p) <= 0 {
				return -1
			}
			return 1
		})
	}
	end := min(start+q.Limit, len(hits))
	page := customergroup.Page{Groups: make([]customergroup.CustomerGroup, 0, end-start), Total: -1}
	for _, h := range hits[start:end] {
		page.Groups = append(page.Groups, h.r.out())
	}
	if end < len(hits) && end > start {
		page.Next = q.NextCursor(page.Groups[len(page.Groups)-1])
	}
	if q.CountTotal {
		page.Total = total
	}
	return page, nil
}
