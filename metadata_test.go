package customergroup_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/b02aa859/customergroup"
)

type entry = customergroup.Entry

// md builds a table from alternating keys and values, failing the test on error.
func md(t *testing.T, kv ...string) customergroup.Metadata {
	t.Helper()
	if len(kv)%2 != 0 {
		t.Fatalf("md: odd number of arguments %q", kv)
	}
	entries := make([]entry, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		entries = append(entries, entry{Key: kv[i], Value: kv[i+1]})
	}
	m, err := customergroup.MetadataOf(entries...)
	if err != nil {
		t.Fatalf("MetadataOf(%q): %v", kv, err)
	}
	return m
}

// flat lists a table as alternating keys and values, for comparisons.
func flat(m customergroup.Metadata) []string {
	out := []string{}
	for k, v := range m.All() {
		out = append(out, k, v)
	}
	return out
}

// isInvalid checks err is ErrInvalid, a *ValidationError whose Field contains field.
func isInvalid(t *testing.T, err error, field string) *customergroup.ValidationError {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want ErrInvalid naming %q", field)
	}
	if !errors.Is(err, customergroup.ErrInvalid) {
		t.Fatalf("error %v (%T) is not ErrInvalid", err, err)
	}
	var ve *customergroup.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
	}
	if !strings.Contains(ve.Field, field) {
		t.Fatalf("error %v: Field %q does not name %q", err, ve.Field, field)
	}
	if !strings.Contains(err.Error(), field) {
		t.Fatalf("error text %q does not name %q", err.Error(), field)
	}
	return ve
}

func TestMetadataZeroValue(t *testing.T) {
	is := is.New(t)
	var m customergroup.Metadata
	is.Equal(m.Len(), 0)
	_, ok := m.Get("a")
	is.True(!ok)
	is.Equal(m.Index("a"), -1)
	is.True(m.Entries() != nil) // never nil
	is.Equal(len(m.Entries()), 0)
	is.True(m.Equal(customergroup.Metadata{}))
	is.True(m.Clone().Equal(m))
	b, err := json.Marshal(m)
	is.NoErr(err)
	is.Equal(string(b), "{}")
	is.Equal(m.String(), "{}")

	is.NoErr(m.Set("a", "1")) // ready to use
	is.Equal(flat(m), []string{"a", "1"})
}

func TestMetadataOf(t *testing.T) {
	t.Run("keeps order and trims keys", func(t *testing.T) {
		is := is.New(t)
		m, err := customergroup.MetadataOf(entry{"z", "1"}, entry{" a\t", " 2 "}, entry{"m", ""})
		is.NoErr(err)
		is.Equal(flat(m), []string{"z", "1", "a", " 2 ", "m", ""}) // values are kept as they are
	})
	t.Run("no entries", func(t *testing.T) {
		is := is.New(t)
		m, err := customergroup.MetadataOf()
		is.NoErr(err)
		is.Equal(m.Len(), 0)
		is.True(m.Equal(customergroup.Metadata{}))
	})
	t.Run("duplicate key names the row and the key", func(t *testing.T) {
		is := is.New(t)
		m, err := customergroup.MetadataOf(entry{"a", "1"}, entry{"b", "2"}, entry{" a ", "3"})
		ve := isInvalid(t, err, "metadata[2]")
		is.Equal(ve.Field, `metadata[2] (metadata["a"])`)
		is.Equal(m.Len(), 0)
	})
	for _, tc := range []struct{ name, key, field string }{
		{"empty key", "", "metadata[0]"},
		{"blank key", "  ", "metadata[0]"},
		{"control character", "a\x00b", `"a\x00b"`},
		{"invalid UTF-8", "a\xffb", "metadata[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := customergroup.MetadataOf(entry{tc.key, "v"})
			isInvalid(t, err, tc.field)
		})
	}
	t.Run("empty key in a later row", func(t *testing.T) {
		_, err := customergroup.MetadataOf(entry{"a", "1"}, entry{" ", "2"})
		ve := isInvalid(t, err, "metadata[1]")
		is.New(t).Equal(ve.Field, "metadata[1]")
	})
	t.Run("invalid UTF-8 value", func(t *testing.T) {
		_, err := customergroup.MetadataOf(entry{"ok", "v"}, entry{"k", "\xff"})
		isInvalid(t, err, `metadata[1] (metadata["k"])`)
	})
}

func TestMetadataAccessors(t *testing.T) {
	is := is.New(t)
	m := md(t, "color", "gold", "tier", "1", "note", "")

	is.Equal(m.Len(), 3)
	is.Equal(m.At(0), entry{"color", "gold"})
	is.Equal(m.At(2), entry{"note", ""})

	v, ok := m.Get("tier")
	is.True(ok)
	is.Equal(v, "1")
	v, ok = m.Get(" tier ") // keys are trimmed on lookup too
	is.True(ok)
	is.Equal(v, "1")
	v, ok = m.Get("note") // present with an empty value
	is.True(ok)
	is.Equal(v, "")
	_, ok = m.Get("Tier") // exact, case-sensitive match
	is.True(!ok)

	is.Equal(m.Index("color"), 0)
	is.Equal(m.Index("note"), 2)
	is.Equal(m.Index("missing"), -1)

	is.Equal(flat(m), []string{"color", "gold", "tier", "1", "note", ""})
	var first []string
	for k := range m.All() { // stopping early is allowed
		first = append(first, k)
		break
	}
	is.Equal(first, []string{"color"})

	es := m.Entries()
	is.Equal(es, []entry{{"color", "gold"}, {"tier", "1"}, {"note", ""}})
	es[0].Value = "changed" // a copy
	is.Equal(m.At(0).Value, "gold")

	c := m.Clone()
	is.True(c.Equal(m))
	is.NoErr(c.Set("color", "silver")) // shares nothing
	is.NoErr(c.Set("extra", "x"))
	is.Equal(m.At(0).Value, "gold")
	is.Equal(m.Len(), 3)
	is.True(!c.Equal(m))

	is.Equal(m.String(), `{"color":"gold","tier":"1","note":""}`)
}

func TestMetadataAtOutOfRangePanics(t *testing.T) {
	is := is.New(t)
	m := md(t, "a", "1")
	defer func() { is.True(recover() != nil) }()
	_ = m.At(1)
}

func TestMetadataEqual(t *testing.T) {
	is := is.New(t)
	a := md(t, "a", "1", "b", "2")
	is.True(a.Equal(md(t, "a", "1", "b", "2")))
	is.True(!a.Equal(md(t, "b", "2", "a", "1"))) // order matters
	is.True(!a.Equal(md(t, "a", "1", "b", "3"))) // values matter
	is.True(!a.Equal(md(t, "a", "1")))
	is.True(md(t).Equal(customergroup.Metadata{})) // empty equals zero
}

func TestMetadataSet(t *testing.T) {
	t.Run("replaces in place", func(t *testing.T) {
		is := is.New(t)
		m := md(t, "a", "1", "b", "2", "c", "3")
		is.NoErr(m.Set("b", "two"))
		is.Equal(flat(m), []string{"a", "1", "b", "two", "c", "3"})
		is.NoErr(m.Set(" c ", "three")) // trimmed key finds the row
		is.Equal(flat(m), []string{"a", "1", "b", "two", "c", "three"})
	})
	t.Run("appends a new key", func(t *testing.T) {
		is := is.New(t)
		m := md(t, "a", "1")
		is.NoErr(m.Set("  z  ", "26"))
		is.Equal(flat(m), []string{"a", "1", "z", "26"})
		is.NoErr(m.Set("A", "case-sensitive")) // a different key
		is.Equal(m.Len(), 3)
	})
	for _, tc := range []struct{ name, key, value, field string }{
		{"empty key", "", "v", `metadata[""]`},
		{"blank key", " \t\n", "v", `metadata[""]`},
		{"newline inside key", "a\nb", "v", `"a\nb"`},
		{"NUL in key", "a\x00", "v", `"a\x00"`},
		{"DEL in key", "a\x7f", "v", `"a\x7f"`},
		{"C1 control in key", "a\u0085b", "v", `"a\u0085b"`},
		{"invalid UTF-8 key", "\xc3", "v", "metadata"},
		{"invalid UTF-8 value", "a", "\xc3", `"a"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			m := md(t, "a", "1")
			isInvalid(t, m.Set(tc.key, tc.value), tc.field)
			is.Equal(flat(m), []string{"a", "1"}) // unchanged
		})
	}
	t.Run("values may hold anything valid", func(t *testing.T) {
		is := is.New(t)
		var m customergroup.Metadata
		is.NoErr(m.Set("multi", "line\none\ttab \x00"))
		v, _ := m.Get("multi")
		is.Equal(v, "line\none\ttab \x00")
	})
}

func TestMetadataInsert(t *testing.T) {
	base := func(t *testing.T) customergroup.Metadata { return md(t, "a", "1", "b", "2", "c", "3") }
	for _, tc := range []struct {
		name string
		i    int
		want []string
	}{
		{"at 0 (above the first row)", 0, []string{"x", "X", "a", "1", "b", "2", "c", "3"}},
		{"in the middle", 1, []string{"a", "1", "x", "X", "b", "2", "c", "3"}},
		{"at Len (below the last row)", 3, []string{"a", "1", "b", "2", "c", "3", "x", "X"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			m := base(t)
			is.NoErr(m.Insert(tc.i, "x", "X"))
			is.Equal(flat(m), tc.want)
		})
	}
	t.Run("editor: insert row above and below", func(t *testing.T) {
		is := is.New(t)
		m := base(t)
		row := m.Index("b")
		is.NoErr(m.Insert(row, "above", "")) // "Insert row above" row b
		row = m.Index("b")
		is.NoErr(m.Insert(row+1, "below", "")) // "Insert row below" row b
		is.Equal(flat(m), []string{"a", "1", "above", "", "b", "2", "below", "", "c", "3"})
	})
	t.Run("into an empty table", func(t *testing.T) {
		is := is.New(t)
		var m customergroup.Metadata
		is.NoErr(m.Insert(0, "k", "v"))
		is.Equal(flat(m), []string{"k", "v"})
	})
	t.Run("trims the key", func(t *testing.T) {
		is := is.New(t)
		m := base(t)
		is.NoErr(m.Insert(0, " x ", "X"))
		is.Equal(m.At(0).Key, "x")
	})
	for _, i := range []int{-1, 4, 100} {
		t.Run("out of range", func(t *testing.T) {
			is := is.New(t)
			m := base(t)
			ve := isInvalid(t, m.Insert(i, "x", "X"), "metadata[")
			is.Equal(ve.Field, "metadata["+itoa(i)+"]")
			is.Equal(flat(m), flat(base(t)))
		})
	}
	for _, key := range []string{"b", " b ", "c"} {
		t.Run("duplicate key "+key, func(t *testing.T) {
			is := is.New(t)
			m := base(t)
			isInvalid(t, m.Insert(0, key, "dup"), `"`+strings.TrimSpace(key)+`"`)
			is.Equal(flat(m), flat(base(t))) // unchanged
		})
	}
	for key, field := range map[string]string{"": "metadata[1]", " ": "metadata[1]", "tab\tinside": `"tab\tinside"`, "\x1b[31m": `"\x1b[31m"`} {
		t.Run("bad key", func(t *testing.T) {
			is := is.New(t)
			m := base(t)
			isInvalid(t, m.Insert(1, key, "v"), field)
			is.Equal(flat(m), flat(base(t)))
		})
	}
}

func TestMetadataSetAt(t *testing.T) {
	base := func(t *testing.T) customergroup.Metadata { return md(t, "a", "1", "b", "2", "c", "3") }
	t.Run("value only", func(t *testing.T) {
		is := is.New(t)
		m := base(t)
		is.NoErr(m.SetAt(1, "b", "two"))
		is.Equal(flat(m), []string{"a", "1", "b", "two", "c", "3"})
	})
	t.Run("rename the key in place", func(t *testing.T) {
		is := is.New(t)
		m := base(t)
		is.NoErr(m.SetAt(1, " bee ", "2"))
		is.Equal(flat(m), []string{"a", "1", "bee", "2", "c", "3"})
		is.Equal(m.Index("b"), -1)
	})
	t.Run("to its own key", func(t *testing.T) {
		is := is.New(t)
		m := base(t)
		is.NoErr(m.SetAt(2, "c", "3"))
		is.NoErr(m.SetAt(2, "  c", "x")) // its own key, untrimmed
		is.Equal(flat(m), []string{"a", "1", "b", "2", "c", "x"})
	})
	t.Run("to another row's key", func(t *testing.T) {
		is := is.New(t)
		m := base(t)
		isInvalid(t, m.SetAt(2, "a", "x"), `"a"`)
		is.Equal(flat(m), flat(base(t)))
	})
	t.Run("bad key or value", func(t *testing.T) {
		is := is.New(t)
		m := base(t)
		isInvalid(t, m.SetAt(0, "", "x"), "metadata[0]")
		isInvalid(t, m.SetAt(0, "a\rb", "x"), `"a\rb"`)
		isInvalid(t, m.SetAt(0, "a", "\xfe"), `"a"`)
		is.Equal(flat(m), flat(base(t)))
	})
	for _, i := range []int{-1, 3} {
		t.Run("out of range", func(t *testing.T) {
			is := is.New(t)
			m := base(t)
			ve := isInvalid(t, m.SetAt(i, "x", "x"), "metadata[")
			is.Equal(ve.Field, "metadata["+itoa(i)+"]")
			is.Equal(flat(m), flat(base(t)))
		})
	}
}

func TestMetadataDelete(t *testing.T) {
	is := is.New(t)
	m := md(t, "a", "1", "b", "2", "c", "3")
	is.True(m.Delete(" b ")) // trimmed
	is.Equal(flat(m), []string{"a", "1", "c", "3"})
	is.True(!m.Delete("b"))
	is.True(!m.Delete("A"))
	is.Equal(flat(m), []string{"a", "1", "c", "3"})
	is.True(m.Delete("a"))
	is.True(m.Delete("c"))
	is.Equal(m.Len(), 0)
	is.True(!m.Delete("a"))
}

func TestMetadataDeleteAt(t *testing.T) {
	is := is.New(t)
	m := md(t, "a", "1", "b", "2", "c", "3")
	is.NoErr(m.DeleteAt(1)) // "Delete row" on b
	is.Equal(flat(m), []string{"a", "1", "c", "3"})
	is.NoErr(m.DeleteAt(1)) // the last row
	is.Equal(flat(m), []string{"a", "1"})
	for _, i := range []int{-1, 1, 5} {
		ve := isInvalid(t, m.DeleteAt(i), "metadata[")
		is.Equal(ve.Field, "metadata["+itoa(i)+"]")
	}
	is.Equal(flat(m), []string{"a", "1"})
	is.NoErr(m.DeleteAt(0))
	isInvalid(t, m.DeleteAt(0), "metadata[0]")
}

func TestMetadataMove(t *testing.T) {
	base := func(t *testing.T) customergroup.Metadata { return md(t, "a", "1", "b", "2", "c", "3", "d", "4") }
	keys := func(m customergroup.Metadata) string {
		var b strings.Builder
		for k := range m.All() {
			b.WriteString(k)
		}
		return b.String()
	}
	for _, tc := range []struct {
		from, to int
		want     string
	}{
		{0, 2, "bcad"}, // down: the rows between shift up
		{0, 3, "bcda"},
		{3, 0, "dabc"}, // up: the rows between shift down
		{2, 1, "acbd"},
		{1, 1, "abcd"},
	} {
		m := base(t)
		is.New(t).NoErr(m.Move(tc.from, tc.to))
		if got := keys(m); got != tc.want {
			t.Errorf("Move(%d, %d) = %s, want %s", tc.from, tc.to, got, tc.want)
		}
	}
	for _, tc := range []struct {
		from, to int
		field    string
	}{
		{-1, 0, "metadata[-1]"},
		{4, 0, "metadata[4]"},
		{0, 4, "metadata[4]"}, // Len is not a position to move to
		{0, -1, "metadata[-1]"},
	} {
		m := base(t)
		ve := isInvalid(t, m.Move(tc.from, tc.to), tc.field)
		is.New(t).Equal(ve.Field, tc.field)
		is.New(t).Equal(keys(m), "abcd")
	}
	t.Run("values travel with their keys", func(t *testing.T) {
		is := is.New(t)
		m := base(t)
		is.NoErr(m.Move(3, 1))
		is.Equal(flat(m), []string{"a", "1", "d", "4", "b", "2", "c", "3"})
	})
}

func TestMetadataValidate(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		is := is.New(t)
		is.Equal(customergroup.DefaultLimits, customergroup.Limits{MaxEntries: 256, MaxKeyBytes: 128, MaxValueBytes: 8 << 10})
		is.NoErr(md(t, "a", "1").Validate(customergroup.DefaultLimits))
		is.NoErr(customergroup.Metadata{}.Validate(customergroup.DefaultLimits))
	})
	t.Run("entries", func(t *testing.T) {
		is := is.New(t)
		m := md(t, "a", "1", "b", "2", "c", "3")
		is.NoErr(m.Validate(customergroup.Limits{MaxEntries: 3}))
		ve := isInvalid(t, m.Validate(customergroup.Limits{MaxEntries: 2}), "metadata")
		is.True(strings.Contains(ve.Problem, "3"))
	})
	t.Run("key bytes", func(t *testing.T) {
		is := is.New(t)
		m := md(t, "ok", "1", "éé", "2") // 4 bytes, 2 characters
		is.NoErr(m.Validate(customergroup.Limits{MaxKeyBytes: 4}))
		isInvalid(t, m.Validate(customergroup.Limits{MaxKeyBytes: 3}), `metadata["éé"]`)
	})
	t.Run("value bytes", func(t *testing.T) {
		is := is.New(t)
		m := md(t, "short", "x", "long", strings.Repeat("€", 3)) // 9 bytes
		is.NoErr(m.Validate(customergroup.Limits{MaxValueBytes: 9}))
		isInvalid(t, m.Validate(customergroup.Limits{MaxValueBytes: 8}), `metadata["long"]`)
	})
	t.Run("zero limits mean none", func(t *testing.T) {
		is := is.New(t)
		var m customergroup.Metadata
		for i := range 300 {
			is.NoErr(m.Set(strings.Repeat("k", 200)+itoa(i), strings.Repeat("v", 9000)))
		}
		is.NoErr(m.Validate(customergroup.Limits{}))
		isInvalid(t, m.Validate(customergroup.DefaultLimits), "metadata")
	})
}

func TestMetadataMarshalJSON(t *testing.T) {
	t.Run("keys in order", func(t *testing.T) {
		is := is.New(t)
		m := md(t, "z", "26", "a", "1", "m", "13")
		b, err := json.Marshal(m)
		is.NoErr(err)
		is.Equal(string(b), `{"z":"26","a":"1","m":"13"}`)
	})
	t.Run("escaping", func(t *testing.T) {
		is := is.New(t)
		m := md(t, `say "hi"`, `back\slash`, "html", "<b>&</b>", "unicode", "é€😀", "ctl", "a\nb\x00")
		b, err := m.MarshalJSON()
		is.NoErr(err)
		is.True(json.Valid(b))
		is.Equal(string(b), `{"say \"hi\"":"back\\slash","html":"\u003cb\u003e\u0026\u003c/b\u003e","unicode":"é€😀","ctl":"a\nb\u0000"}`)
		var back customergroup.Metadata
		is.NoErr(json.Unmarshal(b, &back))
		is.True(back.Equal(m))
	})
	t.Run("inside a struct", func(t *testing.T) {
		is := is.New(t)
		type doc struct {
			Name     string                 `json:"name"`
			Metadata customergroup.Metadata `json:"metadata"`
		}
		in := doc{Name: "VIP", Metadata: md(t, "b", "2", "a", "1")}
		b, err := json.Marshal(in)
		is.NoErr(err)
		is.Equal(string(b), `{"name":"VIP","metadata":{"b":"2","a":"1"}}`)
		var out doc
		is.NoErr(json.Unmarshal(b, &out))
		is.True(out.Metadata.Equal(in.Metadata))
		p := &in.Metadata // pointer receivers marshal alike
		b, err = json.Marshal(p)
		is.NoErr(err)
		is.Equal(string(b), `{"b":"2","a":"1"}`)
	})
}

func TestMetadataUnmarshalJSON(t *testing.T) {
	t.Run("keeps document order", func(t *testing.T) {
		is := is.New(t)
		var m customergroup.Metadata
		is.NoErr(json.Unmarshal([]byte(` { "z" : "26", "a":"1" ,"m":"" } `), &m))
		is.Equal(flat(m), []string{"z", "26", "a", "1", "m", ""})
	})
	t.Run("trims keys, keeps values", func(t *testing.T) {
		is := is.New(t)
		var m customergroup.Metadata
		is.NoErr(json.Unmarshal([]byte(`{" k ":" v "}`), &m))
		is.Equal(flat(m), []string{"k", " v "})
	})
	t.Run("escapes", func(t *testing.T) {
		is := is.New(t)
		var m customergroup.Metadata
		is.NoErr(json.Unmarshal([]byte(`{"\u00e9":"\"\\\n\u20ac"}`), &m))
		is.Equal(flat(m), []string{"é", "\"\\\n€"})
	})
	t.Run("empty object", func(t *testing.T) {
		is := is.New(t)
		m := md(t, "old", "x")
		is.NoErr(json.Unmarshal([]byte(`{}`), &m))
		is.Equal(m.Len(), 0)
	})
	t.Run("null is an empty table", func(t *testing.T) {
		is := is.New(t)
		m := md(t, "old", "x")
		is.NoErr(m.UnmarshalJSON([]byte(`null`)))
		is.Equal(m.Len(), 0)
		m = md(t, "old", "x")
		is.NoErr(json.Unmarshal([]byte(` null `), &m))
		is.Equal(m.Len(), 0)
	})
	t.Run("replaces what was there", func(t *testing.T) {
		is := is.New(t)
		m := md(t, "old", "x")
		is.NoErr(json.Unmarshal([]byte(`{"new":"y"}`), &m))
		is.Equal(flat(m), []string{"new", "y"})
	})
	for _, tc := range []struct{ name, doc, field string }{
		{"duplicate key", `{"a":"1","b":"2","a":"3"}`, `metadata["a"]`},
		{"duplicate after trimming", `{"a":"1"," a":"3"}`, `metadata["a"]`},
		{"number value", `{"ok":"1","n":1.5}`, `metadata["n"]`},
		{"integer value", `{"n":1}`, `metadata["n"]`},
		{"true value", `{"b":true}`, `metadata["b"]`},
		{"false value", `{"b":false}`, `metadata["b"]`},
		{"null value", `{"z":null}`, `metadata["z"]`},
		{"array value", `{"arr":["x"]}`, `metadata["arr"]`},
		{"object value", `{"obj":{"x":"y"}}`, `metadata["obj"]`},
		{"control character in key", `{"a\u0001":"x"}`, `metadata["a\x01"]`},
		{"empty key", `{"":"x"}`, `metadata[0]`},
		{"empty key after others", `{"a":"1","  ":"x"}`, `metadata[1]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			m := md(t, "old", "x")
			err := m.UnmarshalJSON([]byte(tc.doc))
			isInvalid(t, err, tc.field)
			is.Equal(flat(m), []string{"old", "x"}) // unchanged on error
			err = json.Unmarshal([]byte(tc.doc), &m)
			isInvalid(t, err, tc.field) // through encoding/json too
		})
	}
	t.Run("non-string values say what they are", func(t *testing.T) {
		is := is.New(t)
		for doc, kind := range map[string]string{
			`{"k":1}`:      "number",
			`{"k":true}`:   "boolean",
			`{"k":null}`:   "null",
			`{"k":[]}`:     "array",
			`{"k":{}}`:     "object",
			`{"k":"s"}`:    "",
			`{"k":-0.5e3}`: "number",
		} {
			var m customergroup.Metadata
			err := m.UnmarshalJSON([]byte(doc))
			if kind == "" {
				is.NoErr(err)
				continue
			}
			ve := isInvalid(t, err, `metadata["k"]`)
			is.True(strings.Contains(ve.Problem, kind)) // says which kind
		}
	})
	for _, doc := range []string{``, `[]`, `["a","b"]`, `"s"`, `1`, `true`, `{`, `{"a"`, `{"a":`, `{"a":"1"`, `{"a":"1",}`, `{"a":"1"}x`, `{"a":"1"}{}`, `{1:"x"}`} {
		t.Run("not an object "+doc, func(t *testing.T) {
			is := is.New(t)
			m := md(t, "old", "x")
			isInvalid(t, m.UnmarshalJSON([]byte(doc)), "metadata")
			is.Equal(flat(m), []string{"old", "x"})
		})
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
