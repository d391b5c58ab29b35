package customergroup

import (
	"errors"
	"fmt"
	"strings"
)

// The errors every Service method and every Store returns, wrapped with context (match them
// with errors.Is). A method returns one of these or the context's own error
// (context.Canceled, context.DeadlineExceeded), never a driver's error text.
var (
	// ErrNotFound: no group has the given id.
	ErrNotFound = errors.New("customergroup: not found")
	// ErrNameTaken: another group already has this name, compared case-insensitively.
	ErrNameTaken = errors.New("customergroup: name already in use")
	// ErrIDTaken: Create was given an id that another group already has.
	ErrIDTaken = errors.New("customergroup: id already in use")
	// ErrConflict: the group changed since the version the caller read (Update.IfVersion), or
	// EditMetadata lost the race to concurrent writers more times than its retry bound.
	// Read again and retry.
	ErrConflict = errors.New("customergroup: version conflict")
	// ErrInvalid: the input was refused; the error is a *ValidationError naming the field.
	// Nothing was stored.
	ErrInvalid = errors.New("customergroup: invalid input")
	// ErrUnknownCustomer: the host's customer check (WithCustomerCheck) does not know some
	// of the ids; the error is an *UnknownCustomerError naming them. Nothing was added.
	ErrUnknownCustomer = errors.New("customergroup: unknown customer")
	// ErrUnavailable: the store could not do the operation for a reason outside the input —
	// the database is down or unreachable, the connection broke, the schema is missing. The
	// store's own error stays reachable with errors.As/Unwrap for logs. Every store operation
	// is atomic, so the change was either made whole or not at all; only when the link broke
	// during the commit itself is it unknown which. Retrying is safe: AddCustomers,
	// RemoveCustomers and ForgetCustomer are idempotent, a repeated Create gives ErrNameTaken
	// or ErrIDTaken, a repeated Delete ErrNotFound, and Update with IfVersion ErrConflict.
	ErrUnavailable = errors.New("customergroup: store unavailable")
)

// ValidationError reports input that was refused: which field and what is wrong with it.
// errors.Is(err, ErrInvalid) is true for every ValidationError.
//
// Field names follow the Go field they came from, lower-cased, with an index or key where
// that helps: "name", "id", "customerIDs[3]", `metadata["color"]`, "metadata[2]", "limit".
type ValidationError struct {
	Field   string
	Problem string
}

func (e *ValidationError) Error() string {
	return "customergroup: invalid " + e.Field + ": " + e.Problem
}

// Is reports whether target is ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// UnknownCustomerError lists the customer ids the host's customer check did not know.
// errors.Is(err, ErrUnknownCustomer) is true for it.
type UnknownCustomerError struct {
	IDs []string
}

func (e *UnknownCustomerError) Error() string {
	const show = 10
	ids := e.IDs
	more := ""
	if len(ids) > show {
		more = fmt.Sprintf(" and %d more", len(ids)-show)
		ids = ids[:show]
	}
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = fmt.Sprintf("%q", id)
	}
	return "customergroup: unknown customer: " + strings.Join(q, ", ") + more
}

// Is reports whether target is ErrUnknownCustomer.
func (e *UnknownCustomerError) Is(target error) bool { return target == ErrUnknownCustomer }

func notFound(id string) error {
	return fmt.Errorf("customer group %q: %w", id, ErrNotFound)
}

// NotFoundError wraps ErrNotFound with the group id; for Store implementations.
func NotFoundError(id string) error { return notFound(id) }
