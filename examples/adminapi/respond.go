package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/b02aa859/customergroup"
)

// Error types, as Medusa names them in the "type" field of an error body.
const (
	typeInvalidData        = "invalid_data"
	typeNotFound           = "not_found"
	typeUnauthorized       = "unauthorized"
	typeConflict           = "conflict"
	typePreconditionFailed = "precondition_failed" // ours: Medusa has no conditional requests
	typeUnknown            = "unknown_error"
)

// apiError is an error with the HTTP status and the {type, message} body it is answered with.
type apiError struct {
	Status  int
	Type    string
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Type, e.Message) }

func invalidData(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: typeInvalidData, Message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusNotFound, Type: typeNotFound, Message: fmt.Sprintf(format, args...)}
}

// groupError translates an error of the library into the answer Medusa gives for it. id and
// name are the group's the request was about ("" when unknown), for the messages.
func groupError(err error, id, name string) error {
	var ae *apiError
	var ve *customergroup.ValidationError
	var uce *customergroup.UnknownCustomerError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &uce):
		return notFound("Customers with ids: %s were not found", joinIDs(uce.IDs, 10))
	case errors.Is(err, customergroup.ErrNotFound):
		return notFound("Customer group with id: %s was not found", id)
	case errors.Is(err, customergroup.ErrNameTaken):
		return invalidData("A customer group named %q already exists (names are compared case-insensitively)", name)
	case errors.Is(err, customergroup.ErrIDTaken):
		return invalidData("Customer group with id: %s already exists", id)
	case errors.As(err, &ve):
		return invalidData("Invalid request: %s %s", ve.Field, ve.Problem)
	case errors.Is(err, customergroup.ErrConflict):
		return &apiError{Status: http.StatusConflict, Type: typeConflict,
			Message: "The customer group was changed by another request at the same time; retry the request."}
	}
	return err
}

// joinIDs lists ids for a message, at most show of them.
func joinIDs(ids []string, show int) string {
	if len(ids) <= show {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:show], ", ") + fmt.Sprintf(" and %d more", len(ids)-show)
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only a bug can get here (every value we answer is marshalable).
		http.Error(w, `{"type":"unknown_error","message":"An unknown error occurred."}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// writeError answers err as Medusa does: {type, message} with the status of its type. An error
// that is not an *apiError is internal: it is logged, and the client is told nothing about it.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		switch {
		case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
			// The client went away; nobody reads the answer.
			ae = &apiError{Status: 499, Type: typeUnknown, Message: "request canceled"}
		case errors.Is(err, context.DeadlineExceeded):
			a.log.ErrorContext(r.Context(), "request timed out", "err", err)
			ae = &apiError{Status: http.StatusServiceUnavailable, Type: typeUnknown, Message: "The request took too long; retry it."}
		case errors.Is(err, customergroup.ErrUnavailable):
			a.log.ErrorContext(r.Context(), "store unavailable", "err", err)
			w.Header().Set("Retry-After", "1")
			ae = &apiError{Status: http.StatusServiceUnavailable, Type: typeUnknown, Message: "The database is unavailable; retry it."}
		default:
			a.log.ErrorContext(r.Context(), "internal error", "err", err)
			ae = &apiError{Status: http.StatusInternalServerError, Type: typeUnknown, Message: "An unknown error occurred."}
		}
	}
	if ae.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="customergroup-admin", Basic realm="customergroup-admin"`)
	}
	writeJSON(w, ae.Status, object{{"type", ae.Type}, {"message", ae.Message}})
}

// object is a JSON object whose keys keep the order they were added in, so that answers read
// like Medusa's (id first) and fields selection can drop keys.
type object []member

type member struct {
	Key   string
	Value any
}

func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.Key)
		if err != nil {
			return nil, err
		}
		var v bytes.Buffer
		enc := json.NewEncoder(&v)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(m.Value); err != nil {
			return nil, fmt.Errorf("field %s: %w", m.Key, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(bytes.TrimRight(v.Bytes(), "\n"))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (o object) get(key string) (any, bool) {
	for _, m := range o {
		if m.Key == key {
			return m.Value, true
		}
	}
	return nil, false
}
