package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCreateCustomer(t *testing.T) {
	h := newHarness(t)
	r := h.call("POST", "/admin/customers", `{"email":"kay@example.com","first_name":"Kay","last_name":"Ng","metadata":{"z":"1","a":"2"}}`)
	c := r.requireOK()["customer"].(map[string]any)
	require.Equal(t, []string{"customer"}, r.keys())
	require.Equal(t, []string{"id", "email", "first_name", "last_name", "company_name", "phone", "metadata",
		"has_account", "created_by", "created_at", "updated_at", "deleted_at"}, r.keys("customer"))
	require.True(t, strings.HasPrefix(c["id"].(string), "cus_"), c["id"])
	require.Equal(t, "kay@example.com", c["email"])
	require.Nil(t, c["company_name"])
	require.Equal(t, false, c["has_account"])
	require.Equal(t, "alice", c["created_by"])
	require.Equal(t, []string{"z", "a"}, r.keys("customer", "metadata"))

	// It can join a group at once.
	g := h.createGroup("VIP")["id"].(string)
	h.call("POST", "/admin/customer-groups/"+g+"/customers", map[string]any{"add": []string{c["id"].(string)}}).requireOK()

	for _, tc := range []struct{ name, body, msg string }{
		{"bad email", `{"email":"not an email"}`, "not an email address"},
		{"email with name", `{"email":"Kay <kay@example.com>"}`, "not an email address"},
		{"unknown field", `{"email":"a@b.c","password":"x"}`, "Unrecognized fields: 'password'"},
		{"number", `{"first_name":1}`, "must be a string"},
		{"long", `{"last_name":"` + strings.Repeat("x", 256) + `"}`, "longer than 255"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.on(t).call("POST", "/admin/customers", tc.body).requireError(400, "invalid_data", tc.msg)
		})
	}
	// Every field is optional, and null is allowed, as in Medusa.
	h.call("POST", "/admin/customers", `{"email":null,"first_name":"Anon"}`).requireOK()
}

func TestGetCustomer(t *testing.T) {
	h := newHarness(t)
	vip := h.createGroup("VIP")["id"].(string)
	staff := h.createGroup("Staff")["id"].(string)
	for _, g := range []string{staff, vip} {
		h.call("POST", "/admin/customer-groups/"+g+"/customers", map[string]any{"add": []string{"cus_demo_ada"}}).requireOK()
	}
	r := h.call("GET", "/admin/customers/cus_demo_ada", nil)
	c := r.requireOK()["customer"].(map[string]any)
	require.Equal(t, "Lovelace", c["last_name"])
	require.NotContains(t, c, "groups")

	r = h.call("GET", "/admin/customers/cus_demo_ada?fields=*groups", nil)
	c = r.requireOK()["customer"].(map[string]any)
	require.Equal(t, []string{vip, staff}, ids(c["groups"]), "groups oldest first")
	grp := c["groups"].([]any)[0].(map[string]any)
	require.Equal(t, "VIP", grp["name"])
	require.EqualValues(t, 1, grp["customer_count"])

	r = h.call("GET", "/admin/customers/cus_demo_ada?fields=email,groups.name", nil)
	r.requireOK()
	require.Equal(t, []string{"id", "email", "groups"}, r.keys("customer"))
	require.Equal(t, map[string]any{"id": vip, "name": "VIP"}, r.JSON()["customer"].(map[string]any)["groups"].([]any)[0])

	h.call("GET", "/admin/customers/cus_demo_grace?fields=*groups", nil).requireOK()
	require.Empty(t, h.call("GET", "/admin/customers/cus_demo_grace?fields=*groups", nil).requireOK()["customer"].(map[string]any)["groups"])
	h.call("GET", "/admin/customers/cus_nobody", nil).requireError(404, "not_found", "cus_nobody")
	h.call("GET", "/admin/customers/cus_demo_ada?fields=*orders", nil).requireError(400, "invalid_data", "orders")
	h.call("GET", "/admin/customers/cus_demo_ada?limit=1", nil).requireError(400, "invalid_data", "Unrecognized fields: 'limit'")
}

func TestListCustomers(t *testing.T) {
	h := newHarness(t)
	vip := h.createGroup("VIP")["id"].(string)
	staff := h.createGroup("Staff")["id"].(string)
	h.call("POST", "/admin/customer-groups/"+vip+"/customers", map[string]any{"add": []string{"cus_demo_grace", "cus_demo_ada"}}).requireOK()
	h.call("POST", "/admin/customer-groups/"+staff+"/customers", map[string]any{"add": []string{"cus_demo_linus", "cus_demo_ada"}}).requireOK()
	list := func(query string) map[string]any {
		t.Helper()
		r := h.call("GET", "/admin/customers"+query, nil)
		body := r.requireOK()
		require.Equal(t, []string{"customers", "count", "offset", "limit"}, r.keys())
		return body
	}
	body := list("")
	require.EqualValues(t, 4, body["count"])
	require.EqualValues(t, 50, body["limit"])
	require.Equal(t, []string{"cus_demo_ada", "cus_demo_grace", "cus_demo_linus", "cus_demo_margaret"}, ids(body["customers"]))

	// The groups filter, as the SDK writes it (groups[0]=…) and in Medusa's other forms.
	for _, q := range []string{"?groups%5B0%5D=" + vip, "?groups=" + vip, "?groups[]=" + vip, "?groups[id][]=" + vip, "?groups[id]=" + vip} {
		body = list(q + "&order=email")
		require.Equal(t, []string{"cus_demo_ada", "cus_demo_grace"}, ids(body["customers"]), q)
		require.EqualValues(t, 2, body["count"], q)
	}
	body = list("?groups[0]=" + vip + "&groups[1]=" + staff + "&order=-first_name")
	require.Equal(t, []string{"cus_demo_linus", "cus_demo_grace", "cus_demo_ada"}, ids(body["customers"]))
	body = list("?groups[]=" + vip + "&id[]=cus_demo_grace&id[]=cus_demo_linus")
	require.Equal(t, []string{"cus_demo_grace"}, ids(body["customers"]))
	body = list("?groups=cusgroup_nope")
	require.Empty(t, body["customers"])
	require.EqualValues(t, 0, body["count"])

	body = list("?groups[]=" + vip + "&fields=id,*groups")
	c := body["customers"].([]any)[0].(map[string]any)
	require.ElementsMatch(t, []string{vip, staff}, ids(c["groups"]))

	body = list("?q=HOP")
	require.Equal(t, []string{"cus_demo_grace"}, ids(body["customers"]))
	body = list("?email=LINUS@example.com")
	require.Equal(t, []string{"cus_demo_linus"}, ids(body["customers"]))
	body = list("?order=last_name&limit=2&offset=1")
	require.Equal(t, []string{"cus_demo_grace", "cus_demo_ada"}, ids(body["customers"]))
	require.EqualValues(t, 4, body["count"])
	require.EqualValues(t, 1, body["offset"])

	h.call("GET", "/admin/customers?groups[name]=VIP", nil).requireError(400, "invalid_data", "groups[name]")
	h.call("GET", "/admin/customers?order=password", nil).requireError(400, "invalid_data", "cannot order")
	h.call("GET", "/admin/customers?limit=5000", nil).requireError(400, "invalid_data", "largest page")
	h.call("GET", "/admin/customers?has_account=true", nil).requireError(400, "invalid_data", "Unrecognized fields: 'has_account'")
}

func TestBatchCustomerGroups(t *testing.T) {
	h := newHarness(t)
	vip := h.createGroup("VIP")["id"].(string)
	staff := h.createGroup("Staff")["id"].(string)
	path := "/admin/customers/cus_demo_ada/customer-groups"

	r := h.call("POST", path+"?fields=*groups", map[string]any{"add": []string{vip, staff}})
	require.ElementsMatch(t, []string{vip, staff}, ids(r.requireOK()["customer"].(map[string]any)["groups"]))
	r = h.call("POST", path+"?fields=*groups", map[string]any{"remove": []string{vip}})
	require.Equal(t, []string{staff}, ids(r.requireOK()["customer"].(map[string]any)["groups"]))
	r = h.call("POST", path, map[string]any{"add": []string{vip}})
	require.Equal(t, "cus_demo_ada", r.requireOK()["customer"].(map[string]any)["id"])
	require.EqualValues(t, 1, h.call("GET", "/admin/customer-groups/"+vip, nil).requireOK()["customer_group"].(map[string]any)["customer_count"])

	// Unknown groups: 404 naming them, before anything changes.
	h.call("POST", path, map[string]any{"remove": []string{staff}, "add": []string{"cusgroup_ghost"}}).requireError(404, "not_found", "cusgroup_ghost")
	require.EqualValues(t, 1, h.call("GET", "/admin/customer-groups/"+staff, nil).requireOK()["customer_group"].(map[string]any)["customer_count"])
	h.call("POST", path, map[string]any{"add": []string{vip}, "remove": []string{vip}}).requireError(400, "invalid_data", "both in add and in remove")
	h.call("POST", path, `{"add":[""]}`).requireError(400, "invalid_data", "add[0]")
	h.call("POST", "/admin/customers/cus_nobody/customer-groups", map[string]any{"add": []string{vip}}).requireError(404, "not_found", "cus_nobody")
	h.call("POST", path, `{}`, "If-Match", "*").requireError(400, "invalid_data", "If-Match")
}

func TestDeleteCustomer(t *testing.T) {
	h := newHarness(t)
	vip := h.createGroup("VIP")["id"].(string)
	h.call("POST", "/admin/customer-groups/"+vip+"/customers", map[string]any{"add": []string{"cus_demo_ada", "cus_demo_grace"}}).requireOK()

	r := h.call("DELETE", "/admin/customers/cus_demo_ada", nil)
	require.Equal(t, map[string]any{"id": "cus_demo_ada", "object": "customer", "deleted": true}, r.requireOK())
	// It left its groups, and cannot join them again.
	g := h.call("GET", "/admin/customer-groups/"+vip+"?fields=*customers", nil).requireOK()["customer_group"].(map[string]any)
	require.EqualValues(t, 1, g["customer_count"])
	require.Equal(t, []string{"cus_demo_grace"}, ids(g["customers"]))
	h.call("POST", "/admin/customer-groups/"+vip+"/customers", map[string]any{"add": []string{"cus_demo_ada"}}).requireError(404, "not_found", "cus_demo_ada")
	h.call("GET", "/admin/customers/cus_demo_ada", nil).requireError(404, "not_found")
	h.call("DELETE", "/admin/customers/cus_demo_ada", nil).requireError(404, "not_found", "cus_demo_ada")
	h.call("DELETE", "/admin/customers/cus_demo_grace", nil, "If-Match", `"1"`).requireError(http.StatusBadRequest, "invalid_data", "If-Match")
}
