package customergroup

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Limits bounds metadata tables. A zero field means no limit.
type Limits struct {
	MaxEntries    int // rows in one table
	MaxKeyBytes   int // bytes in one key
	MaxValueBytes int // bytes in one value
}

// DefaultLimits are the metadata limits unless WithLimits says otherwise. (Stripe allows 50
// keys of 40 bytes with 500-byte values; Medusa sets no limit at all.)
var DefaultLimits = Limits{MaxEntries: 256, MaxKeyBytes: 128, MaxValueBytes: 8 << 10}

// DefaultEditRetries is how many times EditMetadata and an unconditional Update re-read and
// retry after losing a race to a concurrent writer before they return ErrConflict.
const DefaultEditRetries = 16

// Option configures a Service.
type Option func(*config)

type config struct {
	now      func() time.Time
	newID    func() string
	limits   Limits
	observer Observer
	unknown  func(ctx context.Context, ids []string) ([]string, error)
	retries  int
}

func defaultConfig() config {
	return config{
		now:     time.Now,
		newID:   newUUIDv7,
		limits:  DefaultLimits,
		retries: DefaultEditRetries,
	}
}

func newUUIDv7() string { return uuid.Must(uuid.NewV7()).String() }

// WithClock sets the clock that stamps CreatedAt, UpdatedAt, AddedAt and Event.At (default
// time.Now). Its times are stored in UTC at microsecond precision.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithIDGenerator sets how group ids are made when NewGroup.ID is empty (default: UUIDv7 text,
// which sorts by creation time). Generated ids are validated like supplied ones.
func WithIDGenerator(newID func() string) Option { return func(c *config) { c.newID = newID } }

// WithLimits replaces DefaultLimits for metadata.
func WithLimits(l Limits) Option { return func(c *config) { c.limits = l } }

// WithObserver sets the Observer told of every successful change (see Event).
func WithObserver(o Observer) Option { return func(c *config) { c.observer = o } }

// WithCustomerCheck lets the host refuse customer ids it has no customer for: AddCustomers
// calls unknown with the batch's distinct, valid ids, before it stores anything, and refuses
// the whole batch with an *UnknownCustomerError (ErrUnknownCustomer) when it returns any. An
// error from unknown is returned as it is and nothing is added.
func WithCustomerCheck(unknown func(ctx context.Context, ids []string) ([]string, error)) Option {
	return func(c *config) { c.unknown = unknown }
}

// WithEditRetries sets how many times EditMetadata and an unconditional Update retry after a
// version conflict (default DefaultEditRetries): at most n+1 attempts; 0 means one attempt
// and no retry.
func WithEditRetries(n int) Option { return func(c *config) { c.retries = n } }

type actorKey struct{}

// WithActor returns a context that names who acts: it stamps CustomerGroup.CreatedBy (unless
// NewGroup.CreatedBy is set), Membership.AddedBy and Event.Actor.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFrom returns the actor set by WithActor, or "".
func ActorFrom(ctx context.Context) string {
	a, _ := ctx.Value(actorKey{}).(string)
	return a
}
