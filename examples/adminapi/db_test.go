package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Each SQL backend opens, migrates (twice: idempotent), serves the routes, and -drop-tables
// removes its tables. PostgreSQL and MySQL run when CUSTOMERGROUP_POSTGRES_DSN /
// CUSTOMERGROUP_MYSQL_DSN are set (MySQL's in go-sql-driver form, as .ci/run exports it).
func TestSQLBackends(t *testing.T) {
	backends := map[string]string{"sqlite": filepath.Join(t.TempDir(), "groups.db")}
	if dsn := os.Getenv("CUSTOMERGROUP_POSTGRES_DSN"); dsn != "" {
		backends["postgres"] = dsn
	} else {
		t.Log("CUSTOMERGROUP_POSTGRES_DSN is not set: PostgreSQL skipped")
	}
	if dsn := os.Getenv("CUSTOMERGROUP_MYSQL_DSN"); dsn != "" {
		backends["mysql"] = "mysql:" + dsn
	} else {
		t.Log("CUSTOMERGROUP_MYSQL_DSN is not set: MySQL skipped")
	}
	for name, dsn := range backends {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			prefix := "t" + strings.ToLower(newID(""))[18:] + "_"
			for range 2 {
				be, err := openBackend(ctx, dsn, prefix)
				require.NoError(t, err)
				require.NoError(t, be.close())
			}
			be, err := openBackend(ctx, dsn, prefix)
			require.NoError(t, err)
			t.Cleanup(func() {
				n, err := dropTables(context.Background(), be.db, be.dialect, prefix)
				require.NoError(t, err)
				require.GreaterOrEqual(t, n, 3, "the library's tables and the customers table")
				n, err = dropTables(context.Background(), be.db, be.dialect, prefix)
				require.NoError(t, err)
				require.Zero(t, n)
				be.close()
			})
			h := newHarnessOn(t, be.store, be.customers)

			g := h.createGroup("VIP", "tier", "gold", "since", "2024")
			id := g["id"].(string)
			r := h.call("POST", "/admin/customer-groups/"+id, `{"metadata":{"zone":"EU","tier":""}}`)
			r.requireOK()
			require.Equal(t, []string{"since", "zone"}, r.keys("customer_group", "metadata"))
			h.call("POST", "/admin/customer-groups", map[string]any{"name": "vip"}).requireError(400, "invalid_data", "already exists")
			h.call("POST", "/admin/customer-groups/"+id+"/customers", map[string]any{"add": []string{"cus_demo_ada", "cus_demo_linus"}}).requireOK()
			h.call("POST", "/admin/customer-groups/"+id+"/customers", map[string]any{"add": []string{"cus_ghost"}}).requireError(404, "not_found", "cus_ghost")
			body := h.call("GET", "/admin/customers?groups[0]="+id+"&order=-email", nil).requireOK()
			require.Equal(t, []string{"cus_demo_linus", "cus_demo_ada"}, ids(body["customers"]))
			body = h.call("GET", "/admin/customer-groups?q=VI&fields=*customers", nil).requireOK()
			require.EqualValues(t, 1, body["count"])
			require.Equal(t, []string{"cus_demo_ada", "cus_demo_linus"}, ids(body["customer_groups"].([]any)[0].(map[string]any)["customers"]))
			h.call("POST", "/admin/customer-groups/"+id, `{"name":"Stale"}`, "If-Match", `"1"`).requireError(412, "precondition_failed")
			h.call("DELETE", "/admin/customers/cus_demo_ada", nil).requireOK()
			require.EqualValues(t, 1, h.call("GET", "/admin/customer-groups/"+id, nil).requireOK()["customer_group"].(map[string]any)["customer_count"])
			h.call("DELETE", "/admin/customer-groups/"+id, nil).requireOK()
			h.call("GET", "/admin/customer-groups/"+id, nil).requireError(404, "not_found")
		})
	}
}

func TestOpenBackendRefuses(t *testing.T) {
	ctx := context.Background()
	for _, dsn := range []string{"", "data.db?mode=ro", "mysql://[bad", "mysql:not a dsn"} {
		_, err := openBackend(ctx, dsn, "")
		require.Error(t, err, dsn)
	}
	_, err := openBackend(ctx, "memory", "p_")
	require.Error(t, err)
	_, err = openBackend(ctx, filepath.Join(t.TempDir(), "x.db"), "bad prefix!")
	require.Error(t, err)
	_, err = dropTables(ctx, nil, dialectSQLite, "")
	require.ErrorContains(t, err, "-table-prefix")
}
