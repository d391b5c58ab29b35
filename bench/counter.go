package main

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync"
)

// counter records the driver calls that reach the database, one letter each: B begin,
// P prepare, Q query, E exec, C commit, R rollback. Against a server each is one round trip
// (MySQL's statement close, which gets no answer, is not counted).
type counter struct {
	mu    sync.Mutex
	calls []byte
}

func (c *counter) add(kind byte) {
	c.mu.Lock()
	c.calls = append(c.calls, kind)
	c.mu.Unlock()
}

func (c *counter) reset() {
	c.mu.Lock()
	c.calls = c.calls[:0]
	c.mu.Unlock()
}

// String is the calls made since reset: "Q" for one query, "BEQC" for a transaction of an
// exec and a query, or a count by kind when there are many.
func (c *counter) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.calls) <= 8 {
		return string(c.calls)
	}
	var b strings.Builder
	for _, k := range []byte("BPQECR") {
		if n := strings.Count(string(c.calls), string(k)); n > 0 {
			fmt.Fprintf(&b, "%d%c", n, k)
		}
	}
	return b.String()
}

func (c *counter) n() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.calls)
}

// countingConnector wraps a driver's connector so that its connections count their calls.
// It forwards every optional interface database/sql looks for, so the driver behaves as it
// does unwrapped.
type countingConnector struct {
	driver.Connector
	c *counter
}

func (k countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := k.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, c: k.c}, nil
}

type countingConn struct {
	driver.Conn
	c *counter
}

var (
	_ driver.ConnPrepareContext = (*countingConn)(nil)
	_ driver.ConnBeginTx        = (*countingConn)(nil)
	_ driver.QueryerContext     = (*countingConn)(nil)
	_ driver.ExecerContext      = (*countingConn)(nil)
	_ driver.NamedValueChecker  = (*countingConn)(nil)
	_ driver.SessionResetter    = (*countingConn)(nil)
	_ driver.Validator          = (*countingConn)(nil)
	_ driver.Pinger             = (*countingConn)(nil)
)

func (k *countingConn) Prepare(query string) (driver.Stmt, error) {
	return k.PrepareContext(context.Background(), query)
}

func (k *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	k.c.add('P')
	var (
		st  driver.Stmt
		err error
	)
	if pc, ok := k.Conn.(driver.ConnPrepareContext); ok {
		st, err = pc.PrepareContext(ctx, query)
	} else {
		st, err = k.Conn.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return &countingStmt{Stmt: st, conn: k.Conn, c: k.c}, nil
}

func (k *countingConn) Begin() (driver.Tx, error) {
	return k.BeginTx(context.Background(), driver.TxOptions{})
}

func (k *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	k.c.add('B')
	var (
		tx  driver.Tx
		err error
	)
	if bt, ok := k.Conn.(driver.ConnBeginTx); ok {
		tx, err = bt.BeginTx(ctx, opts)
	} else {
		tx, err = k.Conn.Begin() //nolint:staticcheck // the fallback database/sql uses too
	}
	if err != nil {
		return nil, err
	}
	return countingTx{Tx: tx, c: k.c}, nil
}

func (k *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	qc, ok := k.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	rows, err := qc.QueryContext(ctx, query, args)
	if err != driver.ErrSkip {
		k.c.add('Q')
	}
	return rows, err
}

func (k *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	ec, ok := k.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	res, err := ec.ExecContext(ctx, query, args)
	if err != driver.ErrSkip {
		k.c.add('E')
	}
	return res, err
}

func (k *countingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if nvc, ok := k.Conn.(driver.NamedValueChecker); ok {
		return nvc.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (k *countingConn) ResetSession(ctx context.Context) error {
	if sr, ok := k.Conn.(driver.SessionResetter); ok {
		return sr.ResetSession(ctx)
	}
	return nil
}

func (k *countingConn) IsValid() bool {
	if v, ok := k.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (k *countingConn) Ping(ctx context.Context) error {
	if p, ok := k.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

type countingTx struct {
	driver.Tx
	c *counter
}

func (t countingTx) Commit() error   { t.c.add('C'); return t.Tx.Commit() }
func (t countingTx) Rollback() error { t.c.add('R'); return t.Tx.Rollback() }

type countingStmt struct {
	driver.Stmt
	conn driver.Conn
	c    *counter
}

var (
	_ driver.StmtExecContext   = (*countingStmt)(nil)
	_ driver.StmtQueryContext  = (*countingStmt)(nil)
	_ driver.NamedValueChecker = (*countingStmt)(nil)
)

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.c.add('E')
	if se, ok := s.Stmt.(driver.StmtExecContext); ok {
		return se.ExecContext(ctx, args)
	}
	return s.Stmt.Exec(values(args)) //nolint:staticcheck // the fallback database/sql uses too
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.c.add('Q')
	if sq, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return sq.QueryContext(ctx, args)
	}
	return s.Stmt.Query(values(args)) //nolint:staticcheck // the fallback database/sql uses too
}

// CheckNamedValue is the statement's checker, else its connection's: database/sql would
// consult the connection's when the statement has none.
func (s *countingStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if nvc, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return nvc.CheckNamedValue(nv)
	}
	if nvc, ok := s.conn.(driver.NamedValueChecker); ok {
		return nvc.CheckNamedValue(nv)
	}
	if cc, ok := s.Stmt.(driver.ColumnConverter); ok { //nolint:staticcheck // forwarded as is
		v, err := cc.ColumnConverter(nv.Ordinal - 1).ConvertValue(nv.Value)
		if err != nil {
			return err
		}
		nv.Value = v
		return nil
	}
	return driver.ErrSkip
}

func values(args []driver.NamedValue) []driver.Value {
	out := make([]driver.Value, len(args))
	for i, a := range args {
		out[i] = a.Value
	}
	return out
}
