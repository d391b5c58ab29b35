package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/b02aa859/customergroup"
)

// The SQL customers table answers every filter as the in-memory one does.
func TestSQLCustomersMatchMemory(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "c.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	sqlc, err := newSQLCustomers(ctx, db, dialectSQLite, "t_")
	require.NoError(t, err)
	_, err = newSQLCustomers(ctx, db, dialectSQLite, "t_")
	require.NoError(t, err, "creating the table again is a no-op")
	mem := newMemCustomers()

	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	md, err := customergroup.MetadataOf(customergroup.Entry{Key: "z", Value: "1"}, customergroup.Entry{Key: "a", Value: "2"})
	require.NoError(t, err)
	people := [][3]string{{"ada", "Ada", "Lovelace"}, {"grace", "Grace", "Hopper"}, {"linus", "Linus", "Torvalds"},
		{"mar_garet", "Margaret", "Hamilton"}, {"100%", "Per", "Cent"}, {"ken", "Ken", "Thompson"}}
	var all []string
	for i, p := range people {
		c := customer{ID: fmt.Sprintf("cus_%02d", i), Email: p[0] + "@example.com", FirstName: p[1], LastName: p[2],
			CreatedBy: "t", CreatedAt: base.Add(time.Duration(i%3) * time.Second), UpdatedAt: base.Add(time.Duration(-i) * time.Second)}
		if i == 0 {
			c.Metadata = md
		}
		require.NoError(t, sqlc.createCustomer(ctx, c))
		require.NoError(t, mem.createCustomer(ctx, c))
		all = append(all, c.ID)
	}

	got, err := sqlc.customer(ctx, "cus_00")
	require.NoError(t, err)
	want, _ := mem.customer(ctx, "cus_00")
	require.Equal(t, want, got)
	require.True(t, got.Metadata.Equal(md))
	_, err = sqlc.customer(ctx, "cus_nobody")
	require.ErrorIs(t, err, errNoCustomer)

	byID, err := sqlc.customersByID(ctx, append([]string{"cus_nobody"}, all...))
	require.NoError(t, err)
	require.Len(t, byID, len(all))
	unknown, err := unknownCustomers(sqlc)(ctx, []string{"cus_01", "cus_x", "cus_02", "cus_y"})
	require.NoError(t, err)
	require.Equal(t, []string{"cus_x", "cus_y"}, unknown)

	for _, f := range []customerFilter{
		{Limit: 50},
		{Limit: 2, Offset: 1},
		{Limit: 0},
		{Limit: 50, Sort: "updated_at"},
		{Limit: 50, Sort: "last_name", Desc: true},
		{Limit: 3, Sort: "email", Offset: 2},
		{Limit: 50, Q: "HOP"},
		{Limit: 50, Q: "%"},
		{Limit: 50, Q: "_"},
		{Limit: 50, Emails: []string{"LINUS@example.com", "ken@EXAMPLE.com"}},
		{Limit: 50, IDs: []string{}},
		{Limit: 50, IDs: []string{"cus_05", "cus_01", "cus_nobody"}},
		{Limit: 1, Offset: 1, IDs: []string{"cus_05", "cus_01", "cus_03"}, Sort: "first_name", Desc: true},
		{Limit: 50, IDs: []string{"cus_05", "cus_01"}, Q: "ken"},
	} {
		wantPage, wantTotal, err := mem.listCustomers(ctx, f)
		require.NoError(t, err)
		gotPage, gotTotal, err := sqlc.listCustomers(ctx, f)
		require.NoError(t, err)
		require.Equal(t, wantTotal, gotTotal, "%+v", f)
		require.Equal(t, customerIDs(wantPage), customerIDs(gotPage), "%+v", f)
	}

	ok, err := sqlc.deleteCustomer(ctx, "cus_00")
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = sqlc.deleteCustomer(ctx, "cus_00")
	require.NoError(t, err)
	require.False(t, ok)
}

func customerIDs(cs []customer) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}
