package customergroup_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/b02aa859/customergroup"
	"github.com/b02aa859/customergroup/memstore"
)

// deterministic makes the examples' ids and times repeatable: ids grp_1, grp_2, … and a clock
// that ticks one second per reading. A real host keeps the defaults (UUIDv7, time.Now).
func deterministic() []customergroup.Option {
	n := 0
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	return []customergroup.Option{
		customergroup.WithIDGenerator(func() string { n++; return "grp_" + strconv.Itoa(n) }),
		customergroup.WithClock(func() time.Time { now = now.Add(time.Second); return now }),
	}
}

func Example() {
	ctx := context.Background()
	svc := customergroup.New(memstore.New(), deterministic()...)

	vip, err := svc.Create(ctx, customergroup.NewGroup{Name: "VIP"})
	if err != nil {
		panic(err)
	}
	added, err := svc.AddCustomers(ctx, vip.ID, []string{"cus_1", "cus_2"})
	if err != nil {
		panic(err)
	}
	groups, err := svc.GroupIDsOf(ctx, "cus_1") // the pricing lookup
	if err != nil {
		panic(err)
	}
	fmt.Println("created", vip.Name, "as", vip.ID)
	fmt.Println("added", added, "customers")
	fmt.Println("cus_1 is in", groups)
	// Output:
	// created VIP as grp_1
	// added 2 customers
	// cus_1 is in [grp_1]
}

func ExampleService_Create() {
	ctx := customergroup.WithActor(context.Background(), "admin@example.com")
	svc := customergroup.New(memstore.New(), deterministic()...)

	meta, _ := customergroup.MetadataOf(customergroup.Entry{Key: "discount_percent", Value: "10"})
	vip, err := svc.Create(ctx, customergroup.NewGroup{Name: "  VIP  ", Metadata: meta})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s %q v%d by %s at %s, metadata %v\n", vip.ID, vip.Name, vip.Version, vip.CreatedBy,
		vip.CreatedAt.Format(time.RFC3339), vip.Metadata)

	// Names are unique, compared case-insensitively.
	_, err = svc.Create(ctx, customergroup.NewGroup{Name: "vip"})
	fmt.Println(errors.Is(err, customergroup.ErrNameTaken))

	// An empty name is refused before anything is stored.
	_, err = svc.Create(ctx, customergroup.NewGroup{Name: " "})
	var ve *customergroup.ValidationError
	fmt.Println(errors.Is(err, customergroup.ErrInvalid), errors.As(err, &ve) && ve.Field == "name")

	// An id from another system can be kept.
	imported, err := svc.Create(ctx, customergroup.NewGroup{ID: "legacy-42", Name: "Wholesale"})
	if err != nil {
		panic(err)
	}
	fmt.Println(imported.ID)
	// Output:
	// grp_1 "VIP" v1 by admin@example.com at 2026-03-01T09:00:01Z, metadata {"discount_percent":"10"}
	// true
	// true true
	// legacy-42
}

func ExampleService_AddCustomers() {
	ctx := context.Background()
	svc := customergroup.New(memstore.New(), deterministic()...)
	wholesale, _ := svc.Create(ctx, customergroup.NewGroup{Name: "Wholesale"})

	// Duplicates in the batch and existing members are skipped: only new memberships count.
	added, _ := svc.AddCustomers(ctx, wholesale.ID, []string{"cus_3", "cus_1", "cus_2", "cus_1"})
	fmt.Println("added", added)
	added, _ = svc.AddCustomers(ctx, wholesale.ID, []string{"cus_2", "cus_4"})
	fmt.Println("added", added)

	// One invalid id refuses the whole batch.
	_, err := svc.AddCustomers(ctx, wholesale.ID, []string{"cus_5", ""})
	fmt.Println(err)

	page, _ := svc.ListCustomers(ctx, wholesale.ID, customergroup.MemberQuery{CountTotal: true})
	for _, m := range page.Members {
		fmt.Println(m.CustomerID)
	}
	g, _ := svc.Get(ctx, wholesale.ID)
	fmt.Println("total", page.Total, "count", g.CustomerCount)

	removed, _ := svc.RemoveCustomers(ctx, wholesale.ID, []string{"cus_4", "cus_9"})
	fmt.Println("removed", removed)
	// Output:
	// added 3
	// added 1
	// customergroup: invalid customerIDs[1]: must not be empty
	// cus_1
	// cus_2
	// cus_3
	// cus_4
	// total 4 count 4
	// removed 1
}

func ExampleService_GroupIDsOf() {
	ctx := context.Background()
	svc := customergroup.New(memstore.New(), deterministic()...)

	// Each group carries its discount in its metadata.
	for _, g := range []struct{ name, discount string }{{"VIP", "10"}, {"Wholesale", "25"}, {"Newsletter", ""}} {
		var meta customergroup.Metadata
		if g.discount != "" {
			_ = meta.Set("discount_percent", g.discount)
		}
		grp, _ := svc.Create(ctx, customergroup.NewGroup{Name: g.name, Metadata: meta})
		_, _ = svc.AddCustomers(ctx, grp.ID, []string{"cus_ada"})
		if g.name == "VIP" {
			_, _ = svc.AddCustomers(ctx, grp.ID, []string{"cus_bob"})
		}
	}

	// At checkout: the customer's groups, then the best discount among them.
	price := func(customerID string, cents int) int {
		ids, err := svc.GroupIDsOf(ctx, customerID)
		if err != nil {
			panic(err)
		}
		best := 0
		for _, id := range ids {
			g, err := svc.Get(ctx, id)
			if err != nil {
				panic(err)
			}
			if v, ok := g.Metadata.Get("discount_percent"); ok {
				if pct, err := strconv.Atoi(v); err == nil && pct > best {
					best = pct
				}
			}
		}
		return cents * (100 - best) / 100
	}
	for _, c := range []string{"cus_ada", "cus_bob", "cus_eve"} {
		ids, _ := svc.GroupIDsOf(ctx, c)
		fmt.Printf("%s in %v pays %d for 2000\n", c, ids, price(c, 2000))
	}
	// Output:
	// cus_ada in [grp_1 grp_2 grp_3] pays 1500 for 2000
	// cus_bob in [grp_1] pays 1800 for 2000
	// cus_eve in [] pays 2000 for 2000
}

func ExampleService_EditMetadata() {
	ctx := context.Background()
	svc := customergroup.New(memstore.New(), deterministic()...)
	meta, _ := customergroup.MetadataOf(
		customergroup.Entry{Key: "tier", Value: "gold"},
		customergroup.Entry{Key: "crm_id", Value: "A-17"},
	)
	vip, _ := svc.Create(ctx, customergroup.NewGroup{Name: "VIP", Metadata: meta})

	// The editor's side window: rows change on a copy, Save writes them all at once. If
	// another editor saved in between, EditMetadata re-reads and applies the edit again.
	vip, err := svc.EditMetadata(ctx, vip.ID, func(m *customergroup.Metadata) error {
		row := m.Index("crm_id")
		if err := m.Insert(row, "discount_percent", "10"); err != nil { // "Insert row above" crm_id
			return err
		}
		row = m.Index("crm_id")
		if err := m.Insert(row+1, "segment", "b2c"); err != nil { // "Insert row below" crm_id
			return err
		}
		return m.DeleteAt(m.Index("tier")) // "Delete row" on tier
	})
	if err != nil {
		panic(err)
	}
	for i := range vip.Metadata.Len() {
		e := vip.Metadata.At(i)
		fmt.Printf("%d %s = %s\n", i, e.Key, e.Value)
	}
	fmt.Println("version", vip.Version)

	// A refused row saves nothing.
	_, err = svc.EditMetadata(ctx, vip.ID, func(m *customergroup.Metadata) error {
		return m.Insert(0, "segment", "again")
	})
	fmt.Println(err)
	// Output:
	// 0 discount_percent = 10
	// 1 crm_id = A-17
	// 2 segment = b2c
	// version 2
	// customergroup: invalid metadata["segment"]: duplicate key (already in row 2)
}

func ExampleService_List() {
	ctx := context.Background()
	svc := customergroup.New(memstore.New(), deterministic()...)
	for _, name := range []string{"VIP", "Wholesale EU", "Wholesale US", "Retail", "wholesale APAC"} {
		if _, err := svc.Create(ctx, customergroup.NewGroup{Name: name}); err != nil {
			panic(err)
		}
	}

	// Search is a case-insensitive substring of the name; page two at a time by cursor.
	q := customergroup.Query{Search: "WHOLESALE", Sort: customergroup.SortByName, Limit: 2, CountTotal: true}
	for page := 1; ; page++ {
		p, err := svc.List(ctx, q)
		if err != nil {
			panic(err)
		}
		for _, g := range p.Groups {
			fmt.Printf("page %d: %s\n", page, g.Name)
		}
		if page == 1 {
			fmt.Println("matches:", p.Total)
		}
		if p.Next == "" {
			break
		}
		q.After = p.Next
	}

	// Offset paging, as the admin list page does, and a filter by exact name.
	p, _ := svc.List(ctx, customergroup.Query{Offset: 1, Limit: 2})
	fmt.Println(len(p.Groups), p.Groups[0].Name, p.Groups[1].Name)
	p, _ = svc.List(ctx, customergroup.Query{Names: []string{"retail"}})
	fmt.Println(p.Groups[0].ID, p.Groups[0].Name)
	// Output:
	// page 1: wholesale APAC
	// page 1: Wholesale EU
	// matches: 3
	// page 2: Wholesale US
	// 2 Wholesale EU Wholesale US
	// grp_4 Retail
}

func ExampleMetadata() {
	var m customergroup.Metadata // the zero value is an empty table, ready to use
	_ = m.Set("tier", "gold")
	_ = m.Set("crm_id", "A-17")
	_ = m.Insert(0, "discount_percent", "10") // row 0: above everything
	_ = m.Set("tier", "platinum")             // replaced in place

	err := m.Set("crm_id\n", "x") // keys are trimmed: this is crm_id
	fmt.Println(err, m.Len())

	err = m.Insert(1, "bad\tkey", "x")
	fmt.Println(err)

	b, _ := m.MarshalJSON()
	fmt.Println(string(b)) // keys in order

	var back customergroup.Metadata
	err = back.UnmarshalJSON([]byte(`{"b":"2","a":"1","b":"3"}`))
	fmt.Println(err)
	// Output:
	// <nil> 3
	// customergroup: invalid metadata["bad\tkey"]: key has a control character U+0009 at byte 3: "bad\tkey"
	// {"discount_percent":"10","tier":"platinum","crm_id":"x"}
	// customergroup: invalid metadata["b"]: duplicate key (already in row 0)
}

func ExampleService_Delete() {
	ctx := context.Background()
	svc := customergroup.New(memstore.New(), deterministic()...)
	vip, _ := svc.Create(ctx, customergroup.NewGroup{Name: "VIP"})
	wholesale, _ := svc.Create(ctx, customergroup.NewGroup{Name: "Wholesale"})
	_, _ = svc.AddCustomers(ctx, vip.ID, []string{"cus_1", "cus_2"})
	_, _ = svc.AddCustomers(ctx, wholesale.ID, []string{"cus_1"})

	// Irreversible: the group and its memberships go. The customers stay, with their other
	// memberships.
	if err := svc.Delete(ctx, vip.ID); err != nil {
		panic(err)
	}
	_, err := svc.Get(ctx, vip.ID)
	fmt.Println(errors.Is(err, customergroup.ErrNotFound))
	for _, c := range []string{"cus_1", "cus_2"} {
		ids, _ := svc.GroupIDsOf(ctx, c)
		fmt.Println(c, ids)
	}
	fmt.Println(errors.Is(svc.Delete(ctx, vip.ID), customergroup.ErrNotFound))
	// Output:
	// true
	// cus_1 [grp_2]
	// cus_2 []
	// true
}
