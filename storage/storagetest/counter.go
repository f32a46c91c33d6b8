package storagetest

import (
	"context"
	"sync/atomic"

	"entgo.io/ent/dialect"
)

// Counter wraps a driver and counts the SQL statements sent through it,
// so that tests can show how many statements a request costs.
type Counter struct {
	dialect.Driver
	n atomic.Int64
}

// Wrap is a storage.Config.WrapDriver that counts through c.
func (c *Counter) Wrap(d dialect.Driver) dialect.Driver {
	c.Driver = d
	return c
}

// Reset sets the count to zero.
func (c *Counter) Reset() { c.n.Store(0) }

// Count returns the number of statements since the last Reset.
func (c *Counter) Count() int64 { return c.n.Load() }

// Exec implements dialect.ExecQuerier.
func (c *Counter) Exec(ctx context.Context, query string, args, v any) error {
	c.n.Add(1)
	return c.Driver.Exec(ctx, query, args, v)
}

// Query implements dialect.ExecQuerier.
func (c *Counter) Query(ctx context.Context, query string, args, v any) error {
	c.n.Add(1)
	return c.Driver.Query(ctx, query, args, v)
}

// Tx implements dialect.Driver; statements in transactions count too.
func (c *Counter) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := c.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &countingTx{Tx: tx, n: &c.n}, nil
}

type countingTx struct {
	dialect.Tx
	n *atomic.Int64
}

func (t *countingTx) Exec(ctx context.Context, query string, args, v any) error {
	t.n.Add(1)
	return t.Tx.Exec(ctx, query, args, v)
}

func (t *countingTx) Query(ctx context.Context, query string, args, v any) error {
	t.n.Add(1)
	return t.Tx.Query(ctx, query, args, v)
}
