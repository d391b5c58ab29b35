package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"time"

	"github.com/b02aa859/customergroup"
)

// failKind is what a driver error means to the store. Each dialect's classify reads its
// driver's errors (by SQLSTATE, error number or result code, never by message text) into one.
type failKind int

const (
	failOther         failKind = iota // not understood: ErrUnavailable, wrapping the driver's error
	failDuplicateID                   // the groups primary key: ErrIDTaken
	failDuplicateName                 // the unique name_key index: ErrNameTaken
	failDuplicate                     // a unique violation the driver does not name (MySQL)
	failTransient                     // deadlock, serialization failure: run again
	failLockTimeout                   // the database already waited its lock timeout: ErrUnavailable, no retry
	failInvalid                       // a value the database refused (too long, bad encoding)
	failCanceled                      // the statement was canceled
)

// transientError is a failure worth running the whole operation again for. It unwraps to
// ErrConflict and to the driver's error.
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

var sentinels = []error{
	customergroup.ErrNotFound, customergroup.ErrNameTaken, customergroup.ErrIDTaken,
	customergroup.ErrConflict, customergroup.ErrInvalid, customergroup.ErrUnknownCustomer,
	customergroup.ErrUnavailable,
}

func isSentinel(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// deadlineSlack is how early before ctx's deadline a driver's timeout still counts as it.
const deadlineSlack = 50 * time.Millisecond

// fail turns err, from a driver or from the store itself, into what a Store returns: ctx's
// error when ctx is done, the store's own sentinel errors as they are, and driver errors
// translated by the dialect.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	// A driver that gives up on a timer of its own set from ctx's deadline (pgx's dial does)
	// can fail a moment before ctx itself expires: that timeout is the caller's deadline.
	var ne net.Error
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < deadlineSlack && errors.As(err, &ne) && ne.Timeout() {
		return context.DeadlineExceeded
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var t *transientError
	if errors.As(err, &t) || isSentinel(err) {
		return err
	}
	switch s.d.classify(err) {
	case failDuplicateID:
		return fmt.Errorf("sqlstore: %s: %w", op, customergroup.ErrIDTaken)
	case failDuplicateName:
		return fmt.Errorf("sqlstore: %s: %w", op, customergroup.ErrNameTaken)
	case failDuplicate, failTransient:
		return &transientError{fmt.Errorf("sqlstore: %s: %w: %w", op, customergroup.ErrConflict, err)}
	case failLockTimeout:
		return fmt.Errorf("sqlstore: %s: %w: lock wait timed out: %w", op, customergroup.ErrUnavailable, err)
	case failInvalid:
		return fmt.Errorf("sqlstore: %s: %w", op, &customergroup.ValidationError{Field: "input", Problem: "refused by the database: " + err.Error()})
	}
	return fmt.Errorf("sqlstore: %s: %w: %w", op, customergroup.ErrUnavailable, err)
}

// errorChain yields err and every error it wraps, depth first.
func errorChain(err error, yield func(error) bool) bool {
	for err != nil {
		if !yield(err) {
			return false
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if !errorChain(e, yield) {
					return false
				}
			}
			return true
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		default:
			return true
		}
	}
	return true
}

// structField returns the exported field name of the struct that err (a pointer to a struct,
// or a struct) is, when the struct's type is called typeName. It lets the store read a driver
// error type's fields without importing the driver, which would register it.
func structField(err error, typeName, name string) (reflect.Value, bool) {
	v := reflect.ValueOf(err)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return reflect.Value{}, false
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct || v.Type().Name() != typeName {
		return reflect.Value{}, false
	}
	f := v.FieldByName(name)
	if !f.IsValid() || !f.CanInterface() {
		return reflect.Value{}, false
	}
	return f, true
}
