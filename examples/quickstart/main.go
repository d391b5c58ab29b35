// Command quickstart walks through every flow of the customer groups admin guide on a real
// Service: create groups, list them with search and filters, view one, rename it, add
// customers, price an order with a group discount, edit metadata as an ordered table, remove
// customers and delete a group. It prints what happens at each step.
//
//	go run ./examples/quickstart                      # a SQLite file in the temp directory
//	go run ./examples/quickstart -db shop.db          # another SQLite file
//	go run ./examples/quickstart -db postgres://…     # PostgreSQL
//	go run ./examples/quickstart -db mysql://…        # MySQL or MariaDB
//	go run ./examples/quickstart -db memory           # memstore
//
// CUSTOMERGROUP_DB sets the default of -db. The groups persist in a database between runs;
// each run first deletes what an earlier one left.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/b02aa859/customergroup"
	"github.com/b02aa859/customergroup/internal/dbopen"
	"github.com/b02aa859/customergroup/memstore"
	"github.com/b02aa859/customergroup/sqlstore"
)

func main() {
	ctx := context.Background()
	def := os.Getenv("CUSTOMERGROUP_DB")
	if def == "" {
		def = filepath.Join(os.TempDir(), "customergroup-quickstart.db")
	}
	dsn := flag.String("db", def, "where the groups live: a SQLite file path, postgres://…, mysql://…, or memory")
	flag.Parse()
	store, closeStore, err := openStore(ctx, *dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
	svc := newService(store, os.Stdout)
	err = run(ctx, svc, os.Stdout)
	if cerr := closeStore(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// openStore opens where the groups live (see the package doc for dsn's forms) and migrates
// the schema; everything else works on any Store. It returns the store and a function that
// releases it.
func openStore(ctx context.Context, dsn string) (customergroup.Store, func() error, error) {
	if dsn == "memory" {
		return memstore.New(), func() error { return nil }, nil
	}
	db, dialect, describe, err := dbopen.Open(dsn)
	if err != nil {
		return nil, nil, err
	}
	store, err := sqlstore.New(db, dialect)
	if err == nil {
		err = store.Migrate(ctx)
	}
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("%s: %w", describe, err)
	}
	fmt.Printf("store: %s (sqlstore, %s dialect)\n", describe, dialect)
	return store, db.Close, nil
}

// newService returns the Service the walk-through uses: it prints every event it is told of.
func newService(store customergroup.Store, w io.Writer) *customergroup.Service {
	return customergroup.New(store, customergroup.WithObserver(customergroup.ObserverFunc(
		func(_ context.Context, e customergroup.Event) {
			line := fmt.Sprintf("    event %s by %s", e.Type, e.Actor)
			if e.CustomerIDs != nil {
				line += fmt.Sprintf(" %v", e.CustomerIDs)
			}
			fmt.Fprintln(w, line)
		})))
}

// The names the walk-through creates (and renames to).
var demoNames = []string{"VIP", "Wholesale", "Wholesale B2B"}

// run walks through the admin guide's flows on svc, printing to w.
func run(ctx context.Context, svc *customergroup.Service, w io.Writer) error {
	ctx = customergroup.WithActor(ctx, "admin@example.com")
	step := func(title string) { fmt.Fprintf(w, "\n== %s\n", title) }

	if err := cleanUp(ctx, svc, w); err != nil {
		return err
	}

	// Create a customer group.
	step("Create customer groups")
	vipMeta, err := customergroup.MetadataOf(
		customergroup.Entry{Key: "discount_percent", Value: "10"},
		customergroup.Entry{Key: "crm_segment", Value: "A"},
	)
	if err != nil {
		return err
	}
	vip, err := svc.Create(ctx, customergroup.NewGroup{Name: "VIP", Metadata: vipMeta})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "created %q (id %s)\n", vip.Name, vip.ID)
	wholesale, err := svc.Create(ctx, customergroup.NewGroup{Name: "Wholesale"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "created %q (id %s)\n", wholesale.Name, wholesale.ID)
	if _, err := svc.Create(ctx, customergroup.NewGroup{Name: "vip"}); errors.Is(err, customergroup.ErrNameTaken) {
		fmt.Fprintln(w, `creating "vip" again is refused: names are unique, case-insensitively`)
	} else {
		return fmt.Errorf("creating a duplicate name: got %v, want ErrNameTaken", err)
	}

	// View the list of customer groups, search and filter it.
	step("List, search and filter customer groups")
	if err := list(ctx, svc, w, "all groups, by name", customergroup.Query{Sort: customergroup.SortByName}); err != nil {
		return err
	}
	if err := list(ctx, svc, w, `search "SALE"`, customergroup.Query{Search: "SALE"}); err != nil {
		return err
	}
	if err := list(ctx, svc, w, "created by admin@example.com, newest first",
		customergroup.Query{CreatedBy: "admin@example.com", Desc: true}); err != nil {
		return err
	}

	// View a customer group's details.
	step("View a customer group")
	if err := show(ctx, svc, w, vip.ID); err != nil {
		return err
	}

	// Edit a customer group: rename it (the side window's Save, guarded by the version read).
	step("Rename a customer group")
	newName := "Wholesale B2B"
	wholesale, err = svc.Update(ctx, wholesale.ID, customergroup.Update{Name: &newName, IfVersion: wholesale.Version})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "renamed to %q, now version %d\n", wholesale.Name, wholesale.Version)

	// Add customers to a group.
	step("Add customers")
	if err := add(ctx, svc, w, vip, "cus_ada", "cus_bob"); err != nil {
		return err
	}
	if err := add(ctx, svc, w, wholesale, "cus_ada", "cus_carl"); err != nil {
		return err
	}
	if err := add(ctx, svc, w, vip, "cus_bob"); err != nil { // again: nothing new
		return err
	}
	if err := members(ctx, svc, w, vip); err != nil {
		return err
	}

	// Use the groups: the pricing lookup at checkout.
	step("Price an order with group discounts")
	for _, c := range []string{"cus_ada", "cus_bob", "cus_carl", "cus_dan"} {
		if err := price(ctx, svc, w, c, 4990); err != nil {
			return err
		}
	}

	// Edit metadata as an ordered table.
	step("Edit metadata")
	fmt.Fprintln(w, "before:")
	printTable(w, vip.Metadata)
	// The edit runs on a copy; Save writes all rows at once. EditMetadata may run it again if
	// another editor saved in between, so it only records what it did.
	var did []string
	vip, err = svc.EditMetadata(ctx, vip.ID, func(m *customergroup.Metadata) error {
		did = did[:0]
		row := m.Index("crm_segment")
		if err := m.Insert(row, "tier", "gold"); err != nil { // "Insert row above"
			return err
		}
		did = append(did, fmt.Sprintf("insert row above row %d (crm_segment): tier = gold", row))
		row = m.Index("crm_segment")
		if err := m.Insert(row+1, "owner", "sales-team"); err != nil { // "Insert row below"
			return err
		}
		did = append(did, fmt.Sprintf("insert row below row %d (crm_segment): owner = sales-team", row))
		row = m.Index("crm_segment")
		if err := m.DeleteAt(row); err != nil { // "Delete row"
			return err
		}
		did = append(did, fmt.Sprintf("delete row %d (crm_segment)", row))
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range did {
		fmt.Fprintln(w, d)
	}
	fmt.Fprintf(w, "saved as version %d:\n", vip.Version)
	printTable(w, vip.Metadata)
	_, err = svc.EditMetadata(ctx, vip.ID, func(m *customergroup.Metadata) error {
		return m.Insert(0, "tier", "silver")
	})
	if !errors.Is(err, customergroup.ErrInvalid) {
		return fmt.Errorf("a duplicate key: got %v, want ErrInvalid", err)
	}
	fmt.Fprintf(w, "a second %q row is refused and nothing is saved: %v\n", "tier", err)

	// Remove customers from a group.
	step("Remove customers")
	removed, err := svc.RemoveCustomers(ctx, vip.ID, []string{"cus_bob", "cus_nobody"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "removed %d customer(s) from %q (non-members are ignored)\n", removed, vip.Name)
	if err := members(ctx, svc, w, vip); err != nil {
		return err
	}

	// Delete a customer group: irreversible; the customers and their other memberships stay.
	step("Delete a customer group")
	if err := svc.Delete(ctx, vip.ID); err != nil {
		return err
	}
	fmt.Fprintf(w, "deleted %q\n", vip.Name)
	if _, err := svc.Get(ctx, vip.ID); errors.Is(err, customergroup.ErrNotFound) {
		fmt.Fprintf(w, "%q is gone: %v\n", vip.Name, err)
	} else {
		return fmt.Errorf("get after delete: got %v, want ErrNotFound", err)
	}
	for _, c := range []string{"cus_ada", "cus_bob", "cus_carl"} {
		names, err := groupNames(ctx, svc, c)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s is still a customer, in groups: %s\n", c, names)
	}
	return nil
}

// cleanUp deletes the groups an earlier run left behind, so that the walk-through can run
// again on a store that persists.
func cleanUp(ctx context.Context, svc *customergroup.Service, w io.Writer) error {
	p, err := svc.List(ctx, customergroup.Query{Names: demoNames})
	if err != nil {
		return err
	}
	for _, g := range p.Groups {
		if err := svc.Delete(ctx, g.ID); err != nil {
			return err
		}
	}
	if len(p.Groups) > 0 {
		fmt.Fprintf(w, "(removed %d group(s) left by an earlier run)\n", len(p.Groups))
	}
	return nil
}

func list(ctx context.Context, svc *customergroup.Service, w io.Writer, title string, q customergroup.Query) error {
	q.CountTotal = true
	p, err := svc.List(ctx, q)
	if err != nil {
		return err
	}
	names := make([]string, len(p.Groups))
	for i, g := range p.Groups {
		names[i] = fmt.Sprintf("%q", g.Name)
	}
	fmt.Fprintf(w, "%s: %d match: %s\n", title, p.Total, strings.Join(names, ", "))
	return nil
}

func show(ctx context.Context, svc *customergroup.Service, w io.Writer, id string) error {
	g, err := svc.Get(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "name:      %s\n", g.Name)
	fmt.Fprintf(w, "id:        %s\n", g.ID)
	fmt.Fprintf(w, "customers: %d\n", g.CustomerCount)
	fmt.Fprintf(w, "created:   %s by %s\n", g.CreatedAt.Format("2006-01-02 15:04:05 MST"), g.CreatedBy)
	fmt.Fprintf(w, "version:   %d\n", g.Version)
	fmt.Fprintf(w, "metadata:  %v\n", g.Metadata)
	return nil
}

func add(ctx context.Context, svc *customergroup.Service, w io.Writer, g customergroup.CustomerGroup, customerIDs ...string) error {
	n, err := svc.AddCustomers(ctx, g.ID, customerIDs)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "added %d new of %v to %q\n", n, customerIDs, g.Name)
	return nil
}

func members(ctx context.Context, svc *customergroup.Service, w io.Writer, g customergroup.CustomerGroup) error {
	p, err := svc.ListCustomers(ctx, g.ID, customergroup.MemberQuery{CountTotal: true})
	if err != nil {
		return err
	}
	ids := make([]string, len(p.Members))
	for i, m := range p.Members {
		ids[i] = m.CustomerID
	}
	fmt.Fprintf(w, "%q has %d customer(s): %s\n", g.Name, p.Total, strings.Join(ids, ", "))
	return nil
}

// price applies the best discount_percent among the customer's groups to a price in cents.
func price(ctx context.Context, svc *customergroup.Service, w io.Writer, customerID string, cents int) error {
	ids, err := svc.GroupIDsOf(ctx, customerID)
	if err != nil {
		return err
	}
	best, from := 0, ""
	for _, id := range ids {
		g, err := svc.Get(ctx, id)
		if err != nil {
			return err
		}
		v, ok := g.Metadata.Get("discount_percent")
		if !ok {
			continue
		}
		pct, err := strconv.Atoi(v)
		if err != nil || pct < 0 || pct > 100 {
			continue // not a discount this shop understands
		}
		if pct > best {
			best, from = pct, g.Name
		}
	}
	if best == 0 {
		fmt.Fprintf(w, "%s pays %s (no group discount)\n", customerID, money(cents))
		return nil
	}
	fmt.Fprintf(w, "%s pays %s instead of %s (%q: %d%% off)\n", customerID, money(cents*(100-best)/100), money(cents), from, best)
	return nil
}

func money(cents int) string { return fmt.Sprintf("$%d.%02d", cents/100, cents%100) }

func printTable(w io.Writer, m customergroup.Metadata) {
	for i := range m.Len() {
		e := m.At(i)
		fmt.Fprintf(w, "  row %d  %-16s %s\n", i, e.Key, e.Value)
	}
}

func groupNames(ctx context.Context, svc *customergroup.Service, customerID string) (string, error) {
	ids, err := svc.GroupIDsOf(ctx, customerID)
	if err != nil {
		return "", err
	}
	if len(ids) == 0 {
		return "(none)", nil
	}
	names := make([]string, len(ids))
	for i, id := range ids {
		g, err := svc.Get(ctx, id)
		if err != nil {
			return "", err
		}
		names[i] = fmt.Sprintf("%q", g.Name)
	}
	return strings.Join(names, ", "), nil
}
