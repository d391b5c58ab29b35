package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/b02aa859/customergroup"
	"github.com/b02aa859/customergroup/memstore"
)

// flakyStore is memstore with failures switched on by the test.
type flakyStore struct {
	customergroup.Store
	alwaysConflict bool  // every UpdateGroup loses a race
	groupErr       error // Group fails with this
	panicOnList    bool
}

func (s *flakyStore) UpdateGroup(ctx context.Context, g customergroup.CustomerGroup, prev int64) error {
	if s.alwaysConflict {
		return fmt.Errorf("someone else wrote first: %w", customergroup.ErrConflict)
	}
	return s.Store.UpdateGroup(ctx, g, prev)
}

func (s *flakyStore) Group(ctx context.Context, id string) (customergroup.CustomerGroup, error) {
	if s.groupErr != nil {
		return customergroup.CustomerGroup{}, s.groupErr
	}
	return s.Store.Group(ctx, id)
}

func (s *flakyStore) Groups(ctx context.Context, q customergroup.Query) (customergroup.Page, error) {
	if s.panicOnList {
		panic("the store fell over")
	}
	return s.Store.Groups(ctx, q)
}

func TestFailures(t *testing.T) {
	store := &flakyStore{Store: memstore.New()}
	h := newHarnessOn(t, store, newMemCustomers())
	path := "/admin/customer-groups/" + h.createGroup("VIP")["id"].(string)

	// Losing every race: 409 conflict after the retries, for a rename (the library retries) and
	// for a metadata merge (the API merges again on each retry); 412 when If-Match was sent.
	store.alwaysConflict = true
	h.call("POST", path, map[string]any{"name": "Gold"}).requireError(http.StatusConflict, "conflict", "retry")
	h.call("POST", path, `{"metadata":{"a":"b"}}`).requireError(http.StatusConflict, "conflict", "retry")
	h.call("POST", path, `{"metadata":{"a":"b"}}`, "If-Match", `"1"`).requireError(http.StatusPreconditionFailed, "precondition_failed")
	store.alwaysConflict = false

	// A store failure: 500 with nothing of it in the answer, all of it in the log.
	store.groupErr = errors.New("disk on fire at 10.0.0.7")
	r := h.call("GET", path, nil)
	r.requireError(http.StatusInternalServerError, "unknown_error", "An unknown error occurred.")
	require.NotContains(t, string(r.Body), "disk on fire")
	require.Contains(t, h.log.String(), "disk on fire at 10.0.0.7")
	store.groupErr = nil

	// A panic: 500, logged with its stack; the server keeps serving.
	store.panicOnList = true
	h.call("GET", "/admin/customer-groups", nil).requireError(http.StatusInternalServerError, "unknown_error")
	require.Contains(t, h.log.String(), "the store fell over")
	store.panicOnList = false
	h.call("GET", "/admin/customer-groups", nil).requireOK()

	// A deadline: 503.
	store.groupErr = fmt.Errorf("query: %w", context.DeadlineExceeded)
	h.call("GET", path, nil).requireError(http.StatusServiceUnavailable, "unknown_error")

	// The database down: 503 with Retry-After, the driver's words only in the log.
	store.groupErr = fmt.Errorf("sqlstore: group: %w: %w", customergroup.ErrUnavailable, errors.New("dial tcp 10.0.0.7:5432: connection refused"))
	r = h.call("GET", path, nil)
	r.requireError(http.StatusServiceUnavailable, "unknown_error", "retry")
	require.Equal(t, "1", r.Header.Get("Retry-After"))
	require.NotContains(t, string(r.Body), "10.0.0.7")
	require.Contains(t, h.log.String(), "connection refused")
}
