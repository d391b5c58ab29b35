package customergroup

import "time"

// CustomerGroup is a segment of customers, used for group pricing and promotions.
type CustomerGroup struct {
	ID            string    // UUIDv7 text unless the caller supplied one at Create
	Name          string    // trimmed; unique among groups, compared case-insensitively (FoldName)
	Metadata      Metadata  // ordered key-value pairs
	CustomerCount int       // customers in the group now
	CreatedBy     string    // actor that created it ("" if none)
	CreatedAt     time.Time // UTC, microsecond precision in every store
	UpdatedAt     time.Time // changed by Update and EditMetadata, not by membership changes
	Version       int64     // 1 at creation, +1 on every successful Update/EditMetadata
}

// NewGroup is the input of Create.
type NewGroup struct {
	ID        string   // optional: keep an existing id when importing from another system
	Name      string   // required; trimmed
	Metadata  Metadata // optional
	CreatedBy string   // optional; defaults to the actor in ctx (see WithActor)
}

// Update is the input of Service.Update. A nil field is left unchanged.
type Update struct {
	Name      *string   // nil: unchanged
	Metadata  *Metadata // nil: unchanged; non-nil replaces the whole ordered list (the editor's Save)
	IfVersion int64     // 0: unconditional; otherwise ErrConflict unless the stored Version equals it
}

// Clone returns a copy of g that shares no metadata rows with it.
func (g CustomerGroup) Clone() CustomerGroup {
	g.Metadata = g.Metadata.Clone()
	return g
}

// Timestamp is how the Service stamps times: UTC, truncated to the microsecond, the
// precision every store keeps.
func Timestamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
