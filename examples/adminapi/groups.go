package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/b02aa859/customergroup"
)

var (
	groupFields    = []string{"id", "name", "metadata", "customer_count", "created_by", "created_at", "updated_at", "deleted_at"}
	customerFields = []string{"id", "email", "first_name", "last_name", "company_name", "phone", "metadata", "has_account", "created_by", "created_at", "updated_at", "deleted_at"}

	groupLeaf      = &schema{fields: groupFields, defaults: groupFields}
	customerLeaf   = &schema{fields: customerFields, defaults: customerFields}
	groupSchema    = &schema{fields: groupFields, defaults: groupFields, rels: map[string]*schema{"customers": customerLeaf}}
	customerSchema = &schema{fields: customerFields, defaults: customerFields, rels: map[string]*schema{"groups": groupLeaf}}
)

// selectFields reads the fields parameter against sc.
func selectFields(p params, sc *schema) (*selection, error) {
	specs, err := p.list("fields")
	if err != nil {
		return nil, err
	}
	return sc.parseFields(strings.Join(specs, ","))
}

// timestamp writes times as Medusa's clients read them (ISO 8601, UTC), with the microseconds
// the library keeps, so that a time read back in a filter selects exactly.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// metadataValue is null for an empty table, as Medusa answers for a group created without
// metadata; otherwise an object with the keys in their order.
func metadataValue(m customergroup.Metadata) any {
	if m.Len() == 0 {
		return nil
	}
	return m
}

func groupObject(g customergroup.CustomerGroup) object {
	return object{
		{"id", g.ID},
		{"name", g.Name},
		{"metadata", metadataValue(g.Metadata)},
		{"customer_count", g.CustomerCount},
		{"created_by", nullable(g.CreatedBy)},
		{"created_at", timestamp(g.CreatedAt)},
		{"updated_at", timestamp(g.UpdatedAt)},
		{"deleted_at", nil},
	}
}

func customerObject(c customer) object {
	return object{
		{"id", c.ID},
		{"email", nullable(c.Email)},
		{"first_name", nullable(c.FirstName)},
		{"last_name", nullable(c.LastName)},
		{"company_name", nullable(c.CompanyName)},
		{"phone", nullable(c.Phone)},
		{"metadata", metadataValue(c.Metadata)},
		{"has_account", false},
		{"created_by", nullable(c.CreatedBy)},
		{"created_at", timestamp(c.CreatedAt)},
		{"updated_at", timestamp(c.UpdatedAt)},
		{"deleted_at", nil},
	}
}

// groupObjects answers groups as sel shows them, with their customers when sel asks for them
// (at most MaxEmbeddedCustomers a group, by customer id).
func (a *API) groupObjects(ctx context.Context, groups []customergroup.CustomerGroup, sel *selection) ([]object, error) {
	out := make([]object, len(groups))
	members := make([][]string, len(groups))
	var all []string
	if sel.rels["customers"] != nil {
		for i, g := range groups {
			page, err := a.svc.ListCustomers(ctx, g.ID, customergroup.MemberQuery{Limit: MaxEmbeddedCustomers})
			if errors.Is(err, customergroup.ErrNotFound) {
				continue // deleted since it was read: show it without customers
			}
			if err != nil {
				return nil, err
			}
			for _, m := range page.Members {
				members[i] = append(members[i], m.CustomerID)
			}
			all = append(all, members[i]...)
		}
	}
	var rows map[string]customer
	if len(all) > 0 {
		var err error
		if rows, err = a.customers.customersByID(ctx, all); err != nil {
			return nil, err
		}
	}
	for i, g := range groups {
		o := groupObject(g)
		if sel.rels["customers"] != nil {
			cs := make([]object, 0, len(members[i]))
			for _, id := range members[i] {
				if c, ok := rows[id]; ok {
					cs = append(cs, customerObject(c))
				} else {
					cs = append(cs, object{{"id", id}}) // a member the table no longer has
				}
			}
			o = append(o, member{"customers", cs})
		}
		out[i] = sel.project(o)
	}
	return out, nil
}

// writeGroup answers {customer_group} with the group's ETag.
func (a *API) writeGroup(w http.ResponseWriter, r *http.Request, g customergroup.CustomerGroup, sel *selection) error {
	objs, err := a.groupObjects(r.Context(), []customergroup.CustomerGroup{g}, sel)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(g))
	writeJSON(w, http.StatusOK, object{{"customer_group", objs[0]}})
	return nil
}

// GET /admin/customer-groups
func (a *API) listGroups(w http.ResponseWriter, r *http.Request) error {
	p, err := parseParams(r.URL.RawQuery)
	if err != nil {
		return err
	}
	if err := p.check("q", "id", "name", "customers", "created_by", "created_at", "updated_at",
		"limit", "offset", "order", "fields", "after"); err != nil {
		return err
	}
	sel, err := selectFields(p, groupSchema)
	if err != nil {
		return err
	}
	q := customergroup.Query{CountTotal: true}
	if q.Search, _, err = p.scalar("q"); err != nil {
		return err
	}
	if q.IDs, err = p.list("id"); err != nil {
		return err
	}
	if q.Names, err = p.list("name"); err != nil {
		return err
	}
	if q.CustomerID, err = single(p, "customers", "one customer id"); err != nil {
		return err
	}
	if q.CreatedBy, err = single(p, "created_by", "one actor"); err != nil {
		return err
	}
	if q.Created, err = p.timeRange("created_at"); err != nil {
		return err
	}
	if q.Updated, err = p.timeRange("updated_at"); err != nil {
		return err
	}
	limit, err := p.integer("limit", customergroup.DefaultPageSize)
	if err != nil {
		return err
	}
	if limit > customergroup.MaxPageSize {
		return invalidData("Invalid request: limit is %d, more than the largest page, %d; page with offset or after", limit, customergroup.MaxPageSize)
	}
	if q.Offset, err = p.integer("offset", 0); err != nil {
		return err
	}
	if q.After, _, err = p.scalar("after"); err != nil {
		return err
	}
	order, _, err := p.scalar("order")
	if err != nil {
		return err
	}
	if q.Sort, q.Desc, err = groupOrder(order); err != nil {
		return err
	}
	q.Limit = max(limit, 1) // limit=0 asks for the count alone
	page, err := a.svc.List(r.Context(), q)
	if err != nil {
		return groupError(err, "", "")
	}
	if limit == 0 {
		page.Groups, page.Next = page.Groups[:0], ""
	}
	objs, err := a.groupObjects(r.Context(), page.Groups, sel)
	if err != nil {
		return err
	}
	env := object{
		{"customer_groups", objs},
		{"count", page.Total},
		{"offset", q.Offset},
		{"limit", limit},
	}
	if page.Next != "" {
		env = append(env, member{"next", page.Next})
	}
	writeJSON(w, http.StatusOK, env)
	return nil
}

// single reads a filter the library takes one value of.
func single(p params, name, what string) (string, error) {
	vs, err := p.list(name)
	if err != nil {
		return "", err
	}
	switch len(vs) {
	case 0:
		return "", nil
	case 1:
		return vs[0], nil
	}
	return "", invalidData("Invalid request: '%s' filters by %s at a time", name, what)
}

// groupOrder reads order: a field, "-" before it for descending.
func groupOrder(order string) (customergroup.SortField, bool, error) {
	desc := strings.HasPrefix(order, "-")
	switch f := customergroup.SortField(strings.TrimPrefix(order, "-")); f {
	case "":
		return customergroup.SortByCreatedAt, false, nil
	case customergroup.SortByCreatedAt, customergroup.SortByName, customergroup.SortByUpdatedAt:
		return f, desc, nil
	}
	return "", false, invalidData("Invalid request: cannot order by %q (use created_at, updated_at or name, with - before it for descending)", order)
}

// POST /admin/customer-groups
func (a *API) createGroup(w http.ResponseWriter, r *http.Request) error {
	if err := noIfMatch(r); err != nil {
		return err
	}
	sel, err := a.fieldsOnly(r, groupSchema)
	if err != nil {
		return err
	}
	b, err := a.readBody(w, r, "name", "metadata")
	if err != nil {
		return err
	}
	name, ok, err := b.string("name", false)
	if err != nil {
		return err
	}
	if !ok {
		return invalidData("Invalid request: Field 'name' is required")
	}
	md, _, _, err := b.metadata()
	if err != nil {
		return err
	}
	g, err := a.svc.Create(r.Context(), customergroup.NewGroup{Name: name, Metadata: md})
	if err != nil {
		return groupError(err, "", strings.TrimSpace(name))
	}
	return a.writeGroup(w, r, g, sel)
}

// fieldsOnly reads the query of a route that answers one object: fields, nothing else.
func (a *API) fieldsOnly(r *http.Request, sc *schema) (*selection, error) {
	p, err := parseParams(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	if err := p.check("fields"); err != nil {
		return nil, err
	}
	return selectFields(p, sc)
}

// GET /admin/customer-groups/{id}
func (a *API) getGroup(w http.ResponseWriter, r *http.Request) error {
	sel, err := a.fieldsOnly(r, groupSchema)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	g, err := a.svc.Get(r.Context(), id)
	if err != nil {
		return groupError(err, id, "")
	}
	return a.writeGroup(w, r, g, sel)
}

// maxUpdateAttempts bounds how often an update that merges metadata re-reads the group after
// losing a race to another writer.
const maxUpdateAttempts = 16

// POST /admin/customer-groups/{id}
//
// The name is replaced; metadata is merged as Medusa merges it (a key with "" is deleted, the
// others set where they stand or appended in the request's order; null clears it). The merge
// is applied to the version it read and written only over that version, retried when another
// writer got in between, so concurrent edits of different keys are both kept. With If-Match,
// the update applies only to that version of the group, and answers 412 otherwise.
func (a *API) updateGroup(w http.ResponseWriter, r *http.Request) error {
	sel, err := a.fieldsOnly(r, groupSchema)
	if err != nil {
		return err
	}
	b, err := a.readBody(w, r, "name", "metadata")
	if err != nil {
		return err
	}
	name, hasName, err := b.string("name", false)
	if err != nil {
		return err
	}
	patch, hasMD, mdNull, err := b.metadata()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	im := parseIfMatch(r)
	ctx := r.Context()
	for attempt := 1; ; attempt++ {
		var u customergroup.Update
		if hasName {
			u.Name = &name
		}
		if hasMD && mdNull {
			u.Metadata = &customergroup.Metadata{}
		}
		if im.present || (hasMD && !mdNull) {
			cur, err := a.svc.Get(ctx, id)
			if err != nil {
				return groupError(err, id, "")
			}
			if !im.matches(cur.Version) {
				return preconditionFailed(id, cur.Version)
			}
			if hasMD && !mdNull {
				md, err := mergeMetadata(cur.Metadata, patch)
				if err != nil {
					return groupError(err, id, "")
				}
				u.Metadata = &md
			}
			u.IfVersion = cur.Version
		}
		g, err := a.svc.Update(ctx, id, u)
		if errors.Is(err, customergroup.ErrConflict) && u.IfVersion != 0 {
			if im.present && !im.any {
				now, gerr := a.svc.Get(ctx, id)
				if gerr != nil {
					return groupError(gerr, id, "")
				}
				return preconditionFailed(id, now.Version)
			}
			if attempt < maxUpdateAttempts {
				// Another writer got in between: wait a little (racers spread out), then merge
				// again onto what it wrote.
				if err := pause(ctx, attempt); err != nil {
					return err
				}
				continue
			}
		}
		if err != nil {
			return groupError(err, id, strings.TrimSpace(name))
		}
		return a.writeGroup(w, r, g, sel)
	}
}

// pause waits a short random time that grows with attempt, or until ctx ends.
func pause(ctx context.Context, attempt int) error {
	t := time.NewTimer(time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 5))))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// DELETE /admin/customer-groups/{id}
func (a *API) deleteGroup(w http.ResponseWriter, r *http.Request) error {
	if err := noIfMatch(r); err != nil {
		return err
	}
	if err := noParams(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := a.svc.Delete(r.Context(), id); err != nil {
		return groupError(err, id, "")
	}
	writeJSON(w, http.StatusOK, object{{"id", id}, {"object", "customer_group"}, {"deleted", true}})
	return nil
}

// noParams refuses any query parameter.
func noParams(r *http.Request) error {
	p, err := parseParams(r.URL.RawQuery)
	if err != nil {
		return err
	}
	return p.check()
}

// readLinks reads Medusa's link body, {add: [...], remove: [...]}, refusing an id in both
// (the two changes are two steps, and an id in both would have no defined outcome) and
// checking every id before anything changes.
func (a *API) readLinks(w http.ResponseWriter, r *http.Request, what string) (add, remove []string, err error) {
	b, err := a.readBody(w, r, "add", "remove")
	if err != nil {
		return nil, nil, err
	}
	if add, err = b.strings("add"); err != nil {
		return nil, nil, err
	}
	if remove, err = b.strings("remove"); err != nil {
		return nil, nil, err
	}
	adding := make(map[string]bool, len(add))
	for i, id := range add {
		if err := customergroup.ValidateID(fmt.Sprintf("add[%d]", i), id); err != nil {
			return nil, nil, groupError(err, "", "")
		}
		adding[id] = true
	}
	for i, id := range remove {
		if err := customergroup.ValidateID(fmt.Sprintf("remove[%d]", i), id); err != nil {
			return nil, nil, groupError(err, "", "")
		}
		if adding[id] {
			return nil, nil, invalidData("Invalid request: %s %s is both in add and in remove; send one or the other", what, id)
		}
	}
	return add, remove, nil
}

// POST /admin/customer-groups/{id}/customers
//
// Adds, then removes. Each step is atomic; unknown customers in add refuse the whole request
// (404) before anything changes.
func (a *API) batchGroupCustomers(w http.ResponseWriter, r *http.Request) error {
	if err := noIfMatch(r); err != nil {
		return err
	}
	sel, err := a.fieldsOnly(r, groupSchema)
	if err != nil {
		return err
	}
	add, remove, err := a.readLinks(w, r, "customer")
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	ctx := r.Context()
	if len(add) > 0 {
		if _, err := a.svc.AddCustomers(ctx, id, add); err != nil {
			return groupError(err, id, "")
		}
	}
	if len(remove) > 0 {
		if _, err := a.svc.RemoveCustomers(ctx, id, remove); err != nil {
			return groupError(err, id, "")
		}
	}
	g, err := a.svc.Get(ctx, id)
	if err != nil {
		return groupError(err, id, "")
	}
	return a.writeGroup(w, r, g, sel)
}
