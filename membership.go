package customergroup

import "time"

// Membership is one customer's place in one group. Customer ids are the host's own opaque
// strings (the library does not own customers): non-empty, at most MaxIDLength bytes, valid
// UTF-8, no control characters.
type Membership struct {
	GroupID    string
	CustomerID string
	AddedAt    time.Time
	AddedBy    string
}
