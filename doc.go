// Package customergroup gives commerce backends customer groups: segments of customers used
// for group pricing and promotions (a VIP group with 10% off, a wholesale group with its own
// prices).
//
// # Overview
//
// A Service is the entry point. It validates input, stamps ids (UUIDv7), times (UTC,
// microseconds), versions and actors, calls a Store, and tells an Observer of each change.
// Stores: memstore (in memory, for tests and single processes), sqlstore (PostgreSQL, SQLite,
// MySQL/MariaDB over database/sql), or a host's own implementation of Store, checked with
// storetest.Run.
//
//	svc := customergroup.New(memstore.New())
//	vip, err := svc.Create(ctx, customergroup.NewGroup{Name: "VIP"})
//	_, err = svc.AddCustomers(ctx, vip.ID, []string{"cus_1", "cus_2"})
//	groups, err := svc.GroupIDsOf(ctx, "cus_1") // the pricing lookup
//
// # Groups
//
// A group has a name, unique among groups when compared with FoldName (case-insensitive, NFC),
// ordered Metadata, and a CustomerCount that every store keeps exact. Update and EditMetadata
// bump Version; Update.IfVersion turns an update into a compare-and-set, and EditMetadata
// retries on conflict so concurrent editors of one table never lose each other's rows.
//
// # Customers
//
// The library does not own customers: customer ids are the host's opaque strings.
// AddCustomers and RemoveCustomers are idempotent and atomic for batches of any size;
// WithCustomerCheck lets the host refuse ids it does not know. ForgetCustomer removes a
// customer the host deleted from every group.
//
// # Errors
//
// Every error is one of ErrNotFound, ErrNameTaken, ErrIDTaken, ErrConflict, ErrInvalid (a
// *ValidationError naming the field), ErrUnknownCustomer (an *UnknownCustomerError naming
// the ids) or ErrUnavailable (the store failed for a reason outside the input), wrapped with
// context, or the context's own error. Every operation is atomic: all of it is stored or
// none. After ErrUnavailable or a context error from a database store the change may still
// have committed (the link broke, or ctx ended, while the database was finishing it), so read
// again or retry: retrying is safe (see ErrUnavailable).
//
// # Events
//
// WithObserver receives an Event after each successful change, never after a failed or no-op
// one.
package customergroup
