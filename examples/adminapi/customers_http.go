package main

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/b02aa859/customergroup"
)

// The host side of the API: the routes of Medusa's admin customers API that concern groups,
// over the demo customers table.

func customerNotFound(id string) *apiError {
	return notFound("Customer with id: %s was not found", id)
}

// customerObjects answers customers as sel shows them, with their groups when sel asks for them.
func (a *API) customerObjects(ctx context.Context, cs []customer, sel *selection) ([]object, error) {
	out := make([]object, len(cs))
	for i, c := range cs {
		o := customerObject(c)
		if sel.rels["groups"] != nil {
			ids, err := a.svc.GroupIDsOf(ctx, c.ID)
			if err != nil {
				return nil, err
			}
			groups := []customergroup.CustomerGroup{}
			// A customer is in few groups; a page of MaxPageSize holds them in any real shop.
			for chunk := range slices.Chunk(ids, customergroup.MaxPageSize) {
				page, err := a.svc.List(ctx, customergroup.Query{IDs: chunk, Limit: customergroup.MaxPageSize})
				if err != nil {
					return nil, err
				}
				groups = append(groups, page.Groups...)
			}
			gs := make([]object, len(groups))
			for j, g := range groups {
				gs[j] = groupObject(g)
			}
			o = append(o, member{"groups", gs})
		}
		out[i] = sel.project(o)
	}
	return out, nil
}

func (a *API) writeCustomer(w http.ResponseWriter, r *http.Request, c customer, sel *selection) error {
	objs, err := a.customerObjects(r.Context(), []customer{c}, sel)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, object{{"customer", objs[0]}})
	return nil
}

// GET /admin/customers
func (a *API) listCustomers(w http.ResponseWriter, r *http.Request) error {
	p, err := parseParams(r.URL.RawQuery)
	if err != nil {
		return err
	}
	if err := p.check("q", "id", "email", "groups", "limit", "offset", "order", "fields"); err != nil {
		return err
	}
	sel, err := selectFields(p, customerSchema)
	if err != nil {
		return err
	}
	var f customerFilter
	if f.Q, _, err = p.scalar("q"); err != nil {
		return err
	}
	if f.IDs, err = p.list("id"); err != nil {
		return err
	}
	if f.Emails, err = p.list("email"); err != nil {
		return err
	}
	if f.Limit, err = p.integer("limit", customergroup.DefaultPageSize); err != nil {
		return err
	}
	if f.Limit > customergroup.MaxPageSize {
		return invalidData("Invalid request: limit is %d, more than the largest page, %d", f.Limit, customergroup.MaxPageSize)
	}
	if f.Offset, err = p.integer("offset", 0); err != nil {
		return err
	}
	order, _, err := p.scalar("order")
	if err != nil {
		return err
	}
	f.Desc = strings.HasPrefix(order, "-")
	switch f.Sort = strings.TrimPrefix(order, "-"); f.Sort {
	case "", "created_at", "updated_at", "email", "first_name", "last_name", "company_name":
	default:
		return invalidData("Invalid request: cannot order customers by %q", order)
	}
	groups, err := groupsFilter(p)
	if err != nil {
		return err
	}
	if groups != nil {
		members, err := a.membersOf(r.Context(), groups)
		if err != nil {
			return err
		}
		if f.IDs != nil {
			wanted := make(map[string]bool, len(f.IDs))
			for _, id := range f.IDs {
				wanted[id] = true
			}
			members = slices.DeleteFunc(members, func(id string) bool { return !wanted[id] })
		}
		f.IDs = members
	}
	cs, total, err := a.customers.listCustomers(r.Context(), f)
	if err != nil {
		return err
	}
	objs, err := a.customerObjects(r.Context(), cs, sel)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, object{
		{"customers", objs},
		{"count", total},
		{"offset", f.Offset},
		{"limit", f.Limit},
	})
	return nil
}

// groupsFilter reads Medusa's groups filter of the customers list: group ids as groups=…,
// groups[]=… or groups[id][]=…; nil when absent.
func groupsFilter(p params) ([]string, error) {
	pa := p["groups"]
	if pa == nil {
		return nil, nil
	}
	if pa.obj == nil {
		return pa.vals, nil
	}
	for _, k := range pa.objKeys {
		if k != "id" {
			return nil, invalidData("Invalid request: the groups filter takes group ids (groups[]=… or groups[id][]=…), not groups[%s]", k)
		}
	}
	return pa.obj["id"], nil
}

// membersOf returns the ids of the customers in any of the groups, without repeats. An
// unknown group has no members.
func (a *API) membersOf(ctx context.Context, groups []string) ([]string, error) {
	seen := map[string]bool{}
	out := []string{}
	for _, g := range groups {
		q := customergroup.MemberQuery{Limit: customergroup.MaxPageSize}
		for {
			page, err := a.svc.ListCustomers(ctx, g, q)
			if errors.Is(err, customergroup.ErrNotFound) || errors.Is(err, customergroup.ErrInvalid) {
				break
			}
			if err != nil {
				return nil, err
			}
			for _, m := range page.Members {
				if !seen[m.CustomerID] {
					seen[m.CustomerID] = true
					out = append(out, m.CustomerID)
				}
			}
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
	}
	return out, nil
}

// POST /admin/customers
func (a *API) createCustomer(w http.ResponseWriter, r *http.Request) error {
	if err := noIfMatch(r); err != nil {
		return err
	}
	sel, err := a.fieldsOnly(r, customerSchema)
	if err != nil {
		return err
	}
	b, err := a.readBody(w, r, "email", "first_name", "last_name", "company_name", "phone", "metadata")
	if err != nil {
		return err
	}
	c := customer{ID: a.newID("cus_"), CreatedBy: customergroup.ActorFrom(r.Context())}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"email", &c.Email}, {"first_name", &c.FirstName}, {"last_name", &c.LastName}, {"company_name", &c.CompanyName}, {"phone", &c.Phone}} {
		if *f.dst, _, err = b.string(f.name, true); err != nil {
			return err
		}
		if len(*f.dst) > 255 {
			return invalidData("Invalid request: field '%s' is longer than 255 bytes", f.name)
		}
	}
	if c.Email != "" && !validEmail(c.Email) {
		return invalidData("Invalid request: %q is not an email address", c.Email)
	}
	if c.Metadata, _, _, err = b.metadata(); err != nil {
		return err
	}
	if err := c.Metadata.Validate(customergroup.DefaultLimits); err != nil {
		return groupError(err, "", "")
	}
	c.CreatedAt = customergroup.Timestamp(a.now())
	c.UpdatedAt = c.CreatedAt
	if err := a.customers.createCustomer(r.Context(), c); err != nil {
		return err
	}
	return a.writeCustomer(w, r, c, sel)
}

// GET /admin/customers/{id}
func (a *API) getCustomer(w http.ResponseWriter, r *http.Request) error {
	sel, err := a.fieldsOnly(r, customerSchema)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	c, err := a.customers.customer(r.Context(), id)
	if errors.Is(err, errNoCustomer) {
		return customerNotFound(id)
	}
	if err != nil {
		return err
	}
	return a.writeCustomer(w, r, c, sel)
}

// DELETE /admin/customers/{id}
//
// The host deletes its customer, then tells the library to forget it (ForgetCustomer), so no
// group keeps it. The row goes first, so that the customer check refuses to add it again
// meanwhile; when forgetting fails, the same DELETE can be sent again to finish.
func (a *API) deleteCustomer(w http.ResponseWriter, r *http.Request) error {
	if err := noIfMatch(r); err != nil {
		return err
	}
	if err := noParams(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := customergroup.ValidateID("id", id); err != nil {
		return groupError(err, "", "")
	}
	existed, err := a.customers.deleteCustomer(r.Context(), id)
	if err != nil {
		return err
	}
	forgotten, err := a.svc.ForgetCustomer(r.Context(), id)
	if err != nil {
		return groupError(err, "", "")
	}
	if !existed && forgotten == 0 {
		return customerNotFound(id)
	}
	writeJSON(w, http.StatusOK, object{{"id", id}, {"object", "customer"}, {"deleted", true}})
	return nil
}

// POST /admin/customers/{id}/customer-groups
//
// Adds the customer to the groups in add, then removes it from those in remove. Every group is
// checked to exist before anything changes (404 naming the unknown ones); each group's change
// is atomic, the request as a whole is not (a group deleted meanwhile answers 404 after the
// groups before it changed; sending the request again completes it).
func (a *API) batchCustomerGroups(w http.ResponseWriter, r *http.Request) error {
	if err := noIfMatch(r); err != nil {
		return err
	}
	sel, err := a.fieldsOnly(r, customerSchema)
	if err != nil {
		return err
	}
	add, remove, err := a.readLinks(w, r, "group")
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	ctx := r.Context()
	c, err := a.customers.customer(ctx, id)
	if errors.Is(err, errNoCustomer) {
		return customerNotFound(id)
	}
	if err != nil {
		return err
	}
	if err := a.groupsExist(ctx, append(slices.Clone(add), remove...)); err != nil {
		return err
	}
	for _, g := range add {
		if _, err := a.svc.AddCustomers(ctx, g, []string{id}); err != nil {
			return groupError(err, g, "")
		}
	}
	for _, g := range remove {
		if _, err := a.svc.RemoveCustomers(ctx, g, []string{id}); err != nil {
			return groupError(err, g, "")
		}
	}
	return a.writeCustomer(w, r, c, sel)
}

// groupsExist answers 404 naming the ids that are no group's.
func (a *API) groupsExist(ctx context.Context, ids []string) error {
	found := map[string]bool{}
	for chunk := range slices.Chunk(ids, customergroup.MaxPageSize) {
		page, err := a.svc.List(ctx, customergroup.Query{IDs: chunk, Limit: customergroup.MaxPageSize})
		if err != nil {
			return groupError(err, "", "")
		}
		for _, g := range page.Groups {
			found[g.ID] = true
		}
	}
	var missing []string
	for _, id := range ids {
		if !found[id] && !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return notFound("Customer groups with ids: %s were not found", joinIDs(missing, 10))
	}
	return nil
}
