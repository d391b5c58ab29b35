// Package memstore is an in-memory customergroup.Store: for tests, examples and single-process
// hosts that do not need persistence.
//
// It is safe for concurrent use: one lock guards everything, and values are copied on the way
// in and out, so a caller can never change what the store holds. Member counts are exact;
// GroupIDsOf and IsMember are map lookups (a reverse index from customer to groups), so their
// cost does not grow with the number of groups or members; a page of members is a binary search
// in a sorted index rebuilt only after the group's members change. Listing groups filters and
// sorts every group: it costs O(n log n) in the number of groups.
package memstore

import (
	"context"
	"slices"
	"sync"

	"github.com/b02aa859/customergroup"
)

// Store keeps groups and memberships in memory. The zero value is not ready: use New.
type Store struct {
	mu         sync.RWMutex
	groups     map[string]*group   // by id
	byName     map[string]string   // FoldName(name) → id
	byCustomer map[string][]string // customer id → group ids, sorted
}

var _ customergroup.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		groups:     make(map[string]*group),
		byName:     make(map[string]string),
		byCustomer: make(map[string][]string),
	}
}

// insertSorted adds s to the sorted slice ss if absent.
func insertSorted(ss []string, s string) []string {
	i, found := slices.BinarySearch(ss, s)
	if found {
		return ss
	}
	return slices.Insert(ss, i, s)
}

// removeSorted removes s from the sorted slice ss if present.
func removeSorted(ss []string, s string) []string {
	i, found := slices.BinarySearch(ss, s)
	if !found {
		return ss
	}
	return slices.Delete(ss, i, i+1)
}

func (s *Store) linkCustomer(customerID, groupID string) {
	s.byCustomer[customerID] = insertSorted(s.byCustomer[customerID], groupID)
}

func (s *Store) unlinkCustomer(customerID, groupID string) {
	gs := removeSorted(s.byCustomer[customerID], groupID)
	if len(gs) == 0 {
		delete(s.byCustomer, customerID)
		return
	}
	s.byCustomer[customerID] = gs
}

// check returns ctx's error, so that a cancelled call changes nothing.
func check(ctx context.Context) error { return ctx.Err() }
