package memstore

import (
	"context"
	"slices"
	"time"

	"github.com/b02aa859/customergroup"
)

// AddMembers implements customergroup.Store.
func (s *Store) AddMembers(ctx context.Context, groupID string, customerIDs []string, addedAt time.Time, addedBy string) ([]string, error) {
	if err := check(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.groups[groupID]
	if !ok {
		return nil, customergroup.NotFoundError(groupID)
	}
	added := make([]string, 0, len(customerIDs))
	for _, c := range customerIDs {
		if _, ok := r.members[c]; ok {
			continue
		}
		r.members[c] = member{addedAt: addedAt, addedBy: addedBy}
		s.linkCustomer(c, groupID)
		added = append(added, c)
	}
	if len(added) > 0 {
		r.sorted = nil
	}
	return added, nil
}

// RemoveMembers implements customergroup.Store.
func (s *Store) RemoveMembers(ctx context.Context, groupID string, customerIDs []string) ([]string, error) {
	if err := check(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.groups[groupID]
	if !ok {
		return nil, customergroup.NotFoundError(groupID)
	}
	removed := make([]string, 0)
	for _, c := range customerIDs {
		if _, ok := r.members[c]; !ok {
			continue
		}
		delete(r.members, c)
		s.unlinkCustomer(c, groupID)
		removed = append(removed, c)
	}
	if len(removed) > 0 {
		r.sorted = nil
	}
	return removed, nil
}

// Members implements customergroup.Store.
func (s *Store) Members(ctx context.Context, groupID string, q customergroup.MemberQuery) (customergroup.MemberPage, error) {
	if err := check(ctx); err != nil {
		return customergroup.MemberPage{}, err
	}
	after, err := q.Position(groupID)
	if err != nil {
		return customergroup.MemberPage{}, err
	}
	// Pages are read under the read lock from the sorted index; the write lock is taken only
	// to rebuild that index after the group's members changed.
	s.mu.RLock()
	r, ok := s.groups[groupID]
	if ok && r.sorted == nil {
		s.mu.RUnlock()
		s.mu.Lock()
		if r, ok = s.groups[groupID]; ok && r.sorted == nil {
			r.sorted = make([]string, 0, len(r.members))
			for c := range r.members {
				r.sorted = append(r.sorted, c)
			}
			slices.Sort(r.sorted)
		}
		s.mu.Unlock()
		s.mu.RLock()
		r, ok = s.groups[groupID]
		if ok && r.sorted == nil { // changed again in between: rebuild again
			s.mu.RUnlock()
			return s.Members(ctx, groupID, q)
		}
	}
	defer s.mu.RUnlock()
	if !ok {
		return customergroup.MemberPage{}, customergroup.NotFoundError(groupID)
	}
	start := min(q.Offset, len(r.sorted))
	if q.After != "" {
		i, found := slices.BinarySearch(r.sorted, after)
		if found {
			i++
		}
		start = i
	}
	end := min(start+q.Limit, len(r.sorted))
	page := customergroup.MemberPage{Members: make([]customergroup.Membership, 0, end-start), Total: -1}
	for _, c := range r.sorted[start:end] {
		m := r.members[c]
		page.Members = append(page.Members, customergroup.Membership{GroupID: groupID, CustomerID: c, AddedAt: m.addedAt, AddedBy: m.addedBy})
	}
	if end < len(r.sorted) && end > start {
		page.Next = q.NextCursor(groupID, r.sorted[end-1])
	}
	if q.CountTotal {
		page.Total = len(r.sorted)
	}
	return page, nil
}

// IsMember implements customergroup.Store.
func (s *Store) IsMember(ctx context.Context, groupID, customerID string) (bool, error) {
	if err := check(ctx); err != nil {
		return false, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.groups[groupID]
	if !ok {
		return false, nil
	}
	_, ok = r.members[customerID]
	return ok, nil
}

// GroupIDsOf implements customergroup.Store.
func (s *Store) GroupIDsOf(ctx context.Context, customerID string) ([]string, error) {
	if err := check(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append(make([]string, 0, len(s.byCustomer[customerID])), s.byCustomer[customerID]...), nil
}

// ForgetCustomer implements customergroup.Store.
func (s *Store) ForgetCustomer(ctx context.Context, customerID string) ([]string, error) {
	if err := check(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	gs := s.byCustomer[customerID]
	for _, id := range gs {
		r := s.groups[id]
		delete(r.members, customerID)
		r.sorted = nil
	}
	delete(s.byCustomer, customerID)
	if gs == nil {
		gs = []string{}
	}
	return gs, nil
}
