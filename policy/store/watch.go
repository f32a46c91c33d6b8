package store

import (
	"context"
	"time"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"

	"github.com/benkan-project/benkan/policy"
)

// Watch keeps this process's policy the stored one until ctx ends: it
// reloads (calling OnChange) whenever the revision changes, however the
// change was made, and when an assignment of the policy in force expires
// (a timer to the earliest expiry), which the reload then removes. On PostgreSQL a NOTIFY from the change's transaction
// wakes it at once; on both databases the revision is also read every
// Poll, which is all SQLite has, and what catches a change made while the
// notice connection was down. While the database cannot be reached, the
// policy in force stays, and the first check that reaches it catches up.
func (s *Store) Watch(ctx context.Context) {
	var notices <-chan *pq.Notification
	if s.db.Dialect == dialect.Postgres && s.db.DatabaseURL != "" {
		l := pq.NewListener(s.db.DatabaseURL, 100*time.Millisecond, 5*time.Second, func(ev pq.ListenerEventType, err error) {
			switch {
			case err != nil:
				s.log.WarnContext(ctx, "policy notices", "event", int(ev), "err", err)
			case ev == pq.ListenerEventReconnected:
				// Said, so that an operator (and the tests) can tell that
				// changes are announced again, not only polled for.
				s.log.InfoContext(ctx, "policy notices: reconnected")
			}
		})
		defer l.Close()
		if err := l.Listen(notifyChannel); err != nil {
			s.log.WarnContext(ctx, "listen for policy notices: checking every poll only until the connection is back", "err", err)
		}
		notices = l.NotificationChannel()
	}
	t := time.NewTicker(s.poll)
	defer t.Stop()
	for {
		// Re-armed on every turn, so after every reload: the earliest
		// expiry of the policy in force ends its assignment on time.
		expiry, stop := s.expiryTimer()
		select {
		case <-ctx.Done():
			stop()
			return
		case <-notices: // a change, or nil after a reconnect: check either way
		case <-t.C:
		case <-expiry:
		}
		stop()
		s.check(ctx)
	}
}

// check reloads the policy if its revision is not the one in force.
func (s *Store) check(ctx context.Context) {
	rev, err := revision(policy.SystemContext(ctx), s.db.Client)
	if err != nil {
		if ctx.Err() == nil {
			s.log.WarnContext(ctx, "check the policy revision: keeping the policy in force", "err", err)
		}
		return
	}
	s.mu.Lock()
	same := s.handed && rev == s.current && !s.stale(time.Now())
	s.mu.Unlock()
	if same {
		return
	}
	if _, err := s.Reload(ctx); err != nil && ctx.Err() == nil {
		s.log.ErrorContext(ctx, "reload the policy: keeping the one in force", "err", err)
	}
}
