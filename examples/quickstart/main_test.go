package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/b02aa859/customergroup/memstore"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	svc := newService(memstore.New(), &out)
	if err := run(context.Background(), svc, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		`created "VIP"`,
		`created "Wholesale"`,
		`creating "vip" again is refused`,
		`all groups, by name: 2 match: "VIP", "Wholesale"`,
		`search "SALE": 1 match: "Wholesale"`,
		"name:      VIP",
		`renamed to "Wholesale B2B", now version 2`,
		`added 2 new of [cus_ada cus_bob] to "VIP"`,
		`added 0 new of [cus_bob] to "VIP"`,
		`"VIP" has 2 customer(s): cus_ada, cus_bob`,
		`cus_ada pays $44.91 instead of $49.90 ("VIP": 10% off)`,
		`cus_carl pays $49.90 (no group discount)`,
		"insert row above row 1 (crm_segment): tier = gold",
		"insert row below row 2 (crm_segment): owner = sales-team",
		"delete row 2 (crm_segment)",
		"  row 0  discount_percent 10\n  row 1  tier             gold\n  row 2  owner            sales-team\n",
		`a second "tier" row is refused`,
		`removed 1 customer(s) from "VIP"`,
		`"VIP" has 1 customer(s): cus_ada`,
		`deleted "VIP"`,
		`cus_ada is still a customer, in groups: "Wholesale B2B"`,
		`cus_bob is still a customer, in groups: (none)`,
		"event customer_group.customers_added by admin@example.com [cus_ada cus_bob]",
		"event customer_group.deleted by admin@example.com",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", got)
	}
}

// A store that persists keeps the groups of an earlier run: the walk-through cleans them up
// and runs again.
func TestRunTwiceOnOneStore(t *testing.T) {
	store := memstore.New()
	for i := range 2 {
		var out bytes.Buffer
		if err := run(context.Background(), newService(store, &out), &out); err != nil {
			t.Fatalf("run %d: %v\n%s", i+1, err, out.String())
		}
		if i == 1 && !strings.Contains(out.String(), "(removed 1 group(s) left by an earlier run)") {
			t.Errorf("second run did not clean up:\n%s", out.String())
		}
	}
}

// TestSQLiteFile runs the walk-through twice on the default store, a SQLite file, as the
// README's first command does: the second run finds and clears the first one's groups.
func TestSQLiteFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "quickstart.db")
	for i := range 2 {
		store, closeStore, err := openStore(context.Background(), file)
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		err = run(context.Background(), newService(store, &out), &out)
		if cerr := closeStore(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatalf("run %d: %v\n%s", i+1, err, out.String())
		}
		if i == 1 && !strings.Contains(out.String(), "left by an earlier run") {
			t.Errorf("second run on the file did not find the first one's groups:\n%s", out.String())
		}
	}
}

func TestOpenStoreMemory(t *testing.T) {
	store, closeStore, err := openStore(context.Background(), "memory")
	if err != nil {
		t.Fatal(err)
	}
	if store == nil {
		t.Fatal("openStore returned no store")
	}
	if err := closeStore(); err != nil {
		t.Fatal(err)
	}
}
