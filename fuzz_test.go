package customergroup_test

// Native fuzz targets for the root package. The seeds (f.Add below and testdata/fuzz/<Name>/)
// run as ordinary tests with `go test .`; .ci/fuzz.sh runs each target briefly with -fuzz.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	cg "github.com/b02aa859/customergroup"
)

// fzRequireInvalid fails unless err is a *ValidationError matching ErrInvalid.
func fzRequireInvalid(t *testing.T, what string, err error) *cg.ValidationError {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: got no error, want ErrInvalid", what)
	}
	if !errors.Is(err, cg.ErrInvalid) {
		t.Fatalf("%s: error %v is not ErrInvalid", what, err)
	}
	var ve *cg.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("%s: error %v (%T) is not a *ValidationError", what, err, err)
	}
	if ve.Field == "" || ve.Problem == "" {
		t.Fatalf("%s: ValidationError %#v does not name the field and the problem", what, ve)
	}
	return ve
}

// fzIsControl is the test's own notion of a control character (Unicode category Cc): C0, DEL
// and C1.
func fzIsControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }

func fzHasControl(s string) bool { return strings.IndexFunc(s, fzIsControl) >= 0 }

// fzModelKey is the reference rule for a metadata key: the trimmed key, and whether the
// mutators accept it (valid UTF-8, non-empty after trimming, no control characters).
func fzModelKey(key string) (string, bool) {
	t := strings.TrimSpace(key)
	return t, utf8.ValidString(key) && t != "" && !fzHasControl(t)
}

// ---------------------------------------------------------------------------------------
// FuzzMetadataJSON

func FuzzMetadataJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `null`, ` null `, ` { } `, `{"a":"1","b":"2"}`, `{"b":"1","a":"2","c":""}`,
		`{"a":"1","a":"2"}`, `{" a ":"1","a":"2"}`, `{" a ":"x"}`, `{"":"x"}`, `{" ":"x"}`,
		`{"\t":"x"}`, `{"a\tb":"x"}`, `{"\u0000":"x"}`, `{"\u0085k\u00a0":"v"}`,
		`{"a":1}`, `{"a":null}`, `{"a":true}`, `{"a":["b"]}`, `{"a":{"b":"c"}}`, `{"a":1e999}`,
		`[]`, `"x"`, `1`, `true`, ``, ` `, `{`, `{"a"`, `{"a":`, `{"a":"b"`, `{"a" "b"}`,
		`{"a":"b",}`, `{,"a":"b"}`, `{"a":"b"}}`, `{"a":"b"}{}`, `{} x`, `null x`, `nullnull`,
		`null}`, `{"<&>":"\u2028\u2029"}`, `{"\ud800":"\udc00"}`, `{"é":"e\u0301"}`,
		"{\"a\":\"\xff\"}", "{\"\xfe\":\"x\"}", "\xef\xbb\xbf{}", `{"a":"\"\\\/\b\f\n\r\t"}`,
		`{"k1":"v","k2":"v","k3":"v","k4":"v","k5":"v","k6":"v","k7":"v","k8":"v"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		prev, err := cg.MetadataOf(cg.Entry{Key: "prev", Value: "row"})
		if err != nil {
			t.Fatal(err)
		}
		m := prev.Clone()
		err = m.UnmarshalJSON(b)
		if err != nil {
			fzRequireInvalid(t, "UnmarshalJSON", err)
			if !m.Equal(prev) {
				t.Fatalf("UnmarshalJSON failed (%v) but changed the table to %v", err, m)
			}
			fzCheckRefusalReason(t, b, err)
			return
		}

		// Accepted: it must be a valid JSON object (or null) of strings, and must read the
		// same pairs encoding/json reads into a map. Like encoding/json, invalid UTF-8 and
		// lone surrogates in the document's strings become U+FFFD (so the result is always
		// valid UTF-8); keys are trimmed, and unique after trimming.
		if !json.Valid(b) {
			t.Fatalf("UnmarshalJSON accepted %q, which is not valid JSON", b)
		}
		var mp map[string]string
		if err := json.Unmarshal(b, &mp); err != nil {
			t.Fatalf("UnmarshalJSON accepted %q, but encoding/json cannot read it as a map of strings: %v", b, err)
		}
		if len(mp) != m.Len() {
			t.Fatalf("UnmarshalJSON(%q) has %d rows, encoding/json reads %d distinct keys", b, m.Len(), len(mp))
		}
		for k, v := range mp {
			got, ok := m.Get(strings.TrimSpace(k))
			if !ok || got != v {
				t.Fatalf("UnmarshalJSON(%q): key %q is %q, %v; encoding/json reads %q", b, k, got, ok, v)
			}
		}
		if err := m.Validate(cg.Limits{}); err != nil {
			t.Fatalf("UnmarshalJSON(%q) gave a table that fails Validate: %v", b, err)
		}
		for i, e := range m.Entries() {
			if !utf8.ValidString(e.Key) || !utf8.ValidString(e.Value) {
				t.Fatalf("row %d %q is not valid UTF-8", i, e)
			}
		}
		if bytes.TrimSpace(b)[0] == '{' {
			// Document order is kept: the keys appear in the document in row order.
			fzCheckDocumentOrder(t, b, m)
		}

		// Marshal → Unmarshal → Marshal is byte-stable and keeps the rows in order.
		out1, err := m.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		if !json.Valid(out1) {
			t.Fatalf("MarshalJSON gave invalid JSON %q", out1)
		}
		var m2 cg.Metadata
		if err := m2.UnmarshalJSON(out1); err != nil {
			t.Fatalf("UnmarshalJSON(MarshalJSON()) = %v for %q", err, out1)
		}
		if !slices.Equal(m.Entries(), m2.Entries()) || !m.Equal(m2) {
			t.Fatalf("round trip changed the rows:\n%q\n%q", m.Entries(), m2.Entries())
		}
		out2, err := m2.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		if !bytes.Equal(out1, out2) {
			t.Fatalf("MarshalJSON is not stable:\n%s\n%s", out1, out2)
		}
		// json.Marshal goes through the same method.
		out3, err := json.Marshal(m)
		if err != nil || !bytes.Equal(out1, out3) {
			t.Fatalf("json.Marshal = %s, %v; MarshalJSON = %s", out3, err, out1)
		}
	})
}

// fzCheckDocumentOrder checks that m's keys are the document's keys in document order, reading
// the document with a json.Decoder walk of its top-level object.
func fzCheckDocumentOrder(t *testing.T, b []byte, m cg.Metadata) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, strings.TrimSpace(k.(string)))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	var rows []string
	for k := range m.All() {
		rows = append(rows, k)
	}
	if !slices.Equal(keys, rows) {
		t.Fatalf("document keys %q, rows %q", keys, rows)
	}
}

// fzCheckRefusalReason checks that a refused document really is one the rules refuse: not a
// JSON object (or null) of strings, or a key that is bad or duplicate after trimming.
func fzCheckRefusalReason(t *testing.T, b []byte, err error) {
	t.Helper()
	var raw map[string]json.RawMessage
	if !json.Valid(b) || json.Unmarshal(b, &raw) != nil || raw == nil {
		return // not a JSON object
	}
	trimmed := map[string]bool{}
	for k, v := range raw {
		if len(v) == 0 || v[0] != '"' {
			return // a value that is not a string
		}
		tk, ok := fzModelKey(k)
		if !ok || trimmed[tk] {
			return // a bad key, or two keys equal after trimming
		}
		trimmed[tk] = true
	}
	// encoding/json saw a clean object of strings; the only reason left is a key repeated
	// verbatim, which a map hides.
	var ve *cg.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(ve.Problem, "duplicate key") {
		t.Fatalf("UnmarshalJSON(%q) refused a clean object of strings: %v", b, err)
	}
}

// ---------------------------------------------------------------------------------------
// FuzzMetadataOps

// fzOpModel is the reference model of a Metadata table: a plain slice with the documented rules.
type fzOpModel []cg.Entry

func (m fzOpModel) index(key string) int {
	key = strings.TrimSpace(key)
	return slices.IndexFunc(m, func(e cg.Entry) bool { return e.Key == key })
}

var fzOpKeys = []string{
	"a", " a", "a ", "\ta\n", "A", "b", "c", "d", "", " ", "\t", "\u00a0", "\u0085a",
	"a\x00", "a\u0085b", "\xff", "a\xffb", "é", "e\u0301", "\ufeffa", "a b", "\u2028",
}

var fzOpValues = []string{"", "1", "v", " padded ", "\x00", "\xff", "é", "\u0085"}

// fzOpReader decodes a byte program.
type fzOpReader struct {
	p []byte
}

func (r *fzOpReader) byte() (byte, bool) {
	if len(r.p) == 0 {
		return 0, false
	}
	c := r.p[0]
	r.p = r.p[1:]
	return c, true
}

// index decodes a row index around 0..n: mostly in range, sometimes just outside it, and
// sometimes an extreme int.
func (r *fzOpReader) index(n int) int {
	c, _ := r.byte()
	switch c {
	case 0xff:
		return math.MaxInt
	case 0xfe:
		return math.MinInt
	}
	return int(c)%(n+3) - 1
}

// str picks a string from pool, or for bytes ≥ 0x80 reads a raw string of up to 15 bytes
// from the program.
func (r *fzOpReader) str(pool []string) string {
	c, _ := r.byte()
	if c < 0x80 {
		return pool[int(c)%len(pool)]
	}
	n := int(c & 0x0f)
	if n > len(r.p) {
		n = len(r.p)
	}
	s := string(r.p[:n])
	r.p = r.p[n:]
	return s
}

func FuzzMetadataOps(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 1, 0, 0, 5, 1, 1, 0, 1, 1, 2, 0, 1, 2, 0, 3, 0, 4, 1})
	f.Add([]byte{0, 1, 1, 0, 2, 1, 0, 0, 2, 0, 5, 1, 0, 6, 0, 2})
	f.Add([]byte{1, 0, 5, 1, 1, 1, 6, 2, 1, 2, 7, 3, 5, 3, 1, 5, 0xff, 0, 4, 0xfe, 4, 1})
	f.Add([]byte{0, 0x83, 'x', ' ', 'y', 0, 0, 0x82, ' ', 'x', 0, 3, 0x81, 'x'})
	f.Add([]byte{0, 13, 0, 0, 14, 0, 0, 15, 0, 0, 16, 5, 1, 0, 17, 0, 1, 0, 18, 0, 1, 0, 19, 0})
	f.Add([]byte("\x00\x05\x01\x00\x06\x02\x02\x01\x05\x01\x03\x06\x04\x02\x05\x00\x02\x06\x03\x05"))
	f.Fuzz(func(t *testing.T, prog []byte) {
		var m cg.Metadata
		var model fzOpModel
		r := &fzOpReader{p: prog}
		for step := 0; len(r.p) > 0 && step < 200; step++ {
			op, _ := r.byte()
			before := m.Clone() // a clone must not change with m
			beforeRows := m.Entries()
			var err error
			var want bool // whether the model accepts the op
			var desc string
			switch op % 7 {
			case 0, 6: // Set
				k, v := r.str(fzOpKeys), r.str(fzOpValues)
				desc = "Set(" + fzQuote(k) + ", " + fzQuote(v) + ")"
				err = m.Set(k, v)
				if tk, ok := fzModelKey(k); ok && utf8.ValidString(v) {
					want = true
					if i := model.index(tk); i >= 0 {
						model[i].Value = v
					} else {
						model = append(model, cg.Entry{Key: tk, Value: v})
					}
				}
			case 1: // Insert
				i := r.index(len(model))
				k, v := r.str(fzOpKeys), r.str(fzOpValues)
				desc = "Insert(" + fzItoa(i) + ", " + fzQuote(k) + ", " + fzQuote(v) + ")"
				err = m.Insert(i, k, v)
				if tk, ok := fzModelKey(k); ok && utf8.ValidString(v) && i >= 0 && i <= len(model) && model.index(tk) < 0 {
					want = true
					model = slices.Insert(model, i, cg.Entry{Key: tk, Value: v})
				}
			case 2: // SetAt
				i := r.index(len(model))
				k, v := r.str(fzOpKeys), r.str(fzOpValues)
				desc = "SetAt(" + fzItoa(i) + ", " + fzQuote(k) + ", " + fzQuote(v) + ")"
				err = m.SetAt(i, k, v)
				if tk, ok := fzModelKey(k); ok && utf8.ValidString(v) && i >= 0 && i < len(model) {
					if j := model.index(tk); j < 0 || j == i {
						want = true
						model[i] = cg.Entry{Key: tk, Value: v}
					}
				}
			case 3: // Delete
				k := r.str(fzOpKeys)
				desc = "Delete(" + fzQuote(k) + ")"
				got := m.Delete(k)
				i := model.index(k)
				if got != (i >= 0) {
					t.Fatalf("step %d: %s = %v, model has the key at %d", step, desc, got, i)
				}
				if i >= 0 {
					model = slices.Delete(model, i, i+1)
				}
				want = true
			case 4: // DeleteAt
				i := r.index(len(model))
				desc = "DeleteAt(" + fzItoa(i) + ")"
				err = m.DeleteAt(i)
				if i >= 0 && i < len(model) {
					want = true
					model = slices.Delete(model, i, i+1)
				}
			case 5: // Move
				from, to := r.index(len(model)), r.index(len(model))
				desc = "Move(" + fzItoa(from) + ", " + fzItoa(to) + ")"
				err = m.Move(from, to)
				if from >= 0 && from < len(model) && to >= 0 && to < len(model) {
					want = true
					e := model[from]
					model = slices.Delete(model, from, from+1)
					model = slices.Insert(model, to, e)
				}
			}
			switch {
			case want && err != nil:
				t.Fatalf("step %d: %s refused: %v (model accepts it; table %v)", step, desc, err, before)
			case !want && err == nil:
				t.Fatalf("step %d: %s accepted (model refuses it; table was %v, is %v)", step, desc, before, m)
			case err != nil:
				fzRequireInvalid(t, desc, err)
				if !m.Equal(before) {
					t.Fatalf("step %d: refused %s changed the table from %v to %v", step, desc, before, m)
				}
			}
			if !slices.Equal(before.Entries(), beforeRows) {
				t.Fatalf("step %d: %s changed a clone taken before it", step, desc)
			}
			fzCheckAgainstModel(t, step, desc, m, model)
		}
		// The final table rebuilds from its rows and survives JSON.
		m2, err := cg.MetadataOf(model...)
		if err != nil || !m2.Equal(m) {
			t.Fatalf("MetadataOf(%q) = %v, %v; want %v", model, m2, err, m)
		}
		js, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var m3 cg.Metadata
		if err := json.Unmarshal(js, &m3); err != nil || !m3.Equal(m) {
			t.Fatalf("JSON round trip of %v: %v, %v", m, m3, err)
		}
	})
}

func fzCheckAgainstModel(t *testing.T, step int, desc string, m cg.Metadata, model fzOpModel) {
	t.Helper()
	if got := m.Entries(); !slices.Equal(got, []cg.Entry(model)) {
		t.Fatalf("step %d: after %s the table is %q, the model %q", step, desc, got, model)
	}
	if m.Len() != len(model) {
		t.Fatalf("step %d: Len %d, model %d", step, m.Len(), len(model))
	}
	seen := map[string]bool{}
	i := 0
	for k, v := range m.All() {
		if seen[k] {
			t.Fatalf("step %d: key %q twice in %v", step, k, m)
		}
		seen[k] = true
		if e := m.At(i); e.Key != k || e.Value != v {
			t.Fatalf("step %d: All yields %q=%q at %d, At gives %q", step, k, v, i, e)
		}
		if got, ok := m.Get(k); !ok || got != v {
			t.Fatalf("step %d: Get(%q) = %q, %v; want %q", step, k, got, ok, v)
		}
		if m.Index(k) != i || m.Index(" "+k+"\t") != i {
			t.Fatalf("step %d: Index(%q) = %d, want %d", step, k, m.Index(k), i)
		}
		i++
	}
	if err := m.Validate(cg.Limits{}); err != nil {
		t.Fatalf("step %d: after %s Validate: %v", step, desc, err)
	}
}

func fzQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b) + "(" + fzItoa(len(s)) + "B)"
}

func fzItoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// ---------------------------------------------------------------------------------------
// FuzzName

func FuzzName(f *testing.F) {
	for _, s := range []string{
		"VIP", " vip ", "Vip\t", "", " ", "\t\n", "a\x00b", "\x7f", "a\u0085", "\u0085a\u0085",
		"\u00a0x\u00a0", "\xff", "ok\xffok", "é", "e\u0301", "É", "Straße", "STRASSE", "ß", "ẞ",
		"ΣΑΣ", "σας", "ﬁ", "İ", "ı", "\u1fb3", "\u03b1\u0345", "\u0345", "ᾼ", "Ǆ", "ǅ",
		"\u2028", "\ufeff", "a b", strings.Repeat("x", 255), strings.Repeat("x", 256),
		strings.Repeat("é", 255), " " + strings.Repeat("é", 255) + " ", strings.Repeat("€", 256),
		"<script>", "%_", "K", "\u212a", "\u1e9e",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := cg.NormalizeName(s)
		trimmed := strings.TrimSpace(s)
		wantOK := utf8.ValidString(s) && trimmed != "" && !fzHasControl(trimmed) &&
			utf8.RuneCountInString(trimmed) <= cg.MaxNameLength
		if err != nil {
			fzRequireInvalid(t, "NormalizeName", err)
			if wantOK {
				t.Fatalf("NormalizeName(%q) refused a good name: %v", s, err)
			}
			if n != "" {
				t.Fatalf("NormalizeName(%q) failed but returned %q", s, n)
			}
		} else {
			if !wantOK {
				t.Fatalf("NormalizeName(%q) = %q, want ErrInvalid", s, n)
			}
			if n != trimmed || strings.TrimSpace(n) != n {
				t.Fatalf("NormalizeName(%q) = %q, want the trimmed %q", s, n, trimmed)
			}
			if !utf8.ValidString(n) || fzHasControl(n) {
				t.Fatalf("NormalizeName(%q) = %q: invalid UTF-8 or control characters", s, n)
			}
			if c := utf8.RuneCountInString(n); c < 1 || c > cg.MaxNameLength {
				t.Fatalf("NormalizeName(%q) = %q: %d runes", s, n, c)
			}
			if n2, err := cg.NormalizeName(n); err != nil || n2 != n {
				t.Fatalf("NormalizeName not idempotent: %q → %q → %q, %v", s, n, n2, err)
			}
			fn := cg.FoldName(n)
			if !utf8.ValidString(fn) {
				t.Fatalf("FoldName(%q) = %q is not valid UTF-8", n, fn)
			}
			if cg.FoldName(fn) != fn {
				t.Fatalf("FoldName not idempotent on %q: %q → %q", n, fn, cg.FoldName(fn))
			}
		}

		// FoldName on any input: never panics, idempotent.
		fs := cg.FoldName(s)
		if f2 := cg.FoldName(fs); f2 != fs {
			t.Fatalf("FoldName not idempotent on %q: %q → %q", s, fs, f2)
		}
		if fzIsASCII(s) {
			up, lo := cg.FoldName(strings.ToUpper(s)), cg.FoldName(strings.ToLower(s))
			if up != lo || lo != strings.ToLower(s) {
				t.Fatalf("ASCII %q: FoldName(upper) = %q, FoldName(lower) = %q, want %q", s, up, lo, strings.ToLower(s))
			}
		}
	})
}

func fzIsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------------------------------
// FuzzCustomerID

// fzValidIDModel is an independent statement of the id rule: non-empty, at most 255 bytes,
// valid UTF-8, no control characters.
func fzValidIDModel(s string) bool {
	if len(s) == 0 || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return false // invalid encoding (a literal U+FFFD has size 3)
		}
		if fzIsControl(r) {
			return false
		}
		i += size
	}
	return true
}

func FuzzCustomerID(f *testing.F) {
	for _, s := range []string{
		"cus_1", "", " ", " cus ", "a\x00", "\x1f", "\x7f", "\u0080", "\u009f", "\u00a0",
		"\u0085", "\xff", "\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\ufffd", "\U0010ffff",
		"é", strings.Repeat("a", 255), strings.Repeat("a", 256), strings.Repeat("é", 127) + "a",
		strings.Repeat("é", 128), "\u2028", "\ufeff", "\t", "a\nb",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := cg.ValidateID("customerIDs[3]", s)
		want := fzValidIDModel(s)
		if want && err != nil {
			t.Fatalf("ValidateID(%q) = %v, want nil", s, err)
		}
		if !want {
			ve := fzRequireInvalid(t, "ValidateID("+fzQuote(s)+")", err)
			if ve.Field != "customerIDs[3]" {
				t.Fatalf("ValidateID(%q): field %q, want the one passed in", s, ve.Field)
			}
		}
	})
}

// ---------------------------------------------------------------------------------------
// FuzzCursor

var fzSorts = []cg.SortField{cg.SortByCreatedAt, cg.SortByName, cg.SortByUpdatedAt, ""}

func FuzzCursor(f *testing.F) {
	type seed struct {
		after, groupID, id, name string
		micros, micros2          int64
		sort                     byte
		desc                     bool
		search, customerID       string
		mutAt                    uint16
		mutTo                    byte
	}
	g := cg.CustomerGroup{ID: "0192d5c6-0000-7000-8000-000000000001", Name: "VIP",
		CreatedAt: time.UnixMicro(1700000000123456).UTC(), UpdatedAt: time.UnixMicro(1700000001000000).UTC()}
	genuine := cg.Query{}.NextCursor(g)
	byName := cg.Query{Sort: cg.SortByName, Desc: true}.NextCursor(g)
	member := cg.MemberQuery{}.NextCursor("grp", "cus_9")
	seeds := []seed{
		{after: "", groupID: "grp", id: "g1", name: "VIP", micros: 1700000000123456, sort: 0},
		{after: genuine, groupID: "grp", id: g.ID, name: "VIP", micros: 1700000000123456, mutAt: 5, mutTo: 'A'},
		{after: byName, groupID: "grp", id: "x", name: "Straße", sort: 1, desc: true, mutAt: 0xffff, mutTo: 'B'},
		{after: member, groupID: "grp", id: "cus_9", name: "n", sort: 2, search: " vip "},
		{after: genuine + "=", groupID: "g", id: "é", name: "É", micros: -1, micros2: 0, sort: 3},
		{after: genuine[:len(genuine)-1], groupID: "", id: "a", name: "b", micros: math.MaxInt64, micros2: math.MinInt64},
		{after: "\n" + genuine, id: "a", name: "b", customerID: "cus_1", mutAt: 7, mutTo: '\n'},
		{after: "e30", id: "a", name: "b"}, // base64url("{}")
		{after: "not a cursor", id: "a", name: "b", search: "%_"},
		{after: "AAAAAAAAAAAAAAAAAAAA", id: "\xff", name: "\x00", micros2: 1},
	}
	for _, s := range seeds {
		f.Add(s.after, s.groupID, s.id, s.name, s.micros, s.micros2, s.sort, s.desc, s.search, s.customerID, s.mutAt, s.mutTo)
	}
	f.Fuzz(func(t *testing.T, after, groupID, id, name string, micros, micros2 int64, sortSel byte, desc bool,
		search, customerID string, mutAt uint16, mutTo byte) {
		// Genuine groups have storable times (the years 1 to 9999); cursors outside them are
		// refused, which step 1 covers.
		micros, micros2 = fzStorableMicros(micros), fzStorableMicros(micros2)
		// 1. An arbitrary string as a cursor: never a panic; ErrInvalid unless it is a
		// genuine cursor of the query.
		sort := fzSorts[int(sortSel)%len(fzSorts)]
		fzCheckArbitraryCursor(t, cg.Query{After: after})
		fzCheckArbitraryCursor(t, cg.Query{After: after, Sort: sort, Desc: desc, Search: search, CustomerID: customerID})
		fzCheckArbitraryMemberCursor(t, after, groupID)
		if _, err := (cg.Query{After: after, Offset: 1}).Normalize(); after != "" {
			fzRequireInvalid(t, "After with Offset", err)
		}
		if _, err := (cg.MemberQuery{After: after, Offset: 1}).Normalize(); after != "" {
			fzRequireInvalid(t, "member After with Offset", err)
		}

		// 2. A genuine cursor of a fuzzed group and query. Stores hold only validated ids and
		// normalized names, and Normalize refuses filter strings with control characters or
		// invalid UTF-8, so make the fuzzed values such.
		if cg.ValidateID("id", id) != nil {
			id = "g1"
		}
		n, err := cg.NormalizeName(name)
		if err != nil {
			n = "Group"
		}
		search = fzClean(search)
		customerID = fzClean(customerID)
		q, err := cg.Query{Sort: sort, Desc: desc, Search: search, CustomerID: customerID}.Normalize()
		if err != nil {
			t.Fatalf("Normalize(%q, %q): %v", search, customerID, err)
		}
		grp := cg.CustomerGroup{ID: id, Name: n,
			CreatedAt: time.UnixMicro(micros).UTC(), UpdatedAt: time.UnixMicro(micros2).UTC()}
		cur := q.NextCursor(grp)
		if cur == "" || strings.Trim(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Fatalf("NextCursor = %q: not unpadded base64url", cur)
		}
		var want cg.Position
		switch sort {
		case cg.SortByName:
			want = cg.Position{Name: cg.FoldName(n), ID: id}
		case cg.SortByUpdatedAt:
			want = cg.Position{Time: time.UnixMicro(micros2).UTC(), ID: id}
		default:
			want = cg.Position{Time: time.UnixMicro(micros).UTC(), ID: id}
		}
		qa := q
		qa.After = cur
		qn, err := qa.Normalize()
		if err != nil {
			t.Fatalf("genuine cursor refused: %v", err)
		}
		got, err := qn.Position()
		if err != nil || !fzSamePosition(got, want) {
			t.Fatalf("cursor of %+v decodes to %+v, %v; want %+v", grp, got, err, want)
		}
		// The unnormalized query with the same filters (Sort "" is created_at; Search is
		// trimmed) takes it too.
		raw := cg.Query{Sort: sort, Desc: desc, Search: " " + search + "\t", CustomerID: customerID, After: cur}
		if _, err := raw.Normalize(); err != nil {
			t.Fatalf("cursor refused by the same query before normalization: %v", err)
		}

		// 3. The same cursor with any other filter or order is ErrInvalid.
		for _, v := range fzQueryVariants(q, id, n, micros, micros2) {
			v.q.After = cur
			_, err := v.q.Normalize()
			fzRequireInvalid(t, "cursor with "+v.what, err)
		}
		if _, err := (cg.MemberQuery{After: cur}).Position(groupID); err == nil {
			t.Fatalf("group cursor accepted as a member cursor")
		} else {
			fzRequireInvalid(t, "group cursor as member cursor", err)
		}

		// 4. Member cursors: round trip, and bound to their group.
		mc := cg.MemberQuery{}.NextCursor(groupID, id)
		mq := cg.MemberQuery{After: mc}
		if _, err := mq.Normalize(); err != nil {
			t.Fatalf("member cursor: Normalize: %v", err)
		}
		if got, err := mq.Position(groupID); err != nil || got != id {
			t.Fatalf("member cursor decodes to %q, %v; want %q", got, err, id)
		}
		_, err = mq.Position(groupID + "x")
		fzRequireInvalid(t, "member cursor of another group", err)
		_, err = cg.Query{After: mc}.Normalize()
		fzRequireInvalid(t, "member cursor as group cursor", err)

		// 5. Any single-byte change of a genuine cursor is ErrInvalid.
		fzCheckMutation(t, qn, cur, want, int(mutAt)%len(cur), mutTo)
		fzCheckMutation(t, qn, cur, want, len(cur)-1, mutTo)
	})
}

type fzVariant struct {
	what string
	q    cg.Query
}

// fzQueryVariants returns queries that differ from q (normalized) in one filter or the order.
func fzQueryVariants(q cg.Query, id, name string, micros, micros2 int64) []fzVariant {
	var vs []fzVariant
	add := func(what string, change func(*cg.Query)) {
		v := q
		change(&v)
		vs = append(vs, fzVariant{what, v})
	}
	for _, s := range fzSorts[:3] {
		if s != q.Sort {
			add("sort "+string(s), func(v *cg.Query) { v.Sort = s })
		}
	}
	add("desc flipped", func(v *cg.Query) { v.Desc = !v.Desc })
	add("another search", func(v *cg.Query) { v.Search += "x" })
	add("another customer", func(v *cg.Query) { v.CustomerID += "x" })
	add("created by", func(v *cg.Query) { v.CreatedBy = "x" + id })
	add("ids", func(v *cg.Query) { v.IDs = []string{id} })
	add("names", func(v *cg.Query) { v.Names = []string{name} })
	// A zero time is an open end (no filter), so only non-zero times make another query.
	t1, t2 := time.UnixMicro(micros).UTC(), time.UnixMicro(micros2).UTC()
	if !t1.IsZero() {
		add("created from", func(v *cg.Query) { v.Created.From = t1 })
		add("updated to", func(v *cg.Query) { v.Updated.To = t1 })
	}
	if !t2.IsZero() {
		add("created to", func(v *cg.Query) { v.Created.To = t2 })
		add("updated from", func(v *cg.Query) { v.Updated.From = t2 })
	}
	add("created from the epoch", func(v *cg.Query) { v.Created.From = time.Unix(0, 0) })
	add("updated to the epoch", func(v *cg.Query) { v.Updated.To = time.Unix(0, 0).UTC() })
	return vs
}

// fzClean drops invalid UTF-8 and control characters, which Normalize refuses in filters.
func fzClean(s string) string {
	return strings.Map(func(r rune) rune {
		if fzIsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

// fzStorableMicros maps any int64 into the Unix microseconds of the years 1 to 9999.
func fzStorableMicros(us int64) int64 {
	lo := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	hi := time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC).UnixMicro()
	if us >= lo && us <= hi {
		return us
	}
	span := uint64(hi - lo + 1)
	return lo + int64(uint64(us)%span)
}

func fzSamePosition(a, b cg.Position) bool {
	return a.Name == b.Name && a.ID == b.ID && a.Time.Equal(b.Time) && a.Time.Location() == b.Time.Location()
}

// fzDecodeRaw is how a cursor string reads as base64url without padding.
func fzDecodeRaw(s string) ([]byte, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return b, err == nil
}

// fzCheckArbitraryCursor: q.After is anything. Normalize never panics; it refuses with
// ErrInvalid unless After is "" or a genuine cursor of q, which re-encodes to the same bytes.
func fzCheckArbitraryCursor(t *testing.T, q cg.Query) {
	t.Helper()
	nq, err := q.Normalize()
	if err != nil {
		fzRequireInvalid(t, "Normalize", err)
		return
	}
	if q.After == "" {
		return
	}
	p, err := nq.Position()
	if err != nil {
		t.Fatalf("Normalize accepted %q but Position refuses it: %v", q.After, err)
	}
	g := cg.CustomerGroup{ID: p.ID, Name: p.Name, CreatedAt: p.Time, UpdatedAt: p.Time}
	again := nq.NextCursor(g)
	b1, ok1 := fzDecodeRaw(q.After)
	b2, ok2 := fzDecodeRaw(again)
	if !ok1 || !ok2 || !bytes.Equal(b1, b2) {
		t.Fatalf("accepted cursor %q is not what NextCursor makes for its position %+v (%q)", q.After, p, again)
	}
}

func fzCheckArbitraryMemberCursor(t *testing.T, after, groupID string) {
	t.Helper()
	mq := cg.MemberQuery{After: after}
	if _, err := mq.Normalize(); err != nil {
		t.Fatalf("MemberQuery.Normalize(%q): %v", after, err)
	}
	id, err := mq.Position(groupID)
	if err != nil {
		fzRequireInvalid(t, "MemberQuery.Position", err)
		return
	}
	if after == "" {
		if id != "" {
			t.Fatalf("empty member cursor gives %q", id)
		}
		return
	}
	b1, ok1 := fzDecodeRaw(after)
	b2, ok2 := fzDecodeRaw(cg.MemberQuery{}.NextCursor(groupID, id))
	if !ok1 || !ok2 || !bytes.Equal(b1, b2) {
		t.Fatalf("accepted member cursor %q is not NextCursor(%q, %q)", after, groupID, id)
	}
}

func fzCheckMutation(t *testing.T, q cg.Query, cur string, want cg.Position, at int, to byte) {
	t.Helper()
	if cur[at] == to {
		return
	}
	mut := []byte(cur)
	mut[at] = to
	q.After = string(mut)
	// Cursors are decoded with Strict base64: even a change of the unused low bits of the
	// last character, which would decode to the same bytes, is refused.
	_, err := q.Normalize()
	fzRequireInvalid(t, "cursor "+cur+" changed at "+fzItoa(at)+" to "+string(rune(to)), err)
}
