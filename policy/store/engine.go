package store

import (
	"context"
	"log/slog"
	"slices"

	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
)

// OpenFor opens the store of db (see Open) and puts its policy in force in
// engine, now and after every change: what a serving process does. Call
// Watch to follow changes made by other processes.
func OpenFor(ctx context.Context, db *storage.DB, engine *policy.Engine, log *slog.Logger) (*Store, error) {
	return OpenForWith(ctx, db, engine, Options{Logger: log})
}

// OpenForWith is OpenFor with the other options (opts.OnChange is
// replaced by putting the policy in force in engine).
func OpenForWith(ctx context.Context, db *storage.DB, engine *policy.Engine, opts Options) (*Store, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts.Logger = log
	opts.OnChange = func(p *Policy) {
		if err := engine.Use(p.Snapshot()); err != nil {
			// Validated lines always load; this would be a bug of benkan's.
			log.Error("put the policy in force: keeping the previous one", "revision", p.Revision, "err", err)
		}
	}
	return Open(ctx, db, opts)
}

// EnsureAssigned gives each assignment that the policy does not hold yet,
// as change sets of at most maxChanges, with reason: how benkan itself
// gives demo and test users their roles. It does nothing when every
// assignment is held.
//
// Callers: as Apply. In four-eyes mode only an operator
// may: the roles of benkan's own demo, synthetic and test users are set up
// by benkan, not proposed by an admin (see approval.go).
func (s *Store) EnsureAssigned(ctx context.Context, reason string, as []Assignment) error {
	who, err := actor(ctx, policy.ActionUpdate)
	if err != nil {
		return err
	}
	if !isOperator(ctx) {
		if err := s.direct(ctx, s.client(ctx)); err != nil {
			return err
		}
	}
	p, err := s.load(ctx)
	if err != nil {
		return err
	}
	var changes []Change
	for _, a := range as {
		held := func(b Assignment) bool { return b.Subject == a.Subject && b.Role == a.Role && b.Domain == a.Domain } // whatever its expiry
		if !slices.ContainsFunc(p.Assignments, held) && !slices.ContainsFunc(changes, func(c Change) bool { return c.Assignment == a }) {
			changes = append(changes, Change{Op: Assign, Assignment: a})
		}
	}
	for len(changes) > 0 {
		n := min(len(changes), maxChanges)
		if _, err := s.applySet(ctx, who, changes[:n], reason, !isOperator(ctx)); err != nil {
			return err
		}
		changes = changes[n:]
	}
	return nil
}
