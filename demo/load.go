package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/benkan-project/benkan/ent"
)

// Load loads the demo data in one transaction if the database holds no
// organization yet, and reports whether it did. When the database already
// holds an organization it writes nothing and returns false, so a second
// call adds nothing.
//
// ctx must allow every read and write (pass policy.SystemContext(ctx)): the
// demo data are written by benkan itself, not by a user.
func Load(ctx context.Context, client *ent.Client) (bool, error) {
	tx, err := client.Tx(ctx)
	if err != nil {
		return false, fmt.Errorf("demo: begin transaction: %w", err)
	}
	defer func() {
		if v := recover(); v != nil {
			_ = tx.Rollback() // free the connection before passing the panic on
			panic(v)
		}
	}()
	loaded, err := loadIn(ctx, tx.Client())
	if err != nil || !loaded {
		rerr := tx.Rollback()
		if err == nil {
			return false, rerr
		}
		if ent.IsConstraintError(err) {
			// Another process may have loaded the demo data at the same time.
			if exists, qerr := client.Organization.Query().Exist(ctx); qerr == nil && exists {
				return false, nil
			}
		}
		return false, errors.Join(err, rerr)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("demo: commit: %w", err)
	}
	return true, nil
}

// loadIn writes the demo data through c, a transaction's client, unless
// the database already holds an organization.
func loadIn(ctx context.Context, c *ent.Client) (bool, error) {
	exists, err := c.Organization.Query().Exist(ctx)
	if err != nil {
		return false, fmt.Errorf("demo: look for existing data: %w", err)
	}
	if exists {
		return false, nil
	}
	l := &loader{c: c, rng: rand.New(rand.NewPCG(1, 2))}
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"violation types", l.loadViolationTypes},
		{"localities", l.loadLocalities},
		{"organizations", l.loadOrganizations},
		{"users", l.loadUsers},
		{"actors", l.loadActors},
		{"incidents", l.loadIncidents},
		{"involvements", l.loadInvolvements},
		{"follow-ups", l.loadFollowUps},
		{"activities", l.loadActivities},
		{"recommendations", l.loadRecommendations},
	}
	for _, s := range steps {
		if err := s.run(ctx); err != nil {
			return false, fmt.Errorf("demo: load %s: %w", s.name, err)
		}
	}
	return true, nil
}
