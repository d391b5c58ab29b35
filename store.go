package customergroup

import (
	"context"
	"time"
)

// Store is the persistence port: memstore, sqlstore and a host's own backend implement it, and
// storetest.Run checks an implementation against the whole contract.
//
// The Service validates and normalizes everything before it calls a Store: ids, names and
// metadata are valid, times are stamped (UTC, microseconds), versions computed, queries
// normalized (Query.Normalize, MemberQuery.Normalize). A Store still enforces, by itself and
// across processes when it is shared, everything that needs the stored state: name uniqueness
// (by FoldName), id uniqueness, versions, atomicity and exact member counts.
//
// Every method takes ctx first, is atomic (all or nothing), is safe for concurrent use, and
// returns only the errors of this package (wrapped, with errors.Is) or ctx's error. Every
// slice it returns is non-nil.
type Store interface {
	// CreateGroup stores a new group; g.CustomerCount is 0. ErrIDTaken if g.ID is used,
	// ErrNameTaken if FoldName(g.Name) is another group's.
	CreateGroup(ctx context.Context, g CustomerGroup) error

	// Group returns the group with its exact CustomerCount, or ErrNotFound.
	Group(ctx context.Context, id string) (CustomerGroup, error)

	// Groups returns one page of the groups matching q (a normalized Query), ordered by q.Sort
	// then ID (both reversed when q.Desc), starting after q.Position() when q.After is set or
	// skipping q.Offset matches. Page.Next is q.NextCursor of the last group when more match,
	// else "". Page.Total counts all matches when q.CountTotal, else is -1.
	Groups(ctx context.Context, q Query) (Page, error)

	// UpdateGroup writes g's Name, Metadata, UpdatedAt and Version when the stored Version is
	// prevVersion. ErrNotFound if there is no such group, ErrConflict if its version differs,
	// ErrNameTaken if the new name is another group's.
	UpdateGroup(ctx context.Context, g CustomerGroup, prevVersion int64) error

	// DeleteGroup removes the group and all its memberships, atomically. ErrNotFound if absent.
	DeleteGroup(ctx context.Context, id string) error

	// AddMembers adds customerIDs (valid, without duplicates) to the group, stamping each new
	// membership with addedAt and addedBy. Existing members are skipped and keep their stamps.
	// It returns the ids that were added, in input order. ErrNotFound if the group is absent.
	AddMembers(ctx context.Context, groupID string, customerIDs []string, addedAt time.Time, addedBy string) (added []string, err error)

	// RemoveMembers removes customerIDs (valid, without duplicates) from the group, ignoring
	// non-members, and returns the ids that were removed, in input order. ErrNotFound if the
	// group is absent.
	RemoveMembers(ctx context.Context, groupID string, customerIDs []string) (removed []string, err error)

	// Members returns one page of the group's memberships ordered by CustomerID (byte order),
	// after q.Position(groupID) or skipping q.Offset. ErrNotFound if the group is absent.
	Members(ctx context.Context, groupID string, q MemberQuery) (MemberPage, error)

	// IsMember reports whether the customer is in the group; false for an unknown group.
	IsMember(ctx context.Context, groupID, customerID string) (bool, error)

	// GroupIDsOf returns the ids of the groups the customer is in, in byte order.
	GroupIDsOf(ctx context.Context, customerID string) ([]string, error)

	// ForgetCustomer removes the customer from every group and returns the ids of the groups
	// it was removed from, in byte order.
	ForgetCustomer(ctx context.Context, customerID string) (groupIDs []string, err error)
}
