package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/benkan-project/benkan"
)

// Unavailable reports whether err says that the database cannot serve now
// but may soon: it is unreachable (connection refused or reset, a dial that
// failed), starting up or shutting down, out of connections, or (SQLite)
// busy. Such an error is no fault of the client's and no bug of benkan's:
// the client should retry, and the server answers UNAVAILABLE with HTTP 503.
// It decides on the drivers' typed errors, not on their messages.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		// The request's own deadline or cancellation (a dial cut short
		// by it too): a timeout of the request, not of the database.
		return false
	}
	var (
		pqErr  *pq.Error
		sqlErr *sqlite.Error
		netErr net.Error
		opErr  *net.OpError
	)
	switch {
	case errors.As(err, &pqErr):
		switch pqErr.Code {
		case "57P01", "57P02", "57P03", // admin_shutdown, crash_shutdown, cannot_connect_now (starting up)
			"53300", "53400": // too_many_connections, configuration_limit_exceeded
			return true
		}
		return pqErr.Code.Class() == "08" // connection_exception
	case errors.As(err, &sqlErr):
		switch sqlErr.Code() & 0xff { // the primary result code of an extended one
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
		return false
	case errors.As(err, &opErr), errors.As(err, &netErr):
		return true
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		// io.EOF and io.ErrUnexpectedEOF: lib/pq's when the server closed
		// the connection under it (a restart); ent never returns them itself.
		return true
	}
	// database/sql exports no error for a pool that was closed (the server
	// shutting down): its message is all there is to recognise.
	return strings.Contains(err.Error(), "sql: database is closed")
}

// errUnavailable is what the client is told when the database is unavailable.
const errUnavailable = "the database is unavailable right now; retry in a few seconds"

// unavailable returns err as a benkan.Error with code EUNAVAILABLE when it
// is one (the driver's error kept as its cause, for the log), and err
// unchanged otherwise.
func unavailable(err error) error {
	if err == nil || !Unavailable(err) {
		return err
	}
	var be *benkan.Error
	if errors.As(err, &be) {
		return err
	}
	return &benkan.Error{Code: benkan.EUNAVAILABLE, Message: errUnavailable, Err: err}
}

// availability wraps a driver so that the errors that mean "the database
// is unavailable" come out typed (benkan.Error with code EUNAVAILABLE),
// wherever they surface: a query, a statement, opening or ending a
// transaction. Every layer above can then tell them apart by their code.
type availability struct {
	dialect.Driver
}

// Exec implements dialect.ExecQuerier.
func (d availability) Exec(ctx context.Context, query string, args, v any) error {
	return unavailable(d.Driver.Exec(ctx, query, args, v))
}

// Query implements dialect.ExecQuerier.
func (d availability) Query(ctx context.Context, query string, args, v any) error {
	return unavailable(d.Driver.Query(ctx, query, args, v))
}

// Tx implements dialect.Driver.
func (d availability) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, unavailable(err)
	}
	return availableTx{tx}, nil
}

// BeginTx opens a transaction with options, as ent's sql driver does.
func (d availability) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	b, ok := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return d.Tx(ctx)
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, unavailable(err)
	}
	return availableTx{tx}, nil
}

// availableTx is a transaction whose errors are typed as availability's.
type availableTx struct {
	dialect.Tx
}

// Exec implements dialect.ExecQuerier.
func (t availableTx) Exec(ctx context.Context, query string, args, v any) error {
	return unavailable(t.Tx.Exec(ctx, query, args, v))
}

// Query implements dialect.ExecQuerier.
func (t availableTx) Query(ctx context.Context, query string, args, v any) error {
	return unavailable(t.Tx.Query(ctx, query, args, v))
}

// Commit implements driver.Tx.
func (t availableTx) Commit() error { return unavailable(t.Tx.Commit()) }

// Rollback implements driver.Tx.
func (t availableTx) Rollback() error { return unavailable(t.Tx.Rollback()) }
