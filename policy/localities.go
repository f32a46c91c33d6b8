package policy

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/gid"
)

// localityTree caches the administrative tree, to turn a role's domain (a
// locality) into that locality and all those below it.
type localityTree struct {
	client *ent.Client
	ttl    time.Duration

	mu       sync.Mutex
	children map[gid.ID][]gid.ID
	loaded   time.Time
}

// below returns id and the ids of every locality under it.
func (t *localityTree) below(ctx context.Context, id gid.ID) ([]gid.ID, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.children == nil || time.Since(t.loaded) > t.ttl {
		if err := t.load(ctx); err != nil {
			return nil, err
		}
	}
	out := []gid.ID{id}
	for i := 0; i < len(out); i++ {
		out = append(out, t.children[out[i]]...)
	}
	return out, nil
}

func (t *localityTree) load(ctx context.Context) error {
	all, err := t.client.Locality.Query().
		Select(locality.FieldID).
		WithParent(func(q *ent.LocalityQuery) { q.Select(locality.FieldID) }).
		All(SystemContext(ctx))
	if err != nil {
		return fmt.Errorf("load localities: %w", err)
	}
	children := make(map[gid.ID][]gid.ID, len(all))
	for _, l := range all {
		if p := l.Edges.Parent; p != nil {
			children[p.ID] = append(children[p.ID], l.ID)
		}
	}
	t.children, t.loaded = children, time.Now()
	return nil
}
