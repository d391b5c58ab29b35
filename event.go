package customergroup

import (
	"context"
	"time"
)

// EventType names a change.
type EventType string

const (
	EventCreated          EventType = "customer_group.created"
	EventUpdated          EventType = "customer_group.updated" // Update or EditMetadata
	EventDeleted          EventType = "customer_group.deleted"
	EventCustomersAdded   EventType = "customer_group.customers_added"
	EventCustomersRemoved EventType = "customer_group.customers_removed" // RemoveCustomers or ForgetCustomer
)

// Event tells an Observer of one successful change.
type Event struct {
	Type        EventType
	GroupID     string
	CustomerIDs []string // membership events: exactly those added or removed; nil otherwise
	Actor       string   // from WithActor
	At          time.Time
}

// Observer is told of every change after it is stored, synchronously, on the caller's
// goroutine, with the caller's context. It is never told of a failed or no-op change (an
// Update that changes nothing, AddCustomers whose customers were all members already). It
// must be safe for concurrent use; a slow Observer slows the Service, so one that does I/O
// should hand events to a queue of its own (an outbox) rather than do it inline.
type Observer interface {
	Observe(ctx context.Context, e Event)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(ctx context.Context, e Event)

// Observe calls f.
func (f ObserverFunc) Observe(ctx context.Context, e Event) { f(ctx, e) }
