package main

import (
	"cmp"
	"context"
	"errors"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/b02aa859/customergroup"
)

// The demo customers table is the host's side, not the library's: the library keeps only
// customer ids. A real host has its own customers; this one keeps a few, in memory or in a
// table of the same database (customers_sql.go), so that the API has customers to group.

// customer is a row of the demo customers table.
type customer struct {
	ID          string
	Email       string // "" is null
	FirstName   string
	LastName    string
	CompanyName string
	Phone       string
	Metadata    customergroup.Metadata
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

var errNoCustomer = errors.New("no such customer")

// customerFilter selects, orders and pages customers.
type customerFilter struct {
	IDs    []string // only these, when IDs != nil (empty: none)
	Q      string   // case-insensitive substring of email, names or company
	Emails []string // exact emails, case-insensitive
	Sort   string   // created_at (default), updated_at, email, first_name, last_name, company_name
	Desc   bool
	Limit  int
	Offset int
}

// customerStore is the demo customers table.
type customerStore interface {
	createCustomer(ctx context.Context, c customer) error
	customer(ctx context.Context, id string) (customer, error) // errNoCustomer
	customersByID(ctx context.Context, ids []string) (map[string]customer, error)
	// deleteCustomer reports whether there was such a customer.
	deleteCustomer(ctx context.Context, id string) (bool, error)
	listCustomers(ctx context.Context, f customerFilter) (page []customer, total int, err error)
}

// unknownCustomers returns the ids that have no customer: the Service's customer check
// (customergroup.WithCustomerCheck), so that only real customers join groups.
func unknownCustomers(cs customerStore) func(ctx context.Context, ids []string) ([]string, error) {
	return func(ctx context.Context, ids []string) ([]string, error) {
		found, err := cs.customersByID(ctx, ids)
		if err != nil {
			return nil, err
		}
		var unknown []string
		for _, id := range ids {
			if _, ok := found[id]; !ok {
				unknown = append(unknown, id)
			}
		}
		return unknown, nil
	}
}

// demoCustomers are seeded at start, when they are not there yet.
var demoCustomers = []customer{
	{ID: "cus_demo_ada", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", CompanyName: "Analytical Engines"},
	{ID: "cus_demo_grace", Email: "grace@example.com", FirstName: "Grace", LastName: "Hopper", CompanyName: "Navy"},
	{ID: "cus_demo_linus", Email: "linus@example.com", FirstName: "Linus", LastName: "Torvalds"},
	{ID: "cus_demo_margaret", Email: "margaret@example.com", FirstName: "Margaret", LastName: "Hamilton", CompanyName: "MIT"},
}

func seedCustomers(ctx context.Context, cs customerStore, now time.Time) error {
	for _, c := range demoCustomers {
		if _, err := cs.customer(ctx, c.ID); err == nil {
			continue
		} else if !errors.Is(err, errNoCustomer) {
			return err
		}
		c.CreatedBy = "seed"
		c.CreatedAt, c.UpdatedAt = customergroup.Timestamp(now), customergroup.Timestamp(now)
		if err := cs.createCustomer(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// memCustomers is the customers table in memory (-db memory, and the tests).
type memCustomers struct {
	mu   sync.Mutex
	rows map[string]customer
}

func newMemCustomers() *memCustomers { return &memCustomers{rows: map[string]customer{}} }

func (m *memCustomers) createCustomer(_ context.Context, c customer) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.rows[c.ID]; dup {
		return errors.New("customer id already in use: " + c.ID)
	}
	c.Metadata = c.Metadata.Clone()
	m.rows[c.ID] = c
	return nil
}

func (m *memCustomers) customer(_ context.Context, id string) (customer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.rows[id]
	if !ok {
		return customer{}, errNoCustomer
	}
	c.Metadata = c.Metadata.Clone()
	return c, nil
}

func (m *memCustomers) customersByID(_ context.Context, ids []string) (map[string]customer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]customer, len(ids))
	for _, id := range ids {
		if c, ok := m.rows[id]; ok {
			c.Metadata = c.Metadata.Clone()
			out[id] = c
		}
	}
	return out, nil
}

func (m *memCustomers) deleteCustomer(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.rows[id]
	delete(m.rows, id)
	return ok, nil
}

func (m *memCustomers) listCustomers(_ context.Context, f customerFilter) ([]customer, int, error) {
	m.mu.Lock()
	all := make([]customer, 0, len(m.rows))
	for _, c := range m.rows {
		c.Metadata = c.Metadata.Clone()
		all = append(all, c)
	}
	m.mu.Unlock()
	page, total := filterCustomers(all, f, true)
	return page, total, nil
}

// filterCustomers applies f to rows in Go: its filters, and its order when sorted is true.
func filterCustomers(rows []customer, f customerFilter, sorted bool) ([]customer, int) {
	var ids map[string]bool
	if f.IDs != nil {
		ids = make(map[string]bool, len(f.IDs))
		for _, id := range f.IDs {
			ids[id] = true
		}
	}
	q := strings.ToLower(strings.TrimSpace(f.Q))
	var kept []customer
	for _, c := range rows {
		if ids != nil && !ids[c.ID] {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(c.Email+"\x00"+c.FirstName+"\x00"+c.LastName+"\x00"+c.CompanyName), q) {
			continue
		}
		if len(f.Emails) > 0 && !slices.ContainsFunc(f.Emails, func(e string) bool { return strings.EqualFold(e, c.Email) }) {
			continue
		}
		kept = append(kept, c)
	}
	if sorted {
		slices.SortFunc(kept, func(a, b customer) int {
			c := compareCustomers(a, b, f.Sort)
			if f.Desc {
				return -c
			}
			return c
		})
	}
	total := len(kept)
	start := min(f.Offset, total)
	end := min(start+f.Limit, total)
	return slices.Clone(kept[start:end]), total
}

func compareCustomers(a, b customer, sort string) int {
	var c int
	switch sort {
	case "updated_at":
		c = a.UpdatedAt.Compare(b.UpdatedAt)
	case "email":
		c = strings.Compare(a.Email, b.Email)
	case "first_name":
		c = strings.Compare(a.FirstName, b.FirstName)
	case "last_name":
		c = strings.Compare(a.LastName, b.LastName)
	case "company_name":
		c = strings.Compare(a.CompanyName, b.CompanyName)
	default:
		c = a.CreatedAt.Compare(b.CreatedAt)
	}
	return cmp.Or(c, strings.Compare(a.ID, b.ID))
}

// validEmail is a loose check: one address, nothing around it.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}
