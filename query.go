package customergroup

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultPageSize is the page size when a query's Limit is 0.
const DefaultPageSize = 50

// MaxPageSize is the largest Limit a query takes; more is ErrInvalid.
const MaxPageSize = 1000

// MaxFilterValues bounds Query.IDs and Query.Names: at most this many values each.
const MaxFilterValues = 1000

// SortField is the field a group list is ordered by. Ties are broken by ID.
type SortField string

const (
	SortByCreatedAt SortField = "created_at" // the default ("" means this)
	SortByName      SortField = "name"       // by FoldName of the name, byte order
	SortByUpdatedAt SortField = "updated_at"
)

// TimeRange selects times t with From <= t < To; a zero end is open.
type TimeRange struct {
	From, To time.Time
}

// Contains reports whether t is in the range.
func (r TimeRange) Contains(t time.Time) bool {
	return (r.From.IsZero() || !t.Before(r.From)) && (r.To.IsZero() || t.Before(r.To))
}

// Query selects, orders and pages groups for List. Filters combine with AND; the zero Query
// lists every group, oldest first, 50 at a time.
type Query struct {
	Search     string    // case-insensitive substring of the name (trimmed; % and _ are literal)
	IDs        []string  // only these ids (at most MaxFilterValues)
	Names      []string  // exact names, case-insensitive (at most MaxFilterValues)
	CustomerID string    // only groups this customer belongs to
	CreatedBy  string    // only groups created by this actor
	Created    TimeRange // From inclusive, To exclusive, zero = open
	Updated    TimeRange
	Sort       SortField // SortByCreatedAt (default), SortByName, SortByUpdatedAt
	Desc       bool
	Limit      int    // 0 → DefaultPageSize; more than MaxPageSize → ErrInvalid
	Offset     int    // offset paging, as the admin list page uses
	After      string // opaque cursor from Page.Next: keyset paging, same cost at any depth
	CountTotal bool   // fill Page.Total
}

// Page is one page of List.
type Page struct {
	Groups []CustomerGroup // never nil
	Next   string          // cursor for the following page; "" on the last one
	Total  int             // matches of the whole query when CountTotal, else -1
}

// MemberQuery pages the members of one group, ordered by CustomerID (byte order).
type MemberQuery struct {
	Limit      int    // 0 → DefaultPageSize; more than MaxPageSize → ErrInvalid
	After      string // opaque cursor from MemberPage.Next
	Offset     int
	CountTotal bool
}

// MemberPage is one page of ListCustomers.
type MemberPage struct {
	Members []Membership // never nil; ordered by CustomerID
	Next    string       // cursor for the following page; "" on the last one
	Total   int          // members of the group when CountTotal, else -1
}

// Normalize checks q and fills its defaults: Sort, Limit, trimmed Search, UTC times rounded
// up to the microsecond (stored times have that precision, so the same times match). Filter
// strings must be valid UTF-8 without control characters. The Service passes stores only
// normalized queries.
func (q Query) Normalize() (Query, error) {
	switch q.Sort {
	case "":
		q.Sort = SortByCreatedAt
	case SortByCreatedAt, SortByName, SortByUpdatedAt:
	default:
		return q, invalid("sort", "unknown sort field %q", string(q.Sort))
	}
	var err error
	if q.Limit, err = normalizePaging(q.Limit, q.Offset, q.After); err != nil {
		return q, err
	}
	q.Search = strings.TrimSpace(q.Search)
	if p := textProblem(q.Search); p != "" {
		return q, invalid("search", "%s", p)
	}
	// Filter values go to the store as they are: refuse text no store could hold (invalid
	// UTF-8, NUL and other control characters), so a SQL store never sees it.
	for _, f := range []struct{ name, v string }{{"customerID", q.CustomerID}, {"createdBy", q.CreatedBy}} {
		if p := textProblem(f.v); p != "" {
			return q, invalid(f.name, "%s", p)
		}
	}
	for _, f := range []struct {
		name string
		vs   []string
	}{{"ids", q.IDs}, {"names", q.Names}} {
		if len(f.vs) > MaxFilterValues {
			return q, invalid(f.name, "has %d values, more than the limit of %d", len(f.vs), MaxFilterValues)
		}
		for i, v := range f.vs {
			if p := textProblem(strings.TrimSpace(v)); p != "" {
				return q, invalid(fmt.Sprintf("%s[%d]", f.name, i), "%s", p)
			}
		}
	}
	for _, f := range []struct {
		name string
		r    *TimeRange
	}{{"created", &q.Created}, {"updated", &q.Updated}} {
		// Stored times have microsecond precision, so rounding a bound up to the next
		// microsecond selects exactly the same stored times (for From and To alike).
		if !f.r.From.IsZero() {
			f.r.From = ceilMicro(f.r.From)
		}
		if !f.r.To.IsZero() {
			f.r.To = ceilMicro(f.r.To)
		}
		for _, t := range []time.Time{f.r.From, f.r.To} {
			if !t.IsZero() && !storableTime(t) {
				return q, invalid(f.name, "%s is outside the years 1 to 9999", t.Format(time.RFC3339Nano))
			}
		}
		if !f.r.From.IsZero() && !f.r.To.IsZero() && f.r.From.After(f.r.To) {
			return q, invalid(f.name, "From %s is after To %s", f.r.From.Format(time.RFC3339Nano), f.r.To.Format(time.RFC3339Nano))
		}
	}
	if q.After != "" {
		if _, err := q.Position(); err != nil {
			return q, err
		}
	}
	return q, nil
}

// storableTime reports whether every store can hold and compare t: MySQL's DATETIME and its
// driver take the years 1 to 9999, SQLite's Unix microseconds overflow beyond ±292,277.
func storableTime(t time.Time) bool {
	y := t.UTC().Year()
	return y >= 1 && y <= 9999
}

// ceilMicro is t in UTC rounded up to the microsecond.
func ceilMicro(t time.Time) time.Time {
	u := Timestamp(t)
	if u.Before(t) {
		u = u.Add(time.Microsecond)
	}
	return u
}

func normalizePaging(limit, offset int, after string) (int, error) {
	switch {
	case limit < 0:
		return 0, invalid("limit", "must not be negative, got %d", limit)
	case limit > MaxPageSize:
		return 0, invalid("limit", "is %d, more than the maximum page size %d", limit, MaxPageSize)
	case offset < 0:
		return 0, invalid("offset", "must not be negative, got %d", offset)
	case offset > 0 && after != "":
		return 0, invalid("after", "cannot be combined with offset")
	case limit == 0:
		return DefaultPageSize, nil
	}
	return limit, nil
}

// Match reports whether g passes every filter of q except CustomerID, which needs the
// memberships (a store checks that one itself). For stores that filter in memory; to filter
// many groups, Matcher avoids folding the query's strings again for each one.
func (q Query) Match(g CustomerGroup) bool { return q.Matcher()(g, FoldName(g.Name)) }

// Matcher returns Match with the query's strings folded once: match(g, nameKey) with nameKey
// = FoldName(g.Name), which a store may keep beside each group.
func (q Query) Matcher() func(g CustomerGroup, nameKey string) bool {
	search := FoldName(strings.TrimSpace(q.Search))
	var ids, names map[string]bool
	if len(q.IDs) > 0 {
		ids = make(map[string]bool, len(q.IDs))
		for _, id := range q.IDs {
			ids[id] = true
		}
	}
	if len(q.Names) > 0 {
		names = make(map[string]bool, len(q.Names))
		for _, n := range q.Names {
			names[FoldName(strings.TrimSpace(n))] = true
		}
	}
	return func(g CustomerGroup, nameKey string) bool {
		switch {
		case search != "" && !strings.Contains(nameKey, search),
			ids != nil && !ids[g.ID],
			names != nil && !names[nameKey],
			q.CreatedBy != "" && g.CreatedBy != q.CreatedBy:
			return false
		}
		return q.Created.Contains(g.CreatedAt) && q.Updated.Contains(g.UpdatedAt)
	}
}

// Position is a place in the order of a group list: the sort value and ID of the last group
// of a page. Keyset paging resumes strictly after it.
type Position struct {
	Time time.Time // for SortByCreatedAt and SortByUpdatedAt
	Name string    // for SortByName: FoldName of the name
	ID   string
}

// PositionOf is g's place in the order of q.
func (q Query) PositionOf(g CustomerGroup) Position {
	switch q.Sort {
	case SortByName:
		return Position{Name: FoldName(g.Name), ID: g.ID}
	case SortByUpdatedAt:
		return Position{Time: g.UpdatedAt, ID: g.ID}
	}
	return Position{Time: g.CreatedAt, ID: g.ID}
}

// Compare orders a and b as q sorts them (Desc included): negative when a comes first.
func (q Query) Compare(a, b CustomerGroup) int {
	return q.ComparePositions(q.PositionOf(a), q.PositionOf(b))
}

// ComparePositions orders two positions as q sorts them (Desc included).
func (q Query) ComparePositions(a, b Position) int {
	var c int
	if q.Sort == SortByName {
		c = strings.Compare(a.Name, b.Name)
	} else {
		c = a.Time.Compare(b.Time)
	}
	if c == 0 {
		c = strings.Compare(a.ID, b.ID)
	}
	if q.Desc {
		c = -c
	}
	return c
}

// NextCursor is the cursor of the page that follows last, for Page.Next.
func (q Query) NextCursor(last CustomerGroup) string {
	p := q.PositionOf(last)
	key := p.Name
	if q.Sort != SortByName {
		key = strconv.FormatInt(p.Time.UnixMicro(), 10)
	}
	return encodeCursor(q.fingerprint(), key, p.ID)
}

// Position decodes q.After. A cursor that was tampered with, truncated, or made by a query
// with other filters or order is ErrInvalid.
func (q Query) Position() (Position, error) {
	key, id, err := decodeCursor(q.After, q.fingerprint())
	if err != nil {
		return Position{}, err
	}
	if q.Sort == SortByName {
		return Position{Name: key, ID: id}, nil
	}
	us, err := strconv.ParseInt(key, 10, 64)
	if err != nil || !storableTime(time.UnixMicro(us)) {
		return Position{}, invalid("after", "is not a cursor of this query")
	}
	return Position{Time: time.UnixMicro(us).UTC(), ID: id}, nil
}

// fingerprint identifies the filters and order of q, so that a cursor only works with the
// query that made it.
func (q Query) fingerprint() uint64 {
	sort := q.Sort
	if sort == "" {
		sort = SortByCreatedAt
	}
	b, _ := json.Marshal([]any{"groups", strings.TrimSpace(q.Search), nonNil(q.IDs), nonNil(q.Names), q.CustomerID, q.CreatedBy,
		rangeKey(q.Created), rangeKey(q.Updated), sort, q.Desc})
	return hash64(b)
}

// nonNil makes a nil and an empty filter list one query: both filter nothing.
func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// rangeKey is r for a fingerprint: each end in microseconds, or nil when open (so an open
// end and one at the Unix epoch differ).
func rangeKey(r TimeRange) [2]*int64 {
	var k [2]*int64
	if !r.From.IsZero() {
		us := r.From.UnixMicro()
		k[0] = &us
	}
	if !r.To.IsZero() {
		us := r.To.UnixMicro()
		k[1] = &us
	}
	return k
}

// Normalize checks q and fills its default Limit.
func (q MemberQuery) Normalize() (MemberQuery, error) {
	var err error
	q.Limit, err = normalizePaging(q.Limit, q.Offset, q.After)
	return q, err
}

// Position decodes q.After for the members of groupID: the customer id after which the page
// starts, or "" when q.After is empty. A cursor of another group or query is ErrInvalid.
func (q MemberQuery) Position(groupID string) (afterCustomerID string, err error) {
	if q.After == "" {
		return "", nil
	}
	_, id, err := decodeCursor(q.After, memberFingerprint(groupID))
	return id, err
}

// NextCursor is the cursor of the page that follows the member lastCustomerID of groupID.
func (q MemberQuery) NextCursor(groupID, lastCustomerID string) string {
	return encodeCursor(memberFingerprint(groupID), "", lastCustomerID)
}

func memberFingerprint(groupID string) uint64 {
	b, _ := json.Marshal([]string{"members", groupID})
	return hash64(b)
}

func hash64(b []byte) uint64 {
	sum := sha256.Sum256(b)
	return binary.BigEndian.Uint64(sum[:8])
}

// A cursor is base64url(json payload + 8-byte checksum of it).
type cursorPayload struct {
	Q string `json:"q"` // query fingerprint, hex
	K string `json:"k"` // sort value
	I string `json:"i"` // id
}

func encodeCursor(fp uint64, key, id string) string {
	b, _ := json.Marshal(cursorPayload{Q: strconv.FormatUint(fp, 16), K: key, I: id})
	b = binary.BigEndian.AppendUint64(b, hash64(b))
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, fp uint64) (key, id string, err error) {
	bad := invalid("after", "is not a cursor of this query")
	b, derr := base64.RawURLEncoding.Strict().DecodeString(s)
	if derr != nil || len(b) < 9 {
		return "", "", bad
	}
	body, sum := b[:len(b)-8], binary.BigEndian.Uint64(b[len(b)-8:])
	if hash64(body) != sum {
		return "", "", bad
	}
	var p cursorPayload
	if json.Unmarshal(body, &p) != nil || p.Q != strconv.FormatUint(fp, 16) {
		return "", "", bad
	}
	// The checksum has no secret, so a client can forge a cursor: its values go to the store
	// like filter values, and must be text no store refuses (no NUL, no control characters).
	// Genuine cursors hold only ids and folded names, which never have them.
	if textProblem(p.K) != "" || textProblem(p.I) != "" {
		return "", "", bad
	}
	return p.K, p.I, nil
}
