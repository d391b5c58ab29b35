package customergroup

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Service is the entry point: it validates and normalizes input, stamps ids, times, versions
// and actors, calls the Store, and tells the Observer of each change. It holds no state of its
// own beyond its options, so it is safe for concurrent use when its Store is, and several
// Services (in several processes) may share one store.
type Service struct {
	store Store
	cfg   config
}

// New returns a Service over store.
func New(store Store, opts ...Option) *Service {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.retries < 0 {
		cfg.retries = 0
	}
	return &Service{store: store, cfg: cfg}
}

func (s *Service) now() time.Time { return Timestamp(s.cfg.now()) }

func (s *Service) observe(ctx context.Context, t EventType, groupID string, customerIDs []string, at time.Time) {
	if s.cfg.observer == nil {
		return
	}
	s.cfg.observer.Observe(ctx, Event{Type: t, GroupID: groupID, CustomerIDs: customerIDs, Actor: ActorFrom(ctx), At: at})
}

// actor returns the actor of ctx after checking it can be stored.
func actor(ctx context.Context) (string, error) {
	a := ActorFrom(ctx)
	return a, validateActor("actor", a)
}

func validateActor(field, a string) error {
	if a == "" {
		return nil
	}
	if len(a) > MaxIDLength {
		return invalid(field, "is %d bytes, more than the limit of %d", len(a), MaxIDLength)
	}
	if p := textProblem(a); p != "" {
		return invalid(field, "%s", p)
	}
	return nil
}

// Create stores a new group and returns it with its id, times and Version 1.
//
// The name is trimmed; an empty name, one over MaxNameLength characters, invalid UTF-8 or a
// control character is ErrInvalid, and a name equal to another group's after FoldName is
// ErrNameTaken. A supplied ID must be a valid id (see ValidateID); one already used is
// ErrIDTaken. Metadata is checked against the Limits.
func (s *Service) Create(ctx context.Context, g NewGroup) (CustomerGroup, error) {
	name, err := NormalizeName(g.Name)
	if err != nil {
		return CustomerGroup{}, err
	}
	id := g.ID
	if id == "" {
		id = s.cfg.newID()
	}
	if err := ValidateID("id", id); err != nil {
		return CustomerGroup{}, err
	}
	md := g.Metadata.Clone()
	if err := md.Validate(s.cfg.limits); err != nil {
		return CustomerGroup{}, err
	}
	by := g.CreatedBy
	if by == "" {
		by = ActorFrom(ctx)
	}
	if err := validateActor("createdBy", by); err != nil {
		return CustomerGroup{}, err
	}
	now := s.now()
	grp := CustomerGroup{ID: id, Name: name, Metadata: md, CreatedBy: by, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := s.store.CreateGroup(ctx, grp); err != nil {
		return CustomerGroup{}, fmt.Errorf("create customer group %q: %w", name, err)
	}
	s.observe(ctx, EventCreated, id, nil, now)
	return grp.Clone(), nil
}

// Get returns the group with its CustomerCount, or ErrNotFound.
func (s *Service) Get(ctx context.Context, id string) (CustomerGroup, error) {
	if err := ValidateID("id", id); err != nil {
		return CustomerGroup{}, err
	}
	return s.store.Group(ctx, id)
}

// List returns one page of the groups matching q. See Query for the filters; an invalid
// query (a Limit over MaxPageSize, Offset with After, a cursor from another query) is
// ErrInvalid.
func (s *Service) List(ctx context.Context, q Query) (Page, error) {
	q, err := q.Normalize()
	if err != nil {
		return Page{}, err
	}
	return s.store.Groups(ctx, q)
}

// Update renames the group and/or replaces its metadata, bumping Version and UpdatedAt.
//
// With IfVersion set, a group whose Version differs is ErrConflict and nothing changes. An
// update that changes nothing (nil fields, or the same name and metadata) is a no-op: the group
// is returned as it is, with no new version and no event; IfVersion is still checked. With
// IfVersion 0 the update applies to whatever version is current (it retries a bounded number
// of times if a concurrent writer gets in between its read and its write). The returned
// CustomerCount is the one read just before the write.
func (s *Service) Update(ctx context.Context, id string, u Update) (CustomerGroup, error) {
	if err := ValidateID("id", id); err != nil {
		return CustomerGroup{}, err
	}
	var name string
	if u.Name != nil {
		n, err := NormalizeName(*u.Name)
		if err != nil {
			return CustomerGroup{}, err
		}
		name = n
	}
	var md Metadata
	if u.Metadata != nil {
		md = u.Metadata.Clone()
		if err := md.Validate(s.cfg.limits); err != nil {
			return CustomerGroup{}, err
		}
	}
	if u.IfVersion < 0 {
		return CustomerGroup{}, invalid("ifVersion", "must not be negative, got %d", u.IfVersion)
	}
	return s.write(ctx, id, u.IfVersion, func(g *CustomerGroup) error {
		if u.Name != nil {
			g.Name = name
		}
		if u.Metadata != nil {
			g.Metadata = md.Clone()
		}
		return nil
	})
}

// EditMetadata reads the group, calls edit on a copy of its metadata and saves the result
// under the version it read. When another writer saved in between, it reads again and calls
// edit again (so edit must have no other effects), up to the retry bound (WithEditRetries);
// concurrent editors therefore never lose each other's rows. An error from edit is returned
// as it is and nothing is saved; an edit that changes nothing saves nothing.
func (s *Service) EditMetadata(ctx context.Context, id string, edit func(*Metadata) error) (CustomerGroup, error) {
	if err := ValidateID("id", id); err != nil {
		return CustomerGroup{}, err
	}
	return s.write(ctx, id, 0, func(g *CustomerGroup) error {
		md := g.Metadata.Clone()
		if err := edit(&md); err != nil {
			return err
		}
		if err := md.Validate(s.cfg.limits); err != nil {
			return err
		}
		g.Metadata = md
		return nil
	})
}

// write is the read-change-write loop of Update and EditMetadata.
func (s *Service) write(ctx context.Context, id string, ifVersion int64, change func(*CustomerGroup) error) (CustomerGroup, error) {
	for attempt := 0; ; attempt++ {
		cur, err := s.store.Group(ctx, id)
		if err != nil {
			return CustomerGroup{}, err
		}
		if ifVersion != 0 && cur.Version != ifVersion {
			return CustomerGroup{}, fmt.Errorf("customer group %q is at version %d, not %d: %w", id, cur.Version, ifVersion, ErrConflict)
		}
		next := cur.Clone()
		if err := change(&next); err != nil {
			return CustomerGroup{}, err
		}
		if next.Name == cur.Name && next.Metadata.Equal(cur.Metadata) {
			return cur, nil
		}
		now := s.now()
		next.Version = cur.Version + 1
		next.UpdatedAt = now
		err = s.store.UpdateGroup(ctx, next, cur.Version)
		if err == nil {
			s.observe(ctx, EventUpdated, id, nil, now)
			return next, nil
		}
		if !errors.Is(err, ErrConflict) || ifVersion != 0 || attempt >= s.cfg.retries {
			return CustomerGroup{}, fmt.Errorf("update customer group %q: %w", id, err)
		}
		if err := backoff(ctx, attempt); err != nil {
			return CustomerGroup{}, err
		}
	}
}

// backoff waits a short, random, growing time before a retry, so that writers racing on one
// group spread out.
func backoff(ctx context.Context, attempt int) error {
	d := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 6)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Delete removes the group and all its memberships, atomically and irreversibly. The
// customers themselves are not the library's and stay, with their other memberships.
// ErrNotFound if there is no such group.
func (s *Service) Delete(ctx context.Context, id string) error {
	if err := ValidateID("id", id); err != nil {
		return err
	}
	if err := s.store.DeleteGroup(ctx, id); err != nil {
		return err
	}
	s.observe(ctx, EventDeleted, id, nil, s.now())
	return nil
}

// customerIDs validates ids and returns them without duplicates, in first-seen order.
func customerIDs(ids []string) ([]string, error) {
	seen := make(map[string]struct{}, len(ids))
	out := make([]string, 0, len(ids))
	for i, id := range ids {
		if ValidateID("", id) != nil { // name the field only on failure: no Sprintf per id
			return nil, ValidateID(fmt.Sprintf("customerIDs[%d]", i), id)
		}
		if _, dup := seen[id]; dup {
			continue
		}
		seen[id] = struct{}{}
		out = append(out, id)
	}
	return out, nil
}

// AddCustomers adds customers to the group and returns how many memberships are new. It is
// idempotent and atomic: duplicates in the input and existing members are skipped; one invalid
// id is ErrInvalid naming it (customerIDs[i]) and nothing is added; with WithCustomerCheck,
// ids the host does not know are ErrUnknownCustomer and nothing is added. Any number of ids
// may be passed (stores move them in bounded chunks inside one transaction). ErrNotFound if
// there is no such group.
func (s *Service) AddCustomers(ctx context.Context, groupID string, customerIDs_ []string) (added int, err error) {
	if err := ValidateID("groupID", groupID); err != nil {
		return 0, err
	}
	ids, err := customerIDs(customerIDs_)
	if err != nil {
		return 0, err
	}
	by, err := actor(ctx)
	if err != nil {
		return 0, err
	}
	if s.cfg.unknown != nil && len(ids) > 0 {
		unknown, err := s.cfg.unknown(ctx, ids)
		if err != nil {
			return 0, err
		}
		if len(unknown) > 0 {
			return 0, &UnknownCustomerError{IDs: unknown}
		}
	}
	now := s.now()
	done, err := s.store.AddMembers(ctx, groupID, ids, now, by)
	if err != nil {
		return 0, fmt.Errorf("add customers to group %q: %w", groupID, err)
	}
	if len(done) > 0 {
		s.observe(ctx, EventCustomersAdded, groupID, done, now)
	}
	return len(done), nil
}

// RemoveCustomers removes customers from the group and returns how many were members. It is
// idempotent and atomic like AddCustomers; ids that are not members are ignored. ErrNotFound
// if there is no such group.
func (s *Service) RemoveCustomers(ctx context.Context, groupID string, customerIDs_ []string) (removed int, err error) {
	if err := ValidateID("groupID", groupID); err != nil {
		return 0, err
	}
	ids, err := customerIDs(customerIDs_)
	if err != nil {
		return 0, err
	}
	done, err := s.store.RemoveMembers(ctx, groupID, ids)
	if err != nil {
		return 0, fmt.Errorf("remove customers from group %q: %w", groupID, err)
	}
	if len(done) > 0 {
		s.observe(ctx, EventCustomersRemoved, groupID, done, s.now())
	}
	return len(done), nil
}

// ListCustomers returns one page of the group's members, ordered by customer id. ErrNotFound
// if there is no such group.
func (s *Service) ListCustomers(ctx context.Context, groupID string, q MemberQuery) (MemberPage, error) {
	if err := ValidateID("groupID", groupID); err != nil {
		return MemberPage{}, err
	}
	q, err := q.Normalize()
	if err != nil {
		return MemberPage{}, err
	}
	if _, err := q.Position(groupID); err != nil {
		return MemberPage{}, err
	}
	return s.store.Members(ctx, groupID, q)
}

// IsMember reports whether the customer is in the group. An unknown group is not an error:
// nobody is in it, so the answer is false (this keeps the pricing path to one lookup).
func (s *Service) IsMember(ctx context.Context, groupID, customerID string) (bool, error) {
	if err := ValidateID("groupID", groupID); err != nil {
		return false, err
	}
	if err := ValidateID("customerID", customerID); err != nil {
		return false, err
	}
	return s.store.IsMember(ctx, groupID, customerID)
}

// GroupIDsOf returns the ids of the groups the customer is in (byte order; empty, not nil,
// for a customer in none): the pricing lookup.
func (s *Service) GroupIDsOf(ctx context.Context, customerID string) ([]string, error) {
	if err := ValidateID("customerID", customerID); err != nil {
		return nil, err
	}
	return s.store.GroupIDsOf(ctx, customerID)
}

// ForgetCustomer removes the customer from every group, for when the host deletes the
// customer, and returns how many memberships went. Each group it left gets a
// customers_removed event.
func (s *Service) ForgetCustomer(ctx context.Context, customerID string) (removed int, err error) {
	if err := ValidateID("customerID", customerID); err != nil {
		return 0, err
	}
	groups, err := s.store.ForgetCustomer(ctx, customerID)
	if err != nil {
		return 0, fmt.Errorf("forget customer %q: %w", customerID, err)
	}
	now := s.now()
	for _, g := range groups {
		s.observe(ctx, EventCustomersRemoved, g, []string{customerID}, now)
	}
	return len(groups), nil
}
