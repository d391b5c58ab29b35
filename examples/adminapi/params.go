package main

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/b02aa859/customergroup"
)

// params is a request's query string, read the way Medusa's server reads it (Express with
// the qs parser, which is also how @medusajs/js-sdk writes it): name=v, repeated names and
// name[]=v or name[0]=v for arrays, name[key]=v for objects such as created_at[$gte]=….
type params map[string]*param

type param struct {
	vals    []string            // name=v, name[]=v, name[N]=v
	array   bool                // written with brackets, or repeated
	obj     map[string][]string // name[key]=v, name[key][]=v
	objKeys []string            // keys of obj in the order they came
}

// parseParams parses a raw query string, keeping the order of values.
func parseParams(raw string) (params, error) {
	p := params{}
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, invalidData("Invalid request: the query string is not properly escaped near %q", pair)
		}
		base, rest, _ := strings.Cut(key, "[")
		if base == "" {
			return nil, invalidData("Invalid request: query parameter %q has no name", key)
		}
		pa := p[base]
		if pa == nil {
			pa = &param{}
			p[base] = pa
		}
		if rest == "" {
			if len(pa.vals) > 0 {
				pa.array = true
			}
			pa.vals = append(pa.vals, val)
			continue
		}
		segs, ok := brackets("[" + rest)
		if !ok || len(segs) > 2 {
			return nil, invalidData("Invalid request: query parameter %q is not of a form this API reads", key)
		}
		if isIndex(segs[0]) {
			if len(segs) > 1 {
				return nil, invalidData("Invalid request: query parameter %q is not of a form this API reads", key)
			}
			pa.array = true
			pa.vals = append(pa.vals, val)
			continue
		}
		if len(segs) == 2 && !isIndex(segs[1]) {
			return nil, invalidData("Invalid request: query parameter %q is not of a form this API reads", key)
		}
		if pa.obj == nil {
			pa.obj = map[string][]string{}
		}
		if _, seen := pa.obj[segs[0]]; !seen {
			pa.objKeys = append(pa.objKeys, segs[0])
		}
		pa.obj[segs[0]] = append(pa.obj[segs[0]], val)
	}
	for name, pa := range p {
		if pa.obj != nil && len(pa.vals) > 0 {
			return nil, invalidData("Invalid request: query parameter '%s' is given both as a value and as an object", name)
		}
		// Like Medusa, a one-element array written with brackets may list values with commas.
		if pa.array && len(pa.vals) == 1 {
			pa.vals = strings.Split(pa.vals[0], ",")
		}
	}
	return p, nil
}

// brackets splits "[a][b]" into a, b.
func brackets(s string) ([]string, bool) {
	var segs []string
	for s != "" {
		if s[0] != '[' {
			return nil, false
		}
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return nil, false
		}
		segs = append(segs, s[1:end])
		s = s[end+1:]
	}
	return segs, len(segs) > 0
}

func isIndex(seg string) bool {
	if seg == "" {
		return true
	}
	_, err := strconv.Atoi(seg)
	return err == nil
}

// check refuses every parameter not in known, naming them all.
func (p params) check(known ...string) error {
	var unknown []string
	for name := range p {
		if !slices.Contains(known, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return invalidData("Invalid request: Unrecognized fields: '%s'", strings.Join(unknown, ", "))
}

// scalar returns the single value of name.
func (p params) scalar(name string) (string, bool, error) {
	pa := p[name]
	if pa == nil {
		return "", false, nil
	}
	if pa.obj != nil || pa.array || len(pa.vals) != 1 {
		return "", false, invalidData("Invalid request: query parameter '%s' takes a single value", name)
	}
	return pa.vals[0], true, nil
}

// list returns the values of name, given once, repeated or as an array; nil when absent.
func (p params) list(name string) ([]string, error) {
	pa := p[name]
	if pa == nil {
		return nil, nil
	}
	if pa.obj != nil {
		return nil, invalidData("Invalid request: query parameter '%s' takes a value or a list of values, not an object", name)
	}
	return pa.vals, nil
}

// integer returns name as a non-negative integer, or def when absent.
func (p params) integer(name string, def int) (int, error) {
	s, ok, err := p.scalar(name)
	if err != nil || !ok {
		return def, err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, invalidData("Invalid request: query parameter '%s' must be a non-negative integer, not %q", name, s)
	}
	return n, nil
}

// timeRange reads a Medusa operator map on a time field (created_at[$gte]=…, [$gt], [$lt],
// [$lte], [$eq], or a plain value for equality) into a half-open range at the microsecond
// precision the library stores.
func (p params) timeRange(name string) (customergroup.TimeRange, error) {
	var r customergroup.TimeRange
	pa := p[name]
	if pa == nil {
		return r, nil
	}
	type op struct{ op, val string }
	var ops []op
	if pa.obj == nil {
		if pa.array || len(pa.vals) != 1 {
			return r, invalidData("Invalid request: query parameter '%s' takes one time or an operator map such as %s[$gte]=…", name, name)
		}
		ops = append(ops, op{"$eq", pa.vals[0]})
	}
	for _, k := range pa.objKeys {
		vs := pa.obj[k]
		if len(vs) != 1 {
			return r, invalidData("Invalid request: '%s[%s]' takes one time", name, k)
		}
		ops = append(ops, op{k, vs[0]})
	}
	from := func(t time.Time) {
		if r.From.IsZero() || t.After(r.From) {
			r.From = t
		}
	}
	to := func(t time.Time) {
		if r.To.IsZero() || t.Before(r.To) {
			r.To = t
		}
	}
	for _, o := range ops {
		t, err := parseTime(o.val)
		if err != nil {
			return r, invalidData("Invalid request: '%s[%s]': %q is not a time (use RFC 3339, such as 2024-05-01T12:00:00Z, or a date)", name, o.op, o.val)
		}
		floor := customergroup.Timestamp(t)
		ceil := floor
		if !floor.Equal(t) {
			ceil = floor.Add(time.Microsecond)
		}
		switch o.op {
		case "$gte":
			from(ceil)
		case "$gt":
			from(floor.Add(time.Microsecond))
		case "$lt":
			to(ceil)
		case "$lte":
			to(floor.Add(time.Microsecond))
		case "$eq":
			from(ceil)
			to(floor.Add(time.Microsecond))
		default:
			return r, invalidData("Invalid request: operator '%s' is not supported on '%s' (use $gt, $gte, $lt, $lte or $eq)", o.op, name)
		}
	}
	if !r.From.IsZero() && !r.To.IsZero() && !r.From.Before(r.To) {
		r.To = r.From // an empty range: matches nothing
	}
	return r, nil
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, strconv.ErrSyntax
}

// schema describes what an answer object can show, for the fields parameter: its own fields
// in answer order (id first) and its relations.
type schema struct {
	fields   []string
	defaults []string // shown when fields is absent
	rels     map[string]*schema
}

// selection is what one answer object shows.
type selection struct {
	fields map[string]bool
	rels   map[string]*selection
}

func (sc *schema) selectDefaults() *selection {
	sel := &selection{fields: map[string]bool{}, rels: map[string]*selection{}}
	for _, f := range sc.defaults {
		sel.fields[f] = true
	}
	return sel
}

func (sc *schema) selectAll() *selection {
	sel := &selection{fields: map[string]bool{}, rels: map[string]*selection{}}
	for _, f := range sc.fields {
		sel.fields[f] = true
	}
	return sel
}

// parseFields reads Medusa's fields parameter: a comma-separated list where "+f" adds a field
// to the defaults, "-f" removes one, "*rel" adds a relation with all its fields, and plain
// names ("name", "rel.f") select exactly those fields (id is always shown). An unknown field is
// refused.
func (sc *schema) parseFields(spec string) (*selection, error) {
	var toks []string
	for t := range strings.SplitSeq(spec, ",") {
		if t = strings.TrimSpace(t); t != "" {
			toks = append(toks, t)
		}
	}
	sel := sc.selectDefaults()
	for _, t := range toks {
		if c := t[0]; c != '+' && c != '-' && c != '*' {
			sel = &selection{fields: map[string]bool{"id": true}, rels: map[string]*selection{}}
			break
		}
	}
	for _, t := range toks {
		prefix := byte(0)
		if c := t[0]; c == '+' || c == '-' || c == '*' {
			prefix, t = c, t[1:]
		}
		relName, sub, dotted := strings.Cut(t, ".")
		if rel, ok := sc.rels[relName]; ok {
			if prefix == '-' {
				delete(sel.rels, relName)
				continue
			}
			rs := sel.rels[relName]
			switch {
			case prefix == '*' || !dotted || sub == "*":
				sel.rels[relName] = rel.selectAll()
			case slices.Contains(rel.fields, sub):
				if rs == nil {
					rs = &selection{fields: map[string]bool{"id": true}, rels: map[string]*selection{}}
					sel.rels[relName] = rs
				}
				rs.fields[sub] = true
			default:
				return nil, invalidData("Invalid request: Requested field '%s' is not a field of %s", t, relName)
			}
			continue
		}
		if dotted || prefix == '*' || !slices.Contains(sc.fields, t) {
			return nil, invalidData("Invalid request: Requested field '%s' is not a valid field", t)
		}
		if prefix == '-' {
			if t == "id" {
				return nil, invalidData("Invalid request: the field 'id' is always shown")
			}
			delete(sel.fields, t)
		} else {
			sel.fields[t] = true
		}
	}
	return sel, nil
}

// project keeps the members of o that sel shows, projecting relation lists in turn.
func (sel *selection) project(o object) object {
	out := make(object, 0, len(o))
	for _, m := range o {
		if sel.fields[m.Key] {
			out = append(out, m)
			continue
		}
		rs, ok := sel.rels[m.Key]
		if !ok {
			continue
		}
		if list, ok := m.Value.([]object); ok {
			pl := make([]object, len(list))
			for i, x := range list {
				pl[i] = rs.project(x)
			}
			out = append(out, member{m.Key, pl})
		}
	}
	return out
}
