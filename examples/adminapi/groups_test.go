package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAuthentication(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		name, header string
		ok           bool
	}{
		{"none", "", false},
		{"wrong bearer", "Bearer not-a-token-of-ours", false},
		{"empty bearer", "Bearer ", false},
		{"other scheme", "Token " + aliceSecret, false},
		{"bearer", "Bearer " + aliceSecret, true},
		{"medusa api key (basic, secret:)", basic(aliceSecret + ":"), true},
		{"raw basic", "Basic " + aliceSecret, true},
		{"curl -u name:secret", basic("alice:" + aliceSecret), true},
		{"wrong basic", basic("alice:nope-nope-nope-nope"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.on(t).call("GET", "/admin/customer-groups", nil, "Authorization", tc.header)
			if tc.ok {
				r.requireOK()
				return
			}
			r.requireError(http.StatusUnauthorized, "unauthorized", "Unauthorized")
			require.Contains(t, r.Header.Get("WWW-Authenticate"), "Bearer")
		})
	}
	// Every route refuses, even one that does not exist.
	for _, route := range []string{
		"GET /admin/customer-groups", "POST /admin/customer-groups", "GET /admin/customer-groups/x",
		"POST /admin/customer-groups/x", "DELETE /admin/customer-groups/x", "POST /admin/customer-groups/x/customers",
		"GET /admin/customers", "POST /admin/customers", "GET /admin/customers/x", "DELETE /admin/customers/x",
		"POST /admin/customers/x/customer-groups", "GET /nowhere",
	} {
		method, path, _ := strings.Cut(route, " ")
		h.call(method, path, "{}", "Authorization", "").requireError(http.StatusUnauthorized, "unauthorized")
	}
}

func TestActorStampsCreatedBy(t *testing.T) {
	h := newHarness(t)
	g := h.call("POST", "/admin/customer-groups", map[string]any{"name": "By Bob"}, "Authorization", basic(bobSecret+":")).requireOK()
	require.Equal(t, "bob", g["customer_group"].(map[string]any)["created_by"])
	require.Equal(t, "alice", h.createGroup("By Alice")["created_by"])
	list := h.call("GET", "/admin/customer-groups?created_by=bob", nil).requireOK()
	require.Equal(t, []string{"By Bob"}, names(list["customer_groups"]))
}

func names(list any) []string {
	var out []string
	for _, x := range list.([]any) {
		out = append(out, x.(map[string]any)["name"].(string))
	}
	return out
}

func TestCreateGroup(t *testing.T) {
	h := newHarness(t)
	r := h.call("POST", "/admin/customer-groups", `{"name":"  VIP  ","metadata":{"tier":"gold","b":"2","a":"1"}}`)
	body := r.requireOK()
	require.Equal(t, []string{"customer_group"}, r.keys())
	g := body["customer_group"].(map[string]any)
	require.Equal(t, []string{"id", "name", "metadata", "customer_count", "created_by", "created_at", "updated_at", "deleted_at"}, r.keys("customer_group"))
	require.True(t, strings.HasPrefix(g["id"].(string), "cusgroup_"), g["id"])
	require.Len(t, g["id"], len("cusgroup_")+26)
	require.Equal(t, "VIP", g["name"])
	require.Equal(t, []string{"tier", "b", "a"}, r.keys("customer_group", "metadata"), "metadata keeps the client's order")
	require.EqualValues(t, 0, g["customer_count"])
	require.Equal(t, "alice", g["created_by"])
	require.Equal(t, "2025-01-01T00:00:02.000000Z", g["created_at"])
	require.Equal(t, g["created_at"], g["updated_at"])
	require.Nil(t, g["deleted_at"])
	require.Equal(t, `"1"`, r.Header.Get("ETag"))

	// Without metadata it is null, as in Medusa.
	require.Nil(t, h.createGroup("Plain")["metadata"])
	// Creating keeps "" values: only updates read "" as delete.
	r = h.call("POST", "/admin/customer-groups", `{"name":"Blank","metadata":{"k":""}}`)
	r.requireOK()
	require.Equal(t, []string{"k"}, r.keys("customer_group", "metadata"))
	// fields applies to the answer.
	r = h.call("POST", "/admin/customer-groups?fields=name", map[string]any{"name": "Fields"})
	r.requireOK()
	require.Equal(t, []string{"id", "name"}, r.keys("customer_group"))

	for _, tc := range []struct {
		name, body string
		status     int
		msg        string
	}{
		{"duplicate name", `{"name":"VIP"}`, 400, "already exists"},
		{"duplicate name, other case", `{"name":"vip"}`, 400, "already exists"},
		{"no name", `{}`, 400, "'name' is required"},
		{"empty body", ``, 400, "'name' is required"},
		{"null name", `{"name":null}`, 400, "must be a string"},
		{"blank name", `{"name":"   "}`, 400, "name"},
		{"name not a string", `{"name":7}`, 400, "must be a string, not a number"},
		{"unknown field", `{"name":"X","handle":"x","extra":1}`, 400, "Unrecognized fields: 'extra, handle'"},
		{"metadata value not a string", `{"name":"X","metadata":{"n":1}}`, 400, "must be a string"},
		{"metadata duplicate key", `{"name":"X","metadata":{"n":"1","n":"2"}}`, 400, "duplicate"},
		{"metadata not an object", `{"name":"X","metadata":[]}`, 400, "must be an object"},
		{"not an object", `["VIP"]`, 400, "must be a JSON object"},
		{"not JSON", `{"name":`, 400, "not valid JSON"},
		{"trailing data", `{"name":"X"} {}`, 400, "after its JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.on(t).call("POST", "/admin/customer-groups", tc.body).requireError(tc.status, "invalid_data", tc.msg)
		})
	}
	h.call("POST", "/admin/customer-groups", `{"name":"X"}`, "Content-Type", "text/plain").
		requireError(http.StatusUnsupportedMediaType, "invalid_data", "application/json")
	h.call("POST", "/admin/customer-groups?limit=1", `{"name":"X"}`).requireError(400, "invalid_data", "Unrecognized fields: 'limit'")
	h.call("POST", "/admin/customer-groups", `{"name":"X"}`, "If-Match", `"1"`).requireError(400, "invalid_data", "If-Match")

	h.api.maxBody = 64
	h.call("POST", "/admin/customer-groups", `{"name":"`+strings.Repeat("x", 100)+`"}`).
		requireError(http.StatusRequestEntityTooLarge, "invalid_data", "larger than 64 bytes")
}

func TestGetGroup(t *testing.T) {
	h := newHarness(t)
	g := h.createGroup("VIP", "b", "2", "a", "1")
	id := g["id"].(string)
	h.call("POST", "/admin/customer-groups/"+id+"/customers", map[string]any{"add": []string{"cus_demo_grace", "cus_demo_ada"}}).requireOK()

	r := h.call("GET", "/admin/customer-groups/"+id, nil)
	got := r.requireOK()["customer_group"].(map[string]any)
	require.Equal(t, `"1"`, r.Header.Get("ETag"))
	require.Equal(t, "VIP", got["name"])
	require.EqualValues(t, 2, got["customer_count"])
	require.Equal(t, []string{"b", "a"}, r.keys("customer_group", "metadata"))
	require.NotContains(t, got, "customers", "customers only with fields=*customers")

	r = h.call("GET", "/admin/customer-groups/"+id+"?fields=*customers", nil)
	got = r.requireOK()["customer_group"].(map[string]any)
	require.Equal(t, []string{"cus_demo_ada", "cus_demo_grace"}, ids(got["customers"]))
	c := got["customers"].([]any)[0].(map[string]any)
	require.Equal(t, "ada@example.com", c["email"])
	require.Equal(t, "Ada", c["first_name"])

	for spec, want := range map[string][]string{
		"name":                         {"id", "name"},
		"id,name,customer_count":       {"id", "name", "customer_count"},
		"-metadata,-deleted_at":        {"id", "name", "customer_count", "created_by", "created_at", "updated_at"},
		"+customers":                   {"id", "name", "metadata", "customer_count", "created_by", "created_at", "updated_at", "deleted_at", "customers"},
		"name,customers.email":         {"id", "name", "customers"},
		"*customers,-metadata":         {"id", "name", "customer_count", "created_by", "created_at", "updated_at", "deleted_at", "customers"},
		"name,customers.*":             {"id", "name", "customers"},
		" name , customer_count ,":     {"id", "name", "customer_count"},
		"*customers,-customers,+name ": {"id", "name", "metadata", "customer_count", "created_by", "created_at", "updated_at", "deleted_at"},
	} {
		r := h.call("GET", "/admin/customer-groups/"+id+"?fields="+url.QueryEscape(spec), nil)
		r.requireOK()
		require.Equal(t, want, r.keys("customer_group"), "fields=%s", spec)
	}
	r = h.call("GET", "/admin/customer-groups/"+id+"?fields=name,customers.email", nil)
	cs := r.requireOK()["customer_group"].(map[string]any)["customers"].([]any)
	require.Equal(t, map[string]any{"id": "cus_demo_ada", "email": "ada@example.com"}, cs[0])

	h.call("GET", "/admin/customer-groups/"+id+"?fields=handle", nil).requireError(400, "invalid_data", "handle")
	h.call("GET", "/admin/customer-groups/"+id+"?fields=customers.shoe_size", nil).requireError(400, "invalid_data", "shoe_size")
	h.call("GET", "/admin/customer-groups/"+id+"?fields=-id", nil).requireError(400, "invalid_data", "id")
	h.call("GET", "/admin/customer-groups/"+id+"?expand=customers", nil).requireError(400, "invalid_data", "Unrecognized fields: 'expand'")
	h.call("GET", "/admin/customer-groups/cusgroup_nope", nil).requireError(404, "not_found", "cusgroup_nope")
}

func TestListGroups(t *testing.T) {
	h := newHarness(t)
	var created []map[string]any
	for _, n := range []string{"Wholesale", "VIP", "Staff", "VIP Plus", "Newsletter"} {
		created = append(created, h.createGroup(n))
	}
	id := func(i int) string { return created[i]["id"].(string) }
	list := func(query string) (map[string]any, reply) {
		t.Helper()
		r := h.call("GET", "/admin/customer-groups"+query, nil)
		return r.requireOK(), r
	}

	body, r := list("")
	require.Equal(t, []string{"customer_groups", "count", "offset", "limit"}, r.keys())
	require.EqualValues(t, 5, body["count"])
	require.EqualValues(t, 0, body["offset"])
	require.EqualValues(t, 50, body["limit"])
	require.Equal(t, []string{"Wholesale", "VIP", "Staff", "VIP Plus", "Newsletter"}, names(body["customer_groups"]), "oldest first")
	require.Empty(t, r.Header.Get("ETag"))

	body, _ = list("?q=vip")
	require.Equal(t, []string{"VIP", "VIP Plus"}, names(body["customer_groups"]))
	require.EqualValues(t, 2, body["count"])

	body, _ = list("?order=-created_at&limit=2")
	require.Equal(t, []string{"Newsletter", "VIP Plus"}, names(body["customer_groups"]))
	require.EqualValues(t, 5, body["count"])
	require.EqualValues(t, 2, body["limit"])
	require.NotEmpty(t, body["next"])

	body, _ = list("?order=name")
	require.Equal(t, []string{"Newsletter", "Staff", "VIP", "VIP Plus", "Wholesale"}, names(body["customer_groups"]))
	body, _ = list("?order=-name&offset=3")
	require.Equal(t, []string{"Staff", "Newsletter"}, names(body["customer_groups"]))
	require.EqualValues(t, 3, body["offset"])
	require.NotContains(t, body, "next", "no next on the last page")

	// id and name filters, in every form the qs parser writes.
	body, _ = list("?id=" + id(1))
	require.Equal(t, []string{"VIP"}, names(body["customer_groups"]))
	body, _ = list("?id%5B0%5D=" + id(1) + "&id%5B1%5D=" + id(2))
	require.Equal(t, []string{"VIP", "Staff"}, names(body["customer_groups"]))
	body, _ = list("?id[]=" + id(1) + "&id[]=" + id(2))
	require.Equal(t, []string{"VIP", "Staff"}, names(body["customer_groups"]))
	body, _ = list("?id=" + id(1) + "&id=" + id(2))
	require.Equal(t, []string{"VIP", "Staff"}, names(body["customer_groups"]))
	body, _ = list("?id[]=" + id(1) + "," + id(3))
	require.Equal(t, []string{"VIP", "VIP Plus"}, names(body["customer_groups"]), "a one-element array splits on commas, as in Medusa")
	body, _ = list("?name=staff")
	require.Equal(t, []string{"Staff"}, names(body["customer_groups"]))
	body, _ = list("?name[]=VIP&name[]=Newsletter")
	require.Equal(t, []string{"VIP", "Newsletter"}, names(body["customer_groups"]))

	// created_at operators.
	at := func(i int) string { return url.QueryEscape(created[i]["created_at"].(string)) }
	body, _ = list("?created_at[$gte]=" + at(1) + "&created_at[$lt]=" + at(3))
	require.Equal(t, []string{"VIP", "Staff"}, names(body["customer_groups"]))
	body, _ = list("?created_at%5B%24gt%5D=" + at(1) + "&created_at%5B%24lte%5D=" + at(3))
	require.Equal(t, []string{"Staff", "VIP Plus"}, names(body["customer_groups"]))
	body, _ = list("?created_at[$eq]=" + at(2))
	require.Equal(t, []string{"Staff"}, names(body["customer_groups"]))
	body, _ = list("?created_at=" + at(2))
	require.Equal(t, []string{"Staff"}, names(body["customer_groups"]))
	body, _ = list("?created_at[$gte]=2025-01-01T00:00:04Z&created_at[$lt]=2025-01-01T00:00:04Z")
	require.Empty(t, body["customer_groups"])
	body, _ = list("?created_at[$lt]=2025-01-01")
	require.Empty(t, body["customer_groups"])
	body, _ = list("?updated_at[$gte]=2025-01-01")
	require.EqualValues(t, 5, body["count"])

	// Keyset paging: next cursors walk the whole list without repeats.
	var walked []string
	next := ""
	for range 10 {
		q := "?limit=2&order=name"
		if next != "" {
			q += "&after=" + url.QueryEscape(next)
		}
		body, _ = list(q)
		walked = append(walked, names(body["customer_groups"])...)
		n, ok := body["next"].(string)
		if !ok {
			break
		}
		next = n
	}
	require.Equal(t, []string{"Newsletter", "Staff", "VIP", "VIP Plus", "Wholesale"}, walked)

	// limit=0 counts.
	body, _ = list("?limit=0&q=vip")
	require.Empty(t, body["customer_groups"])
	require.EqualValues(t, 2, body["count"])
	require.EqualValues(t, 0, body["limit"])

	// Customers filter and embedded customers.
	h.call("POST", "/admin/customer-groups/"+id(1)+"/customers", map[string]any{"add": []string{"cus_demo_ada"}}).requireOK()
	h.call("POST", "/admin/customer-groups/"+id(4)+"/customers", map[string]any{"add": []string{"cus_demo_ada", "cus_demo_linus"}}).requireOK()
	body, _ = list("?customers=cus_demo_ada")
	require.Equal(t, []string{"VIP", "Newsletter"}, names(body["customer_groups"]))
	body, _ = list("?customers[]=cus_demo_linus&fields=name,*customers")
	require.Equal(t, []string{"Newsletter"}, names(body["customer_groups"]))
	require.Equal(t, []string{"cus_demo_ada", "cus_demo_linus"}, ids(body["customer_groups"].([]any)[0].(map[string]any)["customers"]))
	body, _ = list("?fields=customer_count&q=newsletter")
	require.EqualValues(t, 2, body["customer_groups"].([]any)[0].(map[string]any)["customer_count"])

	for _, tc := range []struct{ query, msg string }{
		{"?limit=1001", "more than the largest page"},
		{"?limit=-1", "non-negative integer"},
		{"?limit=ten", "non-negative integer"},
		{"?offset=-5", "non-negative integer"},
		{"?limit=1&limit=2", "single value"},
		{"?order=customer_count", "cannot order by"},
		{"?order=-handle", "cannot order by"},
		{"?after=garbage", "cursor"},
		{"?offset=1&after=" + url.QueryEscape(next), "offset"},
		{"?created_at[$ne]=2025-01-01", "operator '$ne' is not supported"},
		{"?created_at[$gte]=yesterday", "is not a time"},
		{"?created_at[$gte][0]=2025-01-01&created_at[$gte][1]=2025-01-02", "takes one time"},
		{"?customers=a&customers=b", "one customer id"},
		{"?q[x]=vip", "single value"},
		{"?id[x]=1", "not an object"},
		{"?deleted_at[$gte]=2025-01-01", "Unrecognized fields: 'deleted_at'"},
		{"?$or[0][name]=VIP", "$or"},
		{"?handle=vip&expand=x", "Unrecognized fields: 'expand, handle'"},
		{"?fields=*nothing", "nothing"},
		{"?a[b][c][d]=1", "not of a form"},
		{"?%zz=1", "not properly escaped"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			h.on(t).call("GET", "/admin/customer-groups"+tc.query, nil).requireError(400, "invalid_data", tc.msg)
		})
	}
}

func TestUpdateGroup(t *testing.T) {
	h := newHarness(t)
	g := h.createGroup("VIP", "tier", "gold", "color", "red", "note", "x")
	id := g["id"].(string)
	path := "/admin/customer-groups/" + id
	h.createGroup("Staff")

	// Rename.
	r := h.call("POST", path, map[string]any{"name": "  Very Important  "})
	got := r.requireOK()["customer_group"].(map[string]any)
	require.Equal(t, "Very Important", got["name"])
	require.Equal(t, `"2"`, r.Header.Get("ETag"))
	require.NotEqual(t, g["updated_at"], got["updated_at"])
	require.Equal(t, g["created_at"], got["created_at"])
	require.Equal(t, []string{"tier", "color", "note"}, r.keys("customer_group", "metadata"), "metadata untouched")

	// Metadata merges as in Medusa, keeping the order: set in place, append new keys in the
	// request's order, "" deletes.
	r = h.call("POST", path, `{"metadata":{"zeta":"1","color":"blue","note":"","alpha":"2"}}`)
	got = r.requireOK()["customer_group"].(map[string]any)
	require.Equal(t, []string{"tier", "color", "zeta", "alpha"}, r.keys("customer_group", "metadata"))
	require.Equal(t, map[string]any{"tier": "gold", "color": "blue", "zeta": "1", "alpha": "2"}, got["metadata"])
	require.Equal(t, `"3"`, r.Header.Get("ETag"))

	// Deleting a key that is not there, and setting a value it has, change nothing.
	r = h.call("POST", path, `{"metadata":{"ghost":"","tier":"gold"}}`)
	r.requireOK()
	require.Equal(t, `"3"`, r.Header.Get("ETag"), "a no-op update makes no new version")

	// Name and metadata in one request make one version.
	r = h.call("POST", path, `{"name":"VIP","metadata":{"tier":"platinum"}}`)
	got = r.requireOK()["customer_group"].(map[string]any)
	require.Equal(t, "VIP", got["name"])
	require.Equal(t, "platinum", got["metadata"].(map[string]any)["tier"])
	require.Equal(t, `"4"`, r.Header.Get("ETag"))

	// If-Match: a stale ETag is refused with 412 and nothing changes; the current one passes.
	r = h.call("POST", path, map[string]any{"name": "Stale"}, "If-Match", `"3"`)
	r.requireError(http.StatusPreconditionFailed, "precondition_failed", `"4"`)
	r = h.call("POST", path, `{"metadata":{"tier":"stale"}}`, "If-Match", `"1", "2"`)
	r.requireError(http.StatusPreconditionFailed, "precondition_failed")
	r = h.call("POST", path, map[string]any{"name": "Stale"}, "If-Match", `W/"4"`)
	r.requireError(http.StatusPreconditionFailed, "precondition_failed")
	require.Equal(t, "VIP", h.call("GET", path, nil).requireOK()["customer_group"].(map[string]any)["name"])
	r = h.call("POST", path, `{"metadata":{"tier":"diamond"}}`, "If-Match", `"3", "4"`)
	r.requireOK()
	require.Equal(t, `"5"`, r.Header.Get("ETag"))
	r = h.call("POST", path, map[string]any{"name": "VIP Club"}, "If-Match", "*")
	r.requireOK()
	require.Equal(t, `"6"`, r.Header.Get("ETag"))
	// Membership changes do not change the ETag, so they do not fail an edit.
	h.call("POST", path+"/customers", map[string]any{"add": []string{"cus_demo_ada"}}).requireOK()
	r = h.call("POST", path, map[string]any{"name": "VIP"}, "If-Match", `"6"`)
	require.EqualValues(t, 1, r.requireOK()["customer_group"].(map[string]any)["customer_count"])

	// null clears the metadata.
	r = h.call("POST", path, `{"metadata":null}`)
	require.Nil(t, r.requireOK()["customer_group"].(map[string]any)["metadata"])

	for _, tc := range []struct {
		name, body string
		status     int
		typ, msg   string
	}{
		{"name taken", `{"name":"staff"}`, 400, "invalid_data", "already exists"},
		{"null name", `{"name":null}`, 400, "invalid_data", "must be a string"},
		{"empty name", `{"name":""}`, 400, "invalid_data", "name"},
		{"unknown field", `{"customers":[]}`, 400, "invalid_data", "Unrecognized fields: 'customers'"},
		{"metadata number", `{"metadata":{"n":1.5}}`, 400, "invalid_data", "must be a string"},
		{"metadata blank key", `{"metadata":{" ":"x"}}`, 400, "invalid_data", "key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.on(t).call("POST", path, tc.body).requireError(tc.status, tc.typ, tc.msg)
		})
	}
	h.call("POST", "/admin/customer-groups/cusgroup_nope", `{"name":"X"}`).requireError(404, "not_found", "cusgroup_nope")
	h.call("POST", "/admin/customer-groups/cusgroup_nope", `{"metadata":{"a":"b"}}`).requireError(404, "not_found")
	h.call("POST", "/admin/customer-groups/cusgroup_nope", `{"name":"X"}`, "If-Match", `"1"`).requireError(404, "not_found")
}

// Concurrent metadata merges of different keys are all kept: each merge is written only over
// the version it read, and retried on a race.
func TestConcurrentMetadataMerges(t *testing.T) {
	h := newHarness(t)
	path := "/admin/customer-groups/" + h.createGroup("VIP")["id"].(string)
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			h.call("POST", path, fmt.Sprintf(`{"metadata":{"k%02d":"v"}}`, i)).requireOK()
		})
	}
	wg.Wait()
	md := h.call("GET", path, nil).requireOK()["customer_group"].(map[string]any)["metadata"].(map[string]any)
	require.Len(t, md, n)
}

func TestDeleteGroup(t *testing.T) {
	h := newHarness(t)
	id := h.createGroup("VIP")["id"].(string)
	other := h.createGroup("Staff")["id"].(string)
	for _, g := range []string{id, other} {
		h.call("POST", "/admin/customer-groups/"+g+"/customers", map[string]any{"add": []string{"cus_demo_ada"}}).requireOK()
	}
	h.call("DELETE", "/admin/customer-groups/"+id, nil, "If-Match", `"1"`).requireError(400, "invalid_data", "If-Match")
	h.call("DELETE", "/admin/customer-groups/"+id+"?force=true", nil).requireError(400, "invalid_data", "Unrecognized fields: 'force'")

	r := h.call("DELETE", "/admin/customer-groups/"+id, nil)
	body := r.requireOK()
	require.Equal(t, []string{"id", "object", "deleted"}, r.keys())
	require.Equal(t, map[string]any{"id": id, "object": "customer_group", "deleted": true}, body)

	h.call("GET", "/admin/customer-groups/"+id, nil).requireError(404, "not_found", id)
	h.call("DELETE", "/admin/customer-groups/"+id, nil).requireError(404, "not_found", id)
	// The customer stays, and so does its other membership.
	c := h.call("GET", "/admin/customers/cus_demo_ada?fields=*groups", nil).requireOK()["customer"].(map[string]any)
	require.Equal(t, []string{other}, ids(c["groups"]))
}

func TestBatchGroupCustomers(t *testing.T) {
	h := newHarness(t)
	id := h.createGroup("VIP")["id"].(string)
	path := "/admin/customer-groups/" + id + "/customers"

	r := h.call("POST", path, map[string]any{"add": []string{"cus_demo_ada", "cus_demo_grace", "cus_demo_ada"}})
	g := r.requireOK()["customer_group"].(map[string]any)
	require.EqualValues(t, 2, g["customer_count"])
	require.Equal(t, `"1"`, r.Header.Get("ETag"))

	r = h.call("POST", path+"?fields=*customers", map[string]any{"add": []string{"cus_demo_linus"}, "remove": []string{"cus_demo_ada", "cus_not_member"}})
	g = r.requireOK()["customer_group"].(map[string]any)
	require.EqualValues(t, 2, g["customer_count"])
	require.Equal(t, []string{"cus_demo_grace", "cus_demo_linus"}, ids(g["customers"]))

	// Adding again is idempotent; an empty body changes nothing.
	require.EqualValues(t, 2, h.call("POST", path, map[string]any{"add": []string{"cus_demo_linus"}}).requireOK()["customer_group"].(map[string]any)["customer_count"])
	require.EqualValues(t, 2, h.call("POST", path, `{}`).requireOK()["customer_group"].(map[string]any)["customer_count"])

	// Unknown customers: 404 naming them, nothing added.
	h.call("POST", path, map[string]any{"add": []string{"cus_demo_margaret", "cus_ghost", "cus_phantom"}}).
		requireError(404, "not_found", "cus_ghost, cus_phantom")
	require.EqualValues(t, 2, h.call("GET", "/admin/customer-groups/"+id, nil).requireOK()["customer_group"].(map[string]any)["customer_count"])

	for _, tc := range []struct{ name, body, msg string }{
		{"in both", `{"add":["cus_demo_ada"],"remove":["cus_demo_ada"]}`, "both in add and in remove"},
		{"empty id", `{"add":[""]}`, "add[0]"},
		{"control character", `{"remove":["cus\u0000x"]}`, "remove[0]"},
		{"not an array", `{"add":"cus_demo_ada"}`, "must be an array"},
		{"not strings", `{"add":[1]}`, "add[0]' must be a string"},
		{"null", `{"add":null}`, "must be an array"},
		{"unknown field", `{"add":[],"delete":[]}`, "Unrecognized fields: 'delete'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.on(t).call("POST", path, tc.body).requireError(400, "invalid_data", tc.msg)
		})
	}
	h.call("POST", path, `{}`, "If-Match", `"1"`).requireError(400, "invalid_data", "If-Match")
	h.call("POST", "/admin/customer-groups/cusgroup_nope/customers", map[string]any{"add": []string{"cus_demo_ada"}}).
		requireError(404, "not_found", "cusgroup_nope")
	h.call("POST", "/admin/customer-groups/cusgroup_nope/customers", map[string]any{"remove": []string{"cus_demo_ada"}}).
		requireError(404, "not_found", "cusgroup_nope")
	h.call("POST", "/admin/customer-groups/cusgroup_nope/customers", `{}`).requireError(404, "not_found", "cusgroup_nope")
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	h := newHarness(t)
	h.call("GET", "/admin/products", nil).requireError(404, "not_found", "No route")
	h.call("GET", "/admin/customer-groups/x/y/z", nil).requireError(404, "not_found")
	r := h.call("PUT", "/admin/customer-groups/x", `{}`)
	r.requireError(http.StatusMethodNotAllowed, "invalid_data", "PUT")
	require.Equal(t, "GET, POST, DELETE, HEAD", r.Header.Get("Allow"))
	r = h.call("DELETE", "/admin/customer-groups", nil)
	r.requireError(http.StatusMethodNotAllowed, "invalid_data")
	require.Equal(t, "GET, POST, HEAD", r.Header.Get("Allow"))
}

// The admin's metadata editor saves its whole table; the request's order is then the table's,
// so rows inserted above or below others keep their places.
func TestMetadataEditorSave(t *testing.T) {
	h := newHarness(t)
	path := "/admin/customer-groups/" + h.createGroup("VIP", "a", "1", "b", "2", "c", "3")["id"].(string)
	// Insert a row above b, delete row c: the whole table, c as "".
	r := h.call("POST", path, `{"metadata":{"a":"1","new":"x","b":"2","c":""}}`)
	r.requireOK()
	require.Equal(t, []string{"a", "new", "b"}, r.keys("customer_group", "metadata"))
	// Move b to the top: the whole table in its new order.
	r = h.call("POST", path, `{"metadata":{"b":"2","a":"1","new":"x"}}`)
	r.requireOK()
	require.Equal(t, []string{"b", "a", "new"}, r.keys("customer_group", "metadata"))
	// A partial update keeps places and appends.
	r = h.call("POST", path, `{"metadata":{"z":"9","a":"one"}}`)
	r.requireOK()
	require.Equal(t, []string{"b", "a", "new", "z"}, r.keys("customer_group", "metadata"))
	require.Equal(t, "one", r.JSON()["customer_group"].(map[string]any)["metadata"].(map[string]any)["a"])
}
