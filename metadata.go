package customergroup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"unicode/utf8"
)

// Entry is one row of a Metadata table.
type Entry struct{ Key, Value string }

// Metadata is an ordered list of unique string keys with string values: the metadata table of
// the admin editor. Order is kept exactly, through every store and through JSON.
//
// The zero value is empty and ready to use. Metadata is a value type holding a slice: copy it
// with Clone before changing a copy that shares rows with another.
//
// Keys are trimmed of surrounding white space, must be non-empty, valid UTF-8 with no control
// characters, and are unique by exact (case-sensitive) match. Values are any valid UTF-8. The
// mutators (Set, Insert, SetAt, …) check those rules and leave the table unchanged when they
// refuse; the size limits (Limits: entries, key and value bytes) are checked by the Service
// when the table is saved, since a host can raise them with WithLimits. Every error is a
// *ValidationError naming the key or row.
type Metadata struct {
	entries []Entry
}

// MetadataOf builds a table from rows in order. A bad or duplicate key gives ErrInvalid.
func MetadataOf(entries ...Entry) (Metadata, error) {
	var m Metadata
	m.entries = make([]Entry, 0, len(entries))
	seen := make(map[string]int, len(entries))
	for i, e := range entries {
		if err := m.appendUnique(e.Key, e.Value, seen); err != nil {
			return Metadata{}, rowError(i, err)
		}
	}
	return m, nil
}

// appendUnique appends a row like Insert(Len(), …) but finds duplicates in seen (key → row)
// instead of scanning the table, so that building a table of n rows costs O(n).
func (m *Metadata) appendUnique(key, value string, seen map[string]int) error {
	row := len(m.entries)
	if j, dup := seen[strings.TrimSpace(key)]; dup {
		return invalid(keyField(strings.TrimSpace(key)), "duplicate key (already in row %d)", j)
	}
	k, err := Metadata{}.checkKey(key, -1, row)
	if err != nil {
		return err
	}
	if err := checkValue(k, value); err != nil {
		return err
	}
	m.entries = append(m.entries, Entry{k, value})
	seen[k] = row
	return nil
}

// rowError names row i in an error from a single-row operation.
func rowError(i int, err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		row := fmt.Sprintf("metadata[%d]", i)
		if ve.Field == row {
			return err
		}
		return &ValidationError{Field: row + " (" + ve.Field + ")", Problem: ve.Problem}
	}
	return err
}

// Len is the number of rows.
func (m Metadata) Len() int { return len(m.entries) }

// At returns row i. It panics if i is out of range, like a slice index.
func (m Metadata) At(i int) Entry { return m.entries[i] }

// Get returns the value of key (trimmed, exact match).
func (m Metadata) Get(key string) (value string, ok bool) {
	if i := m.Index(key); i >= 0 {
		return m.entries[i].Value, true
	}
	return "", false
}

// Index returns the row of key (trimmed, exact match), or -1 when absent.
func (m Metadata) Index(key string) int {
	key = strings.TrimSpace(key)
	for i, e := range m.entries {
		if e.Key == key {
			return i
		}
	}
	return -1
}

// All yields the rows in order.
func (m Metadata) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, e := range m.entries {
			if !yield(e.Key, e.Value) {
				return
			}
		}
	}
}

// Entries returns a copy of the rows in order; never nil.
func (m Metadata) Entries() []Entry {
	out := make([]Entry, len(m.entries))
	copy(out, m.entries)
	return out
}

// Clone returns a copy that shares nothing with m.
func (m Metadata) Clone() Metadata {
	if m.entries == nil {
		return Metadata{}
	}
	return Metadata{entries: slices.Clone(m.entries)}
}

// Equal reports whether m and o hold the same pairs in the same order.
func (m Metadata) Equal(o Metadata) bool { return slices.Equal(m.entries, o.entries) }

// String formats the table as its JSON object, for logs and tests.
func (m Metadata) String() string {
	b, _ := m.MarshalJSON()
	return string(b)
}

func keyField(key string) string { return fmt.Sprintf("metadata[%q]", key) }

// checkKey trims key and checks it is a valid, unused key; skip is a row allowed to hold it
// already (the row being edited), or -1. row is the row the key is for, used to name an
// empty key in the error, or -1 when there is none yet (Set).
func (m Metadata) checkKey(key string, skip, row int) (string, error) {
	if !utf8.ValidString(key) {
		return "", invalid(keyField(key), "key is not valid UTF-8")
	}
	key = strings.TrimSpace(key)
	if key == "" {
		field := keyField(key)
		if row >= 0 {
			field = fmt.Sprintf("metadata[%d]", row)
		}
		return "", invalid(field, "key must not be empty")
	}
	if p := textProblem(key); p != "" {
		return "", invalid(keyField(key), "key %s", p)
	}
	if i := m.Index(key); i >= 0 && i != skip {
		return "", invalid(keyField(key), "duplicate key (already in row %d)", i)
	}
	return key, nil
}

func checkValue(key, value string) error {
	if !utf8.ValidString(value) {
		return invalid(keyField(key), "value is not valid UTF-8")
	}
	return nil
}

func (m Metadata) checkRow(i int, allowEnd bool) error {
	n := len(m.entries)
	if allowEnd {
		n++
	}
	if i < 0 || i >= n {
		return invalid(fmt.Sprintf("metadata[%d]", i), "no such row (the table has %d)", len(m.entries))
	}
	return nil
}

// Set replaces the value of key in place, or appends a new row when key is absent.
func (m *Metadata) Set(key, value string) error {
	k, err := m.checkKey(key, m.Index(key), -1)
	if err != nil {
		return err
	}
	if err := checkValue(k, value); err != nil {
		return err
	}
	if i := m.Index(k); i >= 0 {
		m.entries[i].Value = value
		return nil
	}
	m.entries = append(m.entries, Entry{k, value})
	return nil
}

// Insert adds a new row at position i, 0..Len(). "Insert row above" row i is Insert(i, …),
// "insert row below" row i is Insert(i+1, …). A key already present is refused.
func (m *Metadata) Insert(i int, key, value string) error {
	if err := m.checkRow(i, true); err != nil {
		return err
	}
	k, err := m.checkKey(key, -1, i)
	if err != nil {
		return err
	}
	if err := checkValue(k, value); err != nil {
		return err
	}
	m.entries = slices.Insert(m.entries, i, Entry{k, value})
	return nil
}

// SetAt edits row i: its key, its value or both. The new key must not be another row's.
func (m *Metadata) SetAt(i int, key, value string) error {
	if err := m.checkRow(i, false); err != nil {
		return err
	}
	k, err := m.checkKey(key, i, i)
	if err != nil {
		return err
	}
	if err := checkValue(k, value); err != nil {
		return err
	}
	m.entries[i] = Entry{k, value}
	return nil
}

// Delete removes the row of key and reports whether there was one.
func (m *Metadata) Delete(key string) bool {
	i := m.Index(key)
	if i < 0 {
		return false
	}
	m.entries = slices.Delete(m.entries, i, i+1)
	return true
}

// DeleteAt removes row i ("Delete row" in the editor).
func (m *Metadata) DeleteAt(i int) error {
	if err := m.checkRow(i, false); err != nil {
		return err
	}
	m.entries = slices.Delete(m.entries, i, i+1)
	return nil
}

// Move moves row from to position to (both 0..Len()-1); the rows between shift by one.
func (m *Metadata) Move(from, to int) error {
	if err := m.checkRow(from, false); err != nil {
		return err
	}
	if err := m.checkRow(to, false); err != nil {
		return err
	}
	e := m.entries[from]
	m.entries = slices.Delete(m.entries, from, from+1)
	m.entries = slices.Insert(m.entries, to, e)
	return nil
}

// Validate checks the whole table against l: the rules every mutator checks, plus the number
// of rows and the byte length of each key and value. A zero field of l means no limit.
func (m Metadata) Validate(l Limits) error {
	if l.MaxEntries > 0 && len(m.entries) > l.MaxEntries {
		return invalid("metadata", "has %d entries, more than the limit of %d", len(m.entries), l.MaxEntries)
	}
	seen := make(map[string]int, len(m.entries))
	for i, e := range m.entries {
		if e.Key == "" || e.Key != strings.TrimSpace(e.Key) {
			return invalid(fmt.Sprintf("metadata[%d]", i), "key %q is empty or not trimmed", e.Key)
		}
		if p := textProblem(e.Key); p != "" {
			return invalid(keyField(e.Key), "key %s", p)
		}
		if j, dup := seen[e.Key]; dup {
			return invalid(keyField(e.Key), "duplicate key (rows %d and %d)", j, i)
		}
		seen[e.Key] = i
		if err := checkValue(e.Key, e.Value); err != nil {
			return err
		}
		if l.MaxKeyBytes > 0 && len(e.Key) > l.MaxKeyBytes {
			return invalid(keyField(e.Key), "key is %d bytes, more than the limit of %d", len(e.Key), l.MaxKeyBytes)
		}
		if l.MaxValueBytes > 0 && len(e.Value) > l.MaxValueBytes {
			return invalid(keyField(e.Key), "value is %d bytes, more than the limit of %d", len(e.Value), l.MaxValueBytes)
		}
	}
	return nil
}

// MarshalJSON writes the table as one JSON object with its keys in order.
func (m Metadata) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range m.entries {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(e.Key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(e.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads a JSON object (or null, for an empty table) keeping its keys in document
// order. A duplicate key, a key the mutators would refuse, or a value that is not a string
// gives a *ValidationError naming the key; m is unchanged on error.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return invalid("metadata", "is not a JSON object: %v", err)
	}
	if tok == nil {
		if _, err := dec.Token(); err != io.EOF {
			return invalid("metadata", "has data after null")
		}
		*m = Metadata{}
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return invalid("metadata", "is not a JSON object")
	}
	var out Metadata
	seen := make(map[string]int)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return invalid("metadata", "is not a JSON object: %v", err)
		}
		key, ok := tok.(string)
		if !ok {
			return invalid("metadata", "is not a JSON object")
		}
		vtok, err := dec.Token()
		if err != nil {
			return invalid(keyField(key), "has no readable value: %v", err)
		}
		value, ok := vtok.(string)
		if !ok {
			return invalid(keyField(key), "value must be a string, not %s", jsonKind(vtok))
		}
		if err := out.appendUnique(key, value, seen); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return invalid("metadata", "is not a JSON object: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid("metadata", "has data after the JSON object")
	}
	*m = out
	return nil
}

func jsonKind(tok json.Token) string {
	switch t := tok.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64, json.Number:
		return "a number"
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		return "an object"
	}
	return fmt.Sprintf("%T", tok)
}
