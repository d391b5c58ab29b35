package customergroup_test

import (
	"context"
	"database/sql"
	"io/fs"
	"iter"
	"testing"
	"time"

	cg "github.com/b02aa859/customergroup"
	"github.com/b02aa859/customergroup/memstore"
	"github.com/b02aa859/customergroup/sqlstore"
	"github.com/b02aa859/customergroup/storetest"
)

// The public API contract (API.md), checked by the compiler: every exported name and
// signature the contract lists must exist as written, or this file stops compiling and the
// package's tests fail to build.
var (
	_ func(...cg.Entry) (cg.Metadata, error)                                                         = cg.MetadataOf
	_ func(cg.Metadata) int                                                                          = cg.Metadata.Len
	_ func(cg.Metadata, int) cg.Entry                                                                = cg.Metadata.At
	_ func(cg.Metadata, string) (string, bool)                                                       = cg.Metadata.Get
	_ func(cg.Metadata, string) int                                                                  = cg.Metadata.Index
	_ func(cg.Metadata) iter.Seq2[string, string]                                                    = cg.Metadata.All
	_ func(cg.Metadata) []cg.Entry                                                                   = cg.Metadata.Entries
	_ func(cg.Metadata) cg.Metadata                                                                  = cg.Metadata.Clone
	_ func(cg.Metadata, cg.Metadata) bool                                                            = cg.Metadata.Equal
	_ func(*cg.Metadata, string, string) error                                                       = (*cg.Metadata).Set
	_ func(*cg.Metadata, int, string, string) error                                                  = (*cg.Metadata).Insert
	_ func(*cg.Metadata, int, string, string) error                                                  = (*cg.Metadata).SetAt
	_ func(*cg.Metadata, string) bool                                                                = (*cg.Metadata).Delete
	_ func(*cg.Metadata, int) error                                                                  = (*cg.Metadata).DeleteAt
	_ func(*cg.Metadata, int, int) error                                                             = (*cg.Metadata).Move
	_ func(cg.Metadata) ([]byte, error)                                                              = cg.Metadata.MarshalJSON
	_ func(*cg.Metadata, []byte) error                                                               = (*cg.Metadata).UnmarshalJSON
	_ func(cg.Store, ...cg.Option) *cg.Service                                                       = cg.New
	_ func(func() time.Time) cg.Option                                                               = cg.WithClock
	_ func(func() string) cg.Option                                                                  = cg.WithIDGenerator
	_ func(cg.Limits) cg.Option                                                                      = cg.WithLimits
	_ func(cg.Observer) cg.Option                                                                    = cg.WithObserver
	_ func(func(context.Context, []string) ([]string, error)) cg.Option                              = cg.WithCustomerCheck
	_ func(context.Context, string) context.Context                                                  = cg.WithActor
	_ func(*cg.Service, context.Context, cg.NewGroup) (cg.CustomerGroup, error)                      = (*cg.Service).Create
	_ func(*cg.Service, context.Context, string) (cg.CustomerGroup, error)                           = (*cg.Service).Get
	_ func(*cg.Service, context.Context, cg.Query) (cg.Page, error)                                  = (*cg.Service).List
	_ func(*cg.Service, context.Context, string, cg.Update) (cg.CustomerGroup, error)                = (*cg.Service).Update
	_ func(*cg.Service, context.Context, string, func(*cg.Metadata) error) (cg.CustomerGroup, error) = (*cg.Service).EditMetadata
	_ func(*cg.Service, context.Context, string) error                                               = (*cg.Service).Delete
	_ func(*cg.Service, context.Context, string, []string) (int, error)                              = (*cg.Service).AddCustomers
	_ func(*cg.Service, context.Context, string, []string) (int, error)                              = (*cg.Service).RemoveCustomers
	_ func(*cg.Service, context.Context, string, cg.MemberQuery) (cg.MemberPage, error)              = (*cg.Service).ListCustomers
	_ func(*cg.Service, context.Context, string, string) (bool, error)                               = (*cg.Service).IsMember
	_ func(*cg.Service, context.Context, string) ([]string, error)                                   = (*cg.Service).GroupIDsOf
	_ func(*cg.Service, context.Context, string) (int, error)                                        = (*cg.Service).ForgetCustomer
	_ func(*testing.T, func(*testing.T) cg.Store)                                                    = storetest.Run
	_ func() *memstore.Store                                                                         = memstore.New
	_ func(*sql.DB, sqlstore.Dialect, ...sqlstore.Option) (*sqlstore.Store, error)                   = sqlstore.New
	_ func(*sqlstore.Store, context.Context) error                                                   = (*sqlstore.Store).Migrate
	_ func(string) sqlstore.Option                                                                   = sqlstore.WithTablePrefix
	_ func(*sqlstore.Store, *sql.Tx) cg.Store                                                        = (*sqlstore.Store).WithTx
	_ func(sqlstore.Dialect) fs.FS                                                                   = sqlstore.Schema
	_                                                                                                = []sqlstore.Dialect{sqlstore.Postgres, sqlstore.SQLite, sqlstore.MySQL}
	_                                                                                                = []error{cg.ErrNotFound, cg.ErrNameTaken, cg.ErrIDTaken, cg.ErrConflict, cg.ErrInvalid, cg.ErrUnknownCustomer}
	_                                                                                                = cg.ValidationError{Field: "", Problem: ""}
	_                                                                                                = cg.Event{Type: cg.EventType(""), GroupID: "", CustomerIDs: nil, Actor: "", At: time.Time{}}
	_                                                                                                = cg.Query{Search: "", IDs: nil, Names: nil, CustomerID: "", CreatedBy: "", Created: cg.TimeRange{From: time.Time{}, To: time.Time{}}, Updated: cg.TimeRange{}, Sort: cg.SortByCreatedAt, Desc: false, Limit: 0, Offset: 0, After: "", CountTotal: false}
	_                                                                                                = []cg.SortField{cg.SortByName, cg.SortByUpdatedAt}
	_                                                                                                = cg.Page{Groups: nil, Next: "", Total: 0}
	_                                                                                                = cg.MemberQuery{Limit: 0, After: "", Offset: 0, CountTotal: false}
	_                                                                                                = cg.MemberPage{Members: nil, Next: "", Total: 0}
	_                                                                                                = cg.Membership{GroupID: "", CustomerID: "", AddedAt: time.Time{}, AddedBy: ""}
	_                                                                                                = cg.CustomerGroup{ID: "", Name: "", Metadata: cg.Metadata{}, CustomerCount: 0, CreatedBy: "", CreatedAt: time.Time{}, UpdatedAt: time.Time{}, Version: int64(0)}
	_                                                                                                = cg.NewGroup{ID: "", Name: "", Metadata: cg.Metadata{}, CreatedBy: ""}
	_                                                                                                = cg.Update{Name: (*string)(nil), Metadata: (*cg.Metadata)(nil), IfVersion: int64(0)}
	_                                                                                                = cg.Entry{Key: "", Value: ""}
	_                                                                                                = cg.MaxPageSize
	_ cg.Observer                                                                                    = cg.ObserverFunc(nil)
)
