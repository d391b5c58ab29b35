package reliability

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	cg "github.com/b02aa859/customergroup"
	"github.com/b02aa859/customergroup/memstore"
	"github.com/b02aa859/customergroup/sqlstore"
)

// TestHostileInput feeds every string field and filter of the API hostile values: SQL
// injection aimed at the test's own tables, LIKE wildcards and escape characters, NUL bytes,
// invalid UTF-8, bidirectional overrides and other invisible characters, case-folding traps,
// huge strings; and hostile sizes: page sizes, filter lengths, huge and degenerate batches,
// time bounds out of range, forged cursors carrying hostile text, hostile table prefixes and
// batch sizes. On memstore, SQLite, PostgreSQL and MySQL/MariaDB, each value must be stored
// and matched literally (checked against the root package's own Query.Match as the oracle)
// or refused with ErrInvalid naming the field; never executed, never a panic. After every
// value, a full dump of the tables (and of a canary table the injections aim at) must equal
// the dump taken before the first one: nothing else in the database changed.
func TestHostileInput(t *testing.T) {
	stores := []struct {
		name string
		open func(t *testing.T) *hostileEnv
	}{
		{"memstore", func(t *testing.T) *hostileEnv { return newHostileEnv(t, "memstore", memstore.New(), nil) }},
		{"sqlite", func(t *testing.T) *hostileEnv { return sqlHostileEnv(t, sqliteBackend(t)) }},
		{"postgres", func(t *testing.T) *hostileEnv { return sqlHostileEnv(t, postgresBackend(t)) }},
		{"mysql", func(t *testing.T) *hostileEnv { return sqlHostileEnv(t, mysqlBackend(t)) }},
	}
	t.Parallel()
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			h := s.open(t)
			for _, p := range hostilePayloads(h.canary, h.groupsTable()) {
				t.Run(p.label, func(t *testing.T) { h.tryPayload(t, p.value) })
			}
			t.Run("Sizes", h.sizes)
			t.Run("Times", h.times)
			if h.tb != nil {
				t.Run("StoreOptions", h.storeOptions)
			}
		})
	}
}

type payload struct{ label, value string }

// hostilePayloads are the values every field gets. canary and groups are the names of tables
// the injections aim at.
func hostilePayloads(canary, groups string) []payload {
	huge := 64 << 10 // far over every limit; 1 MiB with CUSTOMERGROUP_RELIABILITY=full
	if full() {
		huge = 1 << 20
	}
	if canary == "" {
		canary, groups = "canary", "customer_groups"
	}
	ps := []payload{
		// SQL injection, aimed at this test's own tables.
		{"quote", `'`},
		{"two quotes", `''`},
		{"double quote", `"`},
		{"drop canary", `'; DROP TABLE ` + canary + `; --`},
		{"drop canary double quoted", `"; DROP TABLE ` + canary + `; --`},
		{"or true", `' OR '1'='1`},
		{"paren or true", `') OR 1=1 --`},
		{"delete groups", `1; DELETE FROM ` + groups},
		{"update counts", `'; UPDATE ` + groups + ` SET customer_count = 99; --`},
		{"union", `' UNION SELECT id, name FROM ` + groups + ` --`},
		{"backslash quote", `\'; DROP TABLE ` + canary + `; --`},
		{"backslash", `\`},
		{"two backslashes", `\\`},
		{"pg sleep", `'; SELECT pg_sleep(10); --`},
		{"mysql sleep", `' AND SLEEP(10) AND '1'='1`},
		{"dollar placeholder", `$1`},
		{"dollar quote", `$$; DROP TABLE ` + canary + `; $$`},
		{"question mark", `?`},
		{"named parameter", `:name @var`},
		{"comments", `/* -- # */`},
		{"template tokens", `{groups} {members} {prefix} {migrations}`},
		{"format verbs", `%s %d %v %!`},
		{"pg escape string", `E'\x41' U&'\0041'`},
		{"cast", `x'::text`},
		{"hex literal", `0x41 CHAR(65)`},
		// LIKE and its escape characters.
		{"percent", `%`},
		{"underscore", `_`},
		{"percents", `%%`},
		{"underscore percent", `_%`},
		{"bang", `!`},
		{"bang percent", `!%`},
		{"bang underscore", `!_`},
		{"backslash percent", `\%`},
		{"backslash underscore", `\_`},
		{"brackets", `[a-z]`},
		{"negated brackets", `[^a]`},
		{"star", `*`},
		{"cotton", `100%`},
		{"a_b", `a_b`},
		{"escape keyword", `' ESCAPE '!`},
		// NUL and other control characters.
		{"nul", "a\x00b"},
		{"only nul", "\x00"},
		{"nul injection", "\x00'; DROP TABLE " + canary + "; --"},
		{"escape sequence", "\x1b[31mred"},
		{"delete char", "a\x7fb"},
		{"next line", "a\u0085b"},
		{"ctrl z", "a\x1ab"},
		{"newline", "a\nb"},
		{"tab", "a\tb"},
		// Invalid UTF-8.
		{"ff", "\xff"},
		{"fe ff", "a\xfe\xffb"},
		{"overlong slash", "a\xc0\xafb"},
		{"surrogate", "\xed\xa0\x80"},
		{"above max rune", "\xf4\x90\x80\x80"},
		{"lone continuation", "\x80"},
		{"truncated", "a\xe2\x82"},
		// Invisible and bidirectional characters.
		{"rtl override", "\u202egnp.exe"},
		{"bidi isolates", "abc\u202e\u2066def\u2069"},
		{"rtl mark", "\u200f"},
		{"zero width space", "\u200b"},
		{"bom", "\ufeff"},
		{"zero width joiner", "a\u200db"},
		{"line separator", "a\u2028b"},
		{"nbsp", "\u00a0"},
		{"ideographic space", "\u3000"},
		{"spaces", "   "},
		{"padded", "  padded  "},
		// Case folding and normalization traps.
		{"sharp s", "Straße"},
		{"SS", "STRASSE"},
		{"decomposed e", "e\u0301"},
		{"composed e", "é"},
		{"ligature", "ﬃ"},
		{"dotted I", "İ"},
		{"final sigma", "ς"},
		{"kelvin", "\u212a"},
		// Astral plane (MySQL needs utf8mb4).
		{"emoji", "😀"},
		{"family", "👨\u200d👩\u200d👧"},
		// Markup and JSON.
		{"json", `{"a":1}`},
		{"json escape", `\u0000`},
		{"null", "null"},
		{"script", `</script><script>alert(1)</script>`},
		// Numbers.
		{"zero", "0"},
		{"minus one", "-1"},
		{"huge number", "9223372036854775808"},
		{"NaN", "NaN"},
		// Sizes.
		{"empty", ""},
		{"255 a", strings.Repeat("a", 255)},
		{"256 a", strings.Repeat("a", 256)},
		{"255 é", strings.Repeat("é", 255)},
		{"256 é", strings.Repeat("é", 256)},
		{"255 quotes", strings.Repeat("'", 255)},
		{"300 percents", strings.Repeat("%", 300)},
		{"8 KiB", strings.Repeat("x", 8<<10)},
		{"8 KiB plus one", strings.Repeat("x", 8<<10+1)},
		{"huge", strings.Repeat("a", huge)},
		{"huge of quotes", strings.Repeat("';", huge/2)},
	}
	return ps
}

// hostileEnv is one store under attack, with bystander groups and a snapshot of everything.
type hostileEnv struct {
	name   string
	store  cg.Store
	svc    *cg.Service
	tb     *tables // nil for memstore
	canary string  // the canary table, "" for memstore
	by     []cg.CustomerGroup
	world  world  // the groups and members after setup
	before string // the dump after setup
}

// world is everything the stores hold, read through the Service.
type world struct {
	groups  []cg.CustomerGroup
	members map[string]map[string]bool
}

func newHostileEnv(t *testing.T, name string, s cg.Store, tb *tables) *hostileEnv {
	t.Helper()
	h := &hostileEnv{name: name, store: s, svc: cg.New(s), tb: tb}
	ctx := cg.WithActor(context.Background(), "setup")
	for i, n := range []string{"100% cotton", "a_b", "a!b", `back\slash`, "Straße", "plain", "ümlaut Ü", "quote'd", `dq"x`, "emoji 😀", "e\u0301cole"} {
		md, err := cg.MetadataOf(cg.Entry{Key: "tier", Value: "gold"}, cg.Entry{Key: "quote", Value: `it's "x" %_\`})
		if err != nil {
			t.Fatal(err)
		}
		g, err := h.svc.Create(ctx, cg.NewGroup{Name: n, Metadata: md})
		if err != nil {
			t.Fatalf("create %q: %v", n, err)
		}
		if _, err := h.svc.AddCustomers(ctx, g.ID, []string{fmt.Sprintf("m-%d-1", i), fmt.Sprintf("m-%d-2", i), "shared", "100%", "a_b"}); err != nil {
			t.Fatal(err)
		}
		h.by = append(h.by, g)
	}
	if tb != nil {
		h.canary = tb.prefix + "canary"
		for _, q := range []string{
			"CREATE TABLE " + h.canary + " (id INTEGER PRIMARY KEY, note VARCHAR(40) NOT NULL)",
			"INSERT INTO " + h.canary + " (id, note) VALUES (1, 'still here')",
		} {
			if _, err := tb.db.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	h.world = h.read(t)
	h.before = h.dump(t)
	return h
}

func sqlHostileEnv(t *testing.T, b backend) *hostileEnv {
	t.Helper()
	db := b.open(t, 4)
	tb := newTables(t, b, db)
	return newHostileEnv(t, b.name, tb.store, tb)
}

func (h *hostileEnv) groupsTable() string {
	if h.tb == nil {
		return ""
	}
	return h.tb.groups()
}

// read returns every group and membership, through the Service.
func (h *hostileEnv) read(t *testing.T) world {
	t.Helper()
	ctx := context.Background()
	w := world{members: map[string]map[string]bool{}}
	q := cg.Query{Limit: cg.MaxPageSize}
	for {
		p, err := h.svc.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		w.groups = append(w.groups, p.Groups...)
		if p.Next == "" {
			break
		}
		q.After = p.Next
	}
	for _, g := range w.groups {
		w.members[g.ID] = map[string]bool{}
		mq := cg.MemberQuery{Limit: cg.MaxPageSize}
		for {
			p, err := h.svc.ListCustomers(ctx, g.ID, mq)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range p.Members {
				w.members[g.ID][m.CustomerID] = true
			}
			if p.Next == "" {
				break
			}
			mq.After = p.Next
		}
	}
	return w
}

// dump is a full, ordered text dump of the store: every table with the prefix, row by row,
// on SQL stores; everything the Service reads on memstore.
func (h *hostileEnv) dump(t *testing.T) string {
	t.Helper()
	if h.tb == nil {
		w := h.read(t)
		var b strings.Builder
		for _, g := range w.groups {
			md, _ := g.Metadata.MarshalJSON()
			fmt.Fprintf(&b, "%q %q %s %d %q %v %v %d\n", g.ID, g.Name, md, g.CustomerCount, g.CreatedBy, g.CreatedAt, g.UpdatedAt, g.Version)
			ms := make([]string, 0, len(w.members[g.ID]))
			for m := range w.members[g.ID] {
				ms = append(ms, m)
			}
			slices.Sort(ms)
			fmt.Fprintf(&b, "  %q\n", ms)
		}
		return b.String()
	}
	ctx := context.Background()
	names, err := h.tb.ownTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "table %s\n", n)
		rows, err := h.tb.db.QueryContext(ctx, "SELECT * FROM "+n)
		if err != nil {
			t.Fatalf("dump %s: %v", n, err)
		}
		var lines []string
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var line strings.Builder
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&line, "%q ", fmt.Sprint(v))
			}
			lines = append(lines, line.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		slices.Sort(lines)
		b.WriteString(strings.Join(lines, "\n") + "\n")
	}
	return b.String()
}

// unchanged fails if the store differs from the dump taken after setup.
func (h *hostileEnv) unchanged(t *testing.T, what string) {
	t.Helper()
	if got := h.dump(t); got != h.before {
		t.Errorf("%s changed the database:\n%s", what, firstDiff(h.before, got))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d was %.300q\n        now %.300q", i, x, y)
		}
	}
	return "(same lines)"
}

// attempt runs one use of a hostile value, turning a panic into a test error and counting it.
// f reports whether the store took the value (true) or refused it (false).
func (h *hostileEnv) attempt(t *testing.T, what string, f func() bool) {
	t.Helper()
	stored := false
	start := time.Now()
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("%s: panic: %v", what, r)
			}
		}()
		stored = f()
	}()
	if d := time.Since(start); d > 5*time.Second {
		t.Logf("%s took %v", what, d.Round(time.Millisecond))
	}
	countHostile(h.name, stored)
}

// refused checks that err refuses the input with ErrInvalid naming field (a field ending in
// "*" is a prefix), and reports whether it did.
func refused(t *testing.T, what string, err error, field string) bool {
	t.Helper()
	var ve *cg.ValidationError
	switch {
	case err == nil:
		return false
	case !errors.As(err, &ve) || !errors.Is(err, cg.ErrInvalid):
		t.Errorf("%s: %v (%s), want ErrInvalid naming %s, or the value taken literally", what, err, errorClass(err), field)
	case strings.HasSuffix(field, "*") && !strings.HasPrefix(ve.Field, strings.TrimSuffix(field, "*")),
		!strings.HasSuffix(field, "*") && ve.Field != field:
		t.Errorf("%s: refused naming field %q, want %q: %v", what, ve.Field, field, err)
	}
	return true
}

// sameIDs compares the ids of a page with the expected ones.
func sameIDs(t *testing.T, what string, got []cg.CustomerGroup, want []string) {
	t.Helper()
	ids := make([]string, len(got))
	for i, g := range got {
		ids[i] = g.ID
	}
	if !slices.Equal(ids, want) {
		t.Errorf("%s: got %d groups %.200q, want %d %.200q", what, len(ids), ids, len(want), want)
	}
}

// expect is what List(q) must return over the world (plus extra groups), by the root package's
// own reading of the query: Query.Normalize, Match, Compare and Position. An error is the
// refusal the store must give too.
func (h *hostileEnv) expect(q cg.Query, extra ...cg.CustomerGroup) ([]string, error) {
	qn, err := q.Normalize()
	if err != nil {
		return nil, err
	}
	var pos cg.Position
	if qn.After != "" {
		if pos, err = qn.Position(); err != nil {
			return nil, err
		}
	}
	var out []cg.CustomerGroup
	for _, g := range append(slices.Clone(h.world.groups), extra...) {
		if !qn.Match(g) {
			continue
		}
		if qn.CustomerID != "" && !h.world.members[g.ID][qn.CustomerID] {
			continue
		}
		if qn.After != "" && qn.ComparePositions(qn.PositionOf(g), pos) <= 0 {
			continue
		}
		out = append(out, g)
	}
	slices.SortFunc(out, qn.Compare)
	if qn.Offset > len(out) {
		out = nil
	} else {
		out = out[qn.Offset:]
	}
	ids := make([]string, 0, len(out))
	for _, g := range out[:min(len(out), qn.Limit)] {
		ids = append(ids, g.ID)
	}
	return ids, nil
}

// list checks List(q) against expect, and reports whether the query was taken.
func (h *hostileEnv) list(t *testing.T, what string, q cg.Query, extra ...cg.CustomerGroup) bool {
	t.Helper()
	page, err := h.svc.List(context.Background(), q)
	want, werr := h.expect(q, extra...)
	if werr != nil {
		var ve *cg.ValidationError
		errors.As(werr, &ve)
		if err == nil {
			t.Errorf("%s: taken, but Normalize refuses it: %v", what, werr)
			return true
		}
		refused(t, what, err, ve.Field)
		return false
	}
	if err != nil {
		t.Errorf("%s: %v (%s); the query is valid and must be answered", what, err, errorClass(err))
		return false
	}
	sameIDs(t, what, page.Groups, want)
	return true
}

// tryPayload uses one hostile value in every field and filter, then checks the store is as
// it was.
func (h *hostileEnv) tryPayload(t *testing.T, p string) {
	ctx := context.Background()
	svc := h.svc
	by := h.by[0]
	trimmed := strings.TrimSpace(p)
	timed := strings.Contains(p, "sleep") || strings.Contains(p, "SLEEP")

	run := func(what string, f func() bool) {
		t.Helper()
		start := time.Now()
		h.attempt(t, what, f)
		if d := time.Since(start); timed && d > 8*time.Second {
			t.Errorf("%s took %v: was the sleep executed?", what, d)
		}
	}

	run("Create name", func() bool {
		g, err := svc.Create(ctx, cg.NewGroup{Name: p})
		if errors.Is(err, cg.ErrNameTaken) {
			for _, o := range h.world.groups {
				if cg.FoldName(o.Name) == cg.FoldName(trimmed) {
					return false // a bystander has that name: right
				}
			}
			t.Errorf("Create name: %v, but no group has that name", err)
			return false
		}
		if refused(t, "Create name", err, "name") {
			return false
		}
		defer h.drop(t, g.ID)
		if g.Name != trimmed {
			t.Errorf("Create stored name %.100q, want %.100q", g.Name, trimmed)
		}
		if got, err := svc.Get(ctx, g.ID); err != nil || got.Name != trimmed {
			t.Errorf("Get after Create: %.100q, %v", got.Name, err)
		}
		h.list(t, "List by the name", cg.Query{Names: []string{p}, Limit: cg.MaxPageSize}, g)
		h.list(t, "List searching the name", cg.Query{Search: p, Limit: cg.MaxPageSize}, g)
		h.list(t, "List by name, descending", cg.Query{Search: p, Sort: cg.SortByName, Desc: true, Limit: cg.MaxPageSize}, g)
		return true
	})
	run("Create id", func() bool {
		if p == "" { // an empty id asks for a generated one
			return true
		}
		g, err := svc.Create(ctx, cg.NewGroup{ID: p, Name: "hostile id"})
		if refused(t, "Create id", err, "id") {
			return false
		}
		defer h.drop(t, p)
		if g.ID != p {
			t.Errorf("Create stored id %.100q, want %.100q", g.ID, p)
		}
		if got, err := svc.Get(ctx, p); err != nil || got.ID != p || got.Name != "hostile id" {
			t.Errorf("Get(id): %+v, %v", got, err)
		}
		h.list(t, "List by the id", cg.Query{IDs: []string{p}, Limit: cg.MaxPageSize}, g)
		if _, err := svc.AddCustomers(ctx, p, []string{"c1"}); err != nil {
			t.Errorf("AddCustomers to the group: %v", err)
		}
		if ids, err := svc.GroupIDsOf(ctx, "c1"); err != nil || !slices.Equal(ids, []string{p}) {
			t.Errorf("GroupIDsOf: %.100q, %v", ids, err)
		}
		return true
	})
	for _, which := range []string{"key", "value"} {
		run("metadata "+which, func() bool {
			var m cg.Metadata
			var err error
			if which == "key" {
				err = m.Set(p, "v")
			} else {
				err = m.Set("k", p)
			}
			if refused(t, "Metadata.Set "+which, err, "metadata*") {
				return false
			}
			g, err := svc.Create(ctx, cg.NewGroup{Name: "hostile metadata", Metadata: m})
			if refused(t, "Create with the metadata "+which, err, "metadata*") {
				return false
			}
			defer h.drop(t, g.ID)
			got, err := svc.Get(ctx, g.ID)
			if err != nil || !got.Metadata.Equal(m) {
				t.Errorf("metadata %s did not round-trip: %v", which, err)
			}
			b, _ := got.Metadata.MarshalJSON()
			var back cg.Metadata
			if err := back.UnmarshalJSON(b); err != nil || !back.Equal(m) {
				t.Errorf("metadata %s did not round-trip through JSON: %v", which, err)
			}
			return true
		})
	}
	run("Create createdBy", func() bool {
		g, err := svc.Create(ctx, cg.NewGroup{Name: "hostile creator", CreatedBy: p})
		if refused(t, "Create createdBy", err, "createdBy") {
			return false
		}
		defer h.drop(t, g.ID)
		if got, err := svc.Get(ctx, g.ID); err != nil || got.CreatedBy != p {
			t.Errorf("CreatedBy stored as %.100q, %v", got.CreatedBy, err)
		}
		h.list(t, "List by creator", cg.Query{CreatedBy: p, Limit: cg.MaxPageSize}, g)
		return true
	})
	run("actor", func() bool {
		actx := cg.WithActor(ctx, p)
		_, err := svc.AddCustomers(actx, by.ID, []string{"actor-test"})
		if refused(t, "AddCustomers by the actor", err, "actor") {
			if in, _ := svc.IsMember(ctx, by.ID, "actor-test"); in {
				t.Errorf("a refused AddCustomers added a customer")
			}
			return false
		}
		defer svc.RemoveCustomers(ctx, by.ID, []string{"actor-test"})
		page, err := svc.ListCustomers(ctx, by.ID, cg.MemberQuery{Limit: cg.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.Members {
			if m.CustomerID == "actor-test" && m.AddedBy != p {
				t.Errorf("AddedBy stored as %.100q", m.AddedBy)
			}
		}
		return true
	})
	run("rename", func() bool {
		g, err := svc.Create(ctx, cg.NewGroup{Name: "hostile rename"})
		if err != nil {
			t.Fatal(err)
		}
		defer h.drop(t, g.ID)
		got, err := svc.Update(ctx, g.ID, cg.Update{Name: &p})
		if errors.Is(err, cg.ErrNameTaken) {
			return false
		}
		if refused(t, "Update name", err, "name") {
			if now, _ := svc.Get(ctx, g.ID); now.Version != 1 || now.Name != "hostile rename" {
				t.Errorf("a refused rename changed the group: %+v", now)
			}
			return false
		}
		if got.Name != trimmed || got.Version != 2 {
			t.Errorf("rename stored %.100q version %d", got.Name, got.Version)
		}
		return true
	})
	run("customer id", func() bool {
		// The bystanders have members too ("100%", "a_b", …): a payload that is one of them
		// must be found with them and left there.
		was := h.world.members[by.ID][p]
		want := []string{by.ID}
		elsewhere := 0
		for id, ms := range h.world.members {
			if ms[p] && id != by.ID {
				want = append(want, id)
				elsewhere++
			}
		}
		slices.Sort(want)
		added, err := svc.AddCustomers(ctx, by.ID, []string{"ok-1", p, "ok-2"})
		if refused(t, "AddCustomers", err, "customerIDs[1]") {
			if in, _ := svc.IsMember(ctx, by.ID, "ok-1"); in {
				t.Errorf("a refused batch added its valid ids")
			}
			return false
		}
		defer svc.RemoveCustomers(ctx, by.ID, []string{"ok-1", "ok-2"})
		if wantAdded := map[bool]int{true: 2, false: 3}[was]; added != wantAdded {
			t.Errorf("AddCustomers added %d, want %d", added, wantAdded)
		}
		if in, err := svc.IsMember(ctx, by.ID, p); err != nil || !in {
			t.Errorf("IsMember after AddCustomers: %v, %v", in, err)
		}
		if ids, err := svc.GroupIDsOf(ctx, p); err != nil || !slices.Equal(ids, want) {
			t.Errorf("GroupIDsOf: %.200q, %v; want %.200q", ids, err, want)
		}
		found := false
		q := cg.MemberQuery{Limit: 3}
		for {
			page, err := svc.ListCustomers(ctx, by.ID, q)
			if err != nil {
				t.Fatalf("ListCustomers: %v", err)
			}
			for _, m := range page.Members {
				found = found || m.CustomerID == p
			}
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
		if !found {
			t.Errorf("ListCustomers does not list the customer")
		}
		h.world.members[by.ID][p] = true
		h.list(t, "List by customer", cg.Query{CustomerID: p, Limit: cg.MaxPageSize})
		if !was {
			delete(h.world.members[by.ID], p)
		}
		switch {
		case was:
		case elsewhere == 0:
			if n, err := svc.ForgetCustomer(ctx, p); err != nil || n != 1 {
				t.Errorf("ForgetCustomer: %d, %v; want 1", n, err)
			}
		default:
			if n, err := svc.RemoveCustomers(ctx, by.ID, []string{p}); err != nil || n != 1 {
				t.Errorf("RemoveCustomers: %d, %v", n, err)
			}
		}
		return true
	})
	run("group id arguments", func() bool {
		stored := true
		notFound := func(what string, err error, field string) {
			switch {
			case errors.Is(err, cg.ErrNotFound):
			case refused(t, what, err, field):
				stored = false
			default:
				t.Errorf("%s of a group that does not exist: %v, want ErrNotFound", what, err)
			}
		}
		_, err := svc.Get(ctx, p)
		notFound("Get", err, "id")
		_, err = svc.Update(ctx, p, cg.Update{Name: ptr("x")})
		notFound("Update", err, "id")
		_, err = svc.EditMetadata(ctx, p, func(m *cg.Metadata) error { return m.Set("k", "v") })
		notFound("EditMetadata", err, "id")
		notFound("Delete", svc.Delete(ctx, p), "id")
		_, err = svc.AddCustomers(ctx, p, []string{"x"})
		notFound("AddCustomers", err, "groupID")
		_, err = svc.RemoveCustomers(ctx, p, []string{"x"})
		notFound("RemoveCustomers", err, "groupID")
		_, err = svc.ListCustomers(ctx, p, cg.MemberQuery{})
		notFound("ListCustomers", err, "groupID")
		in, err := svc.IsMember(ctx, p, "x")
		if !refused(t, "IsMember", err, "groupID") && (err != nil || in) {
			t.Errorf("IsMember of a group that does not exist: %v, %v", in, err)
		}
		return stored
	})
	run("customer id lookups", func() bool {
		in, err := svc.IsMember(ctx, by.ID, p)
		if refused(t, "IsMember", err, "customerID") {
			return false
		}
		if err != nil || in != h.world.members[by.ID][p] {
			t.Errorf("IsMember: %v, %v", in, err)
		}
		ids, err := svc.GroupIDsOf(ctx, p)
		if !refused(t, "GroupIDsOf", err, "customerID") && (err != nil || ids == nil) {
			t.Errorf("GroupIDsOf: %v, %v", ids, err)
		}
		if !h.world.members[by.ID][p] { // (the "customer id" attempt removes a member)
			if n, err := svc.RemoveCustomers(ctx, by.ID, []string{p}); !refused(t, "RemoveCustomers", err, "customerIDs[0]") && (err != nil || n != 0) {
				t.Errorf("RemoveCustomers of a non-member: %d, %v", n, err)
			}
		}
		return true
	})
	for _, f := range []struct {
		what string
		q    cg.Query
	}{
		{"search", cg.Query{Search: p}},
		{"search by name", cg.Query{Search: p, Sort: cg.SortByName}},
		{"ids filter", cg.Query{IDs: []string{p, by.ID}}},
		{"names filter", cg.Query{Names: []string{p, "plain"}}},
		{"customer filter", cg.Query{CustomerID: p}},
		{"creator filter", cg.Query{CreatedBy: p}},
		{"cursor", cg.Query{After: p}},
		{"forged name cursor", cg.Query{Sort: cg.SortByName, After: cg.Query{Sort: cg.SortByName}.NextCursor(cg.CustomerGroup{ID: p, Name: p})}},
		{"forged time cursor", cg.Query{After: cg.Query{}.NextCursor(cg.CustomerGroup{ID: p, CreatedAt: h.world.groups[3].CreatedAt})}},
		{"forged descending cursor", cg.Query{Sort: cg.SortByUpdatedAt, Desc: true, After: cg.Query{Sort: cg.SortByUpdatedAt, Desc: true}.NextCursor(cg.CustomerGroup{ID: p, UpdatedAt: h.world.groups[5].UpdatedAt})}},
		{"sort field", cg.Query{Sort: cg.SortField(p)}},
	} {
		run("List "+f.what, func() bool {
			return h.list(t, "List with hostile "+f.what, f.q)
		})
	}
	for _, f := range []struct {
		what string
		q    cg.MemberQuery
	}{
		{"member cursor", cg.MemberQuery{After: p}},
		{"forged member cursor", cg.MemberQuery{After: cg.MemberQuery{}.NextCursor(by.ID, p)}},
	} {
		run("ListCustomers "+f.what, func() bool {
			page, err := svc.ListCustomers(ctx, by.ID, f.q)
			after, perr := f.q.Position(by.ID)
			if perr != nil {
				if err == nil {
					t.Errorf("ListCustomers took a cursor that MemberQuery.Position refuses: %v", perr)
				}
				refused(t, "ListCustomers "+f.what, err, "after")
				return false
			}
			if refused(t, "ListCustomers "+f.what, err, "after") {
				return false
			}
			var want []string
			for m := range h.world.members[by.ID] {
				if m > after {
					want = append(want, m)
				}
			}
			slices.Sort(want)
			want = want[:min(len(want), cg.DefaultPageSize)]
			got := make([]string, len(page.Members))
			for i, m := range page.Members {
				got[i] = m.CustomerID
			}
			if !slices.Equal(got, want) {
				t.Errorf("ListCustomers after %.60q: %q, want %q", after, got, want)
			}
			return true
		})
	}
	if h.tb != nil {
		run("table prefix", func() bool {
			s, err := sqlstore.New(h.tb.db, h.tb.b.dialect, sqlstore.WithTablePrefix(p))
			if err == nil {
				if s.TablePrefix() != p {
					t.Errorf("TablePrefix() = %q, want %q", s.TablePrefix(), p)
				}
				// Taken only when it is a plain identifier: the check below proves it is.
				for _, r := range p {
					if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
						t.Errorf("table prefix %q taken", p)
					}
				}
				return true
			}
			refused(t, "WithTablePrefix", err, "tablePrefix")
			return false
		})
	}
	h.unchanged(t, fmt.Sprintf("the value %.60q", p))
}

func ptr[T any](v T) *T { return &v }

// drop deletes a group a test made.
func (h *hostileEnv) drop(t *testing.T, id string) {
	t.Helper()
	if err := h.svc.Delete(context.Background(), id); err != nil {
		t.Errorf("delete group %.60q: %v", id, err)
	}
}

// sizes tries hostile page sizes, filter lengths and batches.
func (h *hostileEnv) sizes(t *testing.T) {
	ctx := context.Background()
	svc := h.svc
	by := h.by[1]
	for _, c := range []struct {
		what  string
		q     cg.Query
		field string // "" when the query must be answered
	}{
		{"limit over the maximum", cg.Query{Limit: cg.MaxPageSize + 1}, "limit"},
		{"huge limit", cg.Query{Limit: math.MaxInt}, "limit"},
		{"negative limit", cg.Query{Limit: -1}, "limit"},
		{"negative offset", cg.Query{Offset: -1}, "offset"},
		{"offset and cursor", cg.Query{Offset: 1, After: cg.Query{}.NextCursor(h.world.groups[0])}, "after"},
		{"maximum limit", cg.Query{Limit: cg.MaxPageSize}, ""},
		{"huge offset", cg.Query{Offset: math.MaxInt32}, ""},
		{"enormous offset", cg.Query{Offset: 1 << 62}, ""},
		{"too many ids", cg.Query{IDs: make([]string, cg.MaxFilterValues+1)}, "ids"},
		{"too many names", cg.Query{Names: make([]string, cg.MaxFilterValues+1)}, "names"},
		{"the most ids", cg.Query{IDs: ids("nobody", 0, cg.MaxFilterValues)}, ""},
		{"the most names", cg.Query{Names: append(ids("nobody", 0, cg.MaxFilterValues-1), "Plain")}, ""},
	} {
		h.attempt(t, c.what, func() bool {
			taken := h.list(t, c.what, c.q)
			if c.field == "" && !taken {
				t.Errorf("%s: refused, want an answer", c.what)
			}
			if c.field != "" && taken {
				t.Errorf("%s: taken, want ErrInvalid naming %s", c.what, c.field)
			}
			return taken
		})
	}
	for _, c := range []struct {
		what  string
		q     cg.MemberQuery
		field string
	}{
		{"member limit over the maximum", cg.MemberQuery{Limit: cg.MaxPageSize + 1}, "limit"},
		{"negative member limit", cg.MemberQuery{Limit: -5}, "limit"},
		{"negative member offset", cg.MemberQuery{Offset: -1}, "offset"},
		{"enormous member offset", cg.MemberQuery{Offset: 1 << 62}, ""},
	} {
		h.attempt(t, c.what, func() bool {
			page, err := svc.ListCustomers(ctx, by.ID, c.q)
			if c.field != "" {
				if err == nil {
					t.Errorf("%s: taken", c.what)
				}
				refused(t, c.what, err, c.field)
				return false
			}
			if err != nil || len(page.Members) != 0 {
				t.Errorf("%s: %d members, %v", c.what, len(page.Members), err)
			}
			return true
		})
	}
	n := 20_000
	switch {
	case full():
		n = 200_000
	case testing.Short():
		n = 5_000
	}
	h.attempt(t, "huge batch of hostile ids", func() bool {
		batch := make([]string, n)
		shapes := []string{`'%d'`, `%%%d_`, `\%d\`, `"%d";--`, "é%d", "😀%d", "\u202e%d", "%d%%"}
		for i := range batch {
			batch[i] = fmt.Sprintf(shapes[i%len(shapes)], i)
		}
		added, err := svc.AddCustomers(ctx, by.ID, batch)
		if err != nil || added != n {
			t.Fatalf("AddCustomers of %d ids: %d, %v", n, added, err)
		}
		if g, err := svc.Get(ctx, by.ID); err != nil || g.CustomerCount != n+5 {
			t.Errorf("CustomerCount %d after adding %d to 5: %v", g.CustomerCount, n, err)
		}
		if in, err := svc.IsMember(ctx, by.ID, batch[n-1]); err != nil || !in {
			t.Errorf("IsMember of the last id: %v, %v", in, err)
		}
		removed, err := svc.RemoveCustomers(ctx, by.ID, batch)
		if err != nil || removed != n {
			t.Fatalf("RemoveCustomers of %d ids: %d, %v", n, removed, err)
		}
		return true
	})
	h.attempt(t, "batch of one id repeated", func() bool {
		batch := make([]string, n)
		for i := range batch {
			batch[i] = `'; DROP TABLE x; --`
		}
		added, err := svc.AddCustomers(ctx, by.ID, batch)
		if err != nil || added != 1 {
			t.Errorf("AddCustomers of one id %d times: %d, %v", n, added, err)
		}
		removed, err := svc.RemoveCustomers(ctx, by.ID, batch)
		if err != nil || removed != 1 {
			t.Errorf("RemoveCustomers of one id %d times: %d, %v", n, removed, err)
		}
		return true
	})
	h.attempt(t, "huge batch with one bad id at the end", func() bool {
		batch := ids("bad-batch", 0, n)
		batch[n-1] = "bad\x00id"
		_, err := svc.AddCustomers(ctx, by.ID, batch)
		refused(t, "a huge batch with one bad id", err, fmt.Sprintf("customerIDs[%d]", n-1))
		if in, _ := svc.IsMember(ctx, by.ID, batch[0]); in {
			t.Errorf("a refused batch added its valid ids")
		}
		return false
	})
	h.attempt(t, "metadata at every limit", func() bool {
		var m cg.Metadata
		for i := range cg.DefaultLimits.MaxEntries {
			key := fmt.Sprintf("%03d", i) + strings.Repeat("k", cg.DefaultLimits.MaxKeyBytes-3)
			if err := m.Set(key, strings.Repeat("😀", cg.DefaultLimits.MaxValueBytes/4)); err != nil {
				t.Fatal(err)
			}
		}
		g, err := svc.Create(ctx, cg.NewGroup{Name: "hostile huge metadata", Metadata: m})
		if err != nil {
			t.Fatalf("metadata at the limits (%d rows of %d-byte keys and %d-byte values): %v", m.Len(), cg.DefaultLimits.MaxKeyBytes, cg.DefaultLimits.MaxValueBytes, err)
		}
		defer h.drop(t, g.ID)
		if got, err := svc.Get(ctx, g.ID); err != nil || !got.Metadata.Equal(m) {
			t.Errorf("metadata at the limits did not round-trip: %v", err)
		}
		if err := m.Set("one more", "row"); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Update(ctx, g.ID, cg.Update{Metadata: &m})
		refused(t, "metadata over the row limit", err, "metadata*")
		return true
	})
	h.unchanged(t, "the hostile sizes")
}

// times tries time bounds and cursor times out of every store's range.
func (h *hostileEnv) times(t *testing.T) {
	far := []time.Time{
		time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(0, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(math.MaxInt64/1000, 0),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
	}
	for _, tm := range far {
		for _, q := range []cg.Query{
			{Created: cg.TimeRange{From: tm}},
			{Created: cg.TimeRange{To: tm}},
			{Updated: cg.TimeRange{From: tm}},
			{After: cg.Query{}.NextCursor(cg.CustomerGroup{ID: "x", CreatedAt: tm})},
		} {
			h.attempt(t, fmt.Sprintf("time %v", tm), func() bool {
				return h.list(t, fmt.Sprintf("time %v in %+v", tm, q), q)
			})
		}
	}
	h.unchanged(t, "the hostile times")
}

// storeOptions tries hostile batch sizes and prefixes on sqlstore.New.
func (h *hostileEnv) storeOptions(t *testing.T) {
	for _, n := range []int{-1, math.MinInt, 1_000_001, math.MaxInt} {
		h.attempt(t, fmt.Sprintf("batch size %d", n), func() bool {
			_, err := sqlstore.New(h.tb.db, h.tb.b.dialect, sqlstore.WithBatchSize(n))
			if err == nil {
				t.Errorf("WithBatchSize(%d) taken", n)
				return true
			}
			refused(t, fmt.Sprintf("WithBatchSize(%d)", n), err, "batchSize")
			return false
		})
	}
	for _, p := range []string{strings.Repeat("a", sqlstore.MaxTablePrefixLength+1), "1abc", "a-b", "a b", "a;b", "a\"b", "é"} {
		h.attempt(t, "prefix "+p, func() bool {
			_, err := sqlstore.New(h.tb.db, h.tb.b.dialect, sqlstore.WithTablePrefix(p))
			if err == nil {
				t.Errorf("WithTablePrefix(%q) taken", p)
				return true
			}
			refused(t, fmt.Sprintf("WithTablePrefix(%q)", p), err, "tablePrefix")
			return false
		})
	}
	h.unchanged(t, "the hostile store options")
}
