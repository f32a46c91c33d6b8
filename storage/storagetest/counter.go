package storagetest

import (
	"context"
	"sync"
	"sync/atomic"

	"entgo.io/ent/dialect"
)

// Counter wraps a driver and counts the SQL statements sent through it,
// so that tests can show how many statements a request costs.
type Counter struct {
	dialect.Driver
	n atomic.Int64

	mu   sync.Mutex
	seen []string // the statements since the last Reset
}

// Wrap is a storage.Config.WrapDriver that counts through c.
func (c *Counter) Wrap(d dialect.Driver) dialect.Driver {
	c.Driver = d
	return c
}

// Reset sets the count to zero.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n.Store(0)
	c.seen = nil
}

// Statements returns the text of the statements since the last Reset, so
// that a test can show what a statement reads as well as how many there are.
func (c *Counter) Statements() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.seen...)
}

func (c *Counter) record(query string) {
	c.n.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen = append(c.seen, query)
}

// Count returns the number of statements since the last Reset.
func (c *Counter) Count() int64 { return c.n.Load() }

// Exec implements dialect.ExecQuerier.
func (c *Counter) Exec(ctx context.Context, query string, args, v any) error {
	c.record(query)
	return c.Driver.Exec(ctx, query, args, v)
}

// Query implements dialect.ExecQuerier.
func (c *Counter) Query(ctx context.Context, query string, args, v any) error {
	c.record(query)
	return c.Driver.Query(ctx, query, args, v)
}

// Tx implements dialect.Driver; statements in transactions count too.
func (c *Counter) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := c.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &countingTx{Tx: tx, c: c}, nil
}

type countingTx struct {
	dialect.Tx
	c *Counter
}

func (t *countingTx) Exec(ctx context.Context, query string, args, v any) error {
	t.c.record(query)
	return t.Tx.Exec(ctx, query, args, v)
}

func (t *countingTx) Query(ctx context.Context, query string, args, v any) error {
	t.c.record(query)
	return t.Tx.Query(ctx, query, args, v)
}
