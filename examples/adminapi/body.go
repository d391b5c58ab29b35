package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/b02aa859/customergroup"
)

// body is a request's JSON object, field by field, as the client sent it.
type body map[string]json.RawMessage

// readBody reads the request's JSON object. It refuses a body that is not one JSON object, a
// Content-Type other than JSON, a body over the size limit, and any field not in known (all of
// them named, the way Medusa's validators do). An empty body is an empty object.
func (a *API) readBody(w http.ResponseWriter, r *http.Request, known ...string) (body, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, &apiError{Status: http.StatusUnsupportedMediaType, Type: typeInvalidData,
				Message: fmt.Sprintf("Invalid request: the body must be JSON (Content-Type: application/json), not %q", ct)}
		}
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &apiError{Status: http.StatusRequestEntityTooLarge, Type: typeInvalidData,
				Message: fmt.Sprintf("Invalid request: the body is larger than %d bytes", tooBig.Limit)}
		}
		return nil, err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return body{}, nil
	}
	if kind := jsonKind(raw); kind != "an object" {
		return nil, invalidData("Invalid request: the body must be a JSON object, not %s", kind)
	}
	var b body
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&b); err != nil {
		return nil, invalidData("Invalid request: the body is not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, invalidData("Invalid request: the body has data after its JSON object")
	}
	var unknown []string
	for k := range b {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, invalidData("Invalid request: Unrecognized fields: '%s'", strings.Join(unknown, ", "))
	}
	return b, nil
}

// has reports whether the client sent the field (even as null).
func (b body) has(field string) bool {
	_, ok := b[field]
	return ok
}

// isNull reports whether the client sent the field as null.
func (b body) isNull(field string) bool {
	raw, ok := b[field]
	return ok && jsonKind(raw) == "null"
}

// string returns a string field; absent is ok=false. With nullable, null is also ok=false;
// without, null is refused.
func (b body) string(field string, nullable bool) (s string, ok bool, err error) {
	raw, present := b[field]
	if !present || (nullable && jsonKind(raw) == "null") {
		return "", false, nil
	}
	if k := jsonKind(raw); k != "a string" {
		return "", false, invalidData("Invalid request: field '%s' must be a string, not %s", field, k)
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, invalidData("Invalid request: field '%s': %v", field, err)
	}
	return s, true, nil
}

// strings returns an array-of-strings field; absent is nil.
func (b body) strings(field string) ([]string, error) {
	raw, present := b[field]
	if !present {
		return nil, nil
	}
	if k := jsonKind(raw); k != "an array" {
		return nil, invalidData("Invalid request: field '%s' must be an array of strings, not %s", field, k)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, invalidData("Invalid request: field '%s': %v", field, err)
	}
	out := make([]string, len(items))
	for i, it := range items {
		if k := jsonKind(it); k != "a string" {
			return nil, invalidData("Invalid request: field '%s[%d]' must be a string, not %s", field, i, k)
		}
		if err := json.Unmarshal(it, &out[i]); err != nil {
			return nil, invalidData("Invalid request: field '%s[%d]': %v", field, i, err)
		}
	}
	return out, nil
}

// metadata returns the metadata field in the client's key order. Absent is present=false;
// null is present with an empty table and null=true. Values must be strings: the library's
// metadata is a table of strings (Medusa takes any JSON value).
func (b body) metadata() (md customergroup.Metadata, present, null bool, err error) {
	raw, ok := b["metadata"]
	if !ok {
		return customergroup.Metadata{}, false, false, nil
	}
	if k := jsonKind(raw); k == "null" {
		return customergroup.Metadata{}, true, true, nil
	} else if k != "an object" {
		return customergroup.Metadata{}, false, false, invalidData("Invalid request: field 'metadata' must be an object, not %s", k)
	}
	if err := md.UnmarshalJSON(raw); err != nil {
		var ve *customergroup.ValidationError
		if errors.As(err, &ve) {
			return customergroup.Metadata{}, false, false, invalidData("Invalid request: %s %s", ve.Field, ve.Problem)
		}
		return customergroup.Metadata{}, false, false, invalidData("Invalid request: field 'metadata': %v", err)
	}
	return md, true, false, nil
}

// jsonKind names the kind of the JSON value raw starts with, for messages.
func jsonKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// mergeMetadata applies a Medusa metadata update to cur: a key whose value is "" is deleted,
// the others are set. Medusa keeps no order; this keeps it:
//
//   - When patch names every key cur has (the admin's metadata editor saves its whole table
//     so, with "" for deleted rows), the result has patch's order: that is how rows inserted
//     above or below others, or moved, keep their places.
//   - Otherwise keys already there keep their places, and new keys are appended in patch's
//     order.
func mergeMetadata(cur, patch customergroup.Metadata) (customergroup.Metadata, error) {
	whole := true
	for k := range cur.All() {
		if patch.Index(k) < 0 {
			whole = false
			break
		}
	}
	var out customergroup.Metadata
	if !whole {
		out = cur.Clone()
	}
	for k, v := range patch.All() {
		if v == "" {
			out.Delete(k)
			continue
		}
		if err := out.Set(k, v); err != nil {
			return customergroup.Metadata{}, err
		}
	}
	return out, nil
}
