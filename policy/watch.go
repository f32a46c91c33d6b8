package policy

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/policyrule"
)

// Watch reloads the policy whenever the stored policy changes, checking
// every interval until ctx ends, so that a change made by any replica holds
// on this one within about interval. It works the same on PostgreSQL and
// SQLite: a fingerprint of the policy table (row count, id sum and id max)
// is read, a single cheap aggregate.
func (e *Engine) Watch(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fp, err := e.fingerprint(ctx)
		if err != nil {
			log.WarnContext(ctx, "watch policy", "err", err)
			continue
		}
		e.mu.RLock()
		same := fp == e.loaded
		e.mu.RUnlock()
		if same {
			continue
		}
		if err := e.Reload(ctx); err != nil {
			log.ErrorContext(ctx, "reload policy: keeping the previous one", "err", err)
			continue
		}
		log.InfoContext(ctx, "policy reloaded")
	}
}

type fingerprint struct{ count, sum, max int }

func (e *Engine) fingerprint(ctx context.Context) (fingerprint, error) {
	var rows []struct {
		Count int              `json:"count"`
		Sum   stdsql.NullInt64 `json:"sum"`
		Max   stdsql.NullInt64 `json:"max"`
	}
	err := e.client.PolicyRule.Query().
		Aggregate(ent.Count(), ent.Sum(policyrule.FieldID), ent.Max(policyrule.FieldID)).
		Scan(SystemContext(ctx), &rows)
	if err != nil || len(rows) != 1 {
		return fingerprint{}, fmt.Errorf("read policy fingerprint: %w", err)
	}
	return fingerprint{rows[0].Count, int(rows[0].Sum.Int64), int(rows[0].Max.Int64)}, nil
}

// Reload reads the stored policy again into a new enforcer and swaps it in
// once it checks out; a policy that does not is refused and the one in
// force stays.
func (e *Engine) Reload(ctx context.Context) error {
	// The fingerprint is taken before loading: a change made in between is
	// seen at the next check, never missed.
	fp, err := e.fingerprint(ctx)
	if err != nil {
		return err
	}
	enforcer, err := newEnforcer(e.client)
	if err != nil {
		return err
	}
	groups, err := checkPolicy(enforcer)
	if err != nil {
		e.mu.Lock()
		e.loaded = fp // do not retry a broken policy until it changes again
		e.mu.Unlock()
		return err
	}
	e.mu.Lock()
	e.enforcer, e.groups, e.loaded = enforcer, groups, fp
	e.version++
	e.mu.Unlock()
	return nil
}
