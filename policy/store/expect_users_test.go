package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/user"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// A user's subject changes outside Apply (updateUser, createUser). The
// policy's lines name subjects, so the coordinator renamed away leaves its
// lines to "coord": a user renamed or created as "coord" would get them,
// and "user coord" read the narratives an expectation forbids; the
// monitor renamed away would lose what an expectation requires.
// ChangeUsers refuses both (nothing is kept); a change of users that
// breaks nothing passes.
func TestUsersChangeKeepsExpectations(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		inTx := func(s *store.Store, change func(ctx context.Context, c *ent.Client) error) error {
			ctx := policy.SystemContext(w.ctx)
			tx, err := db.Client.Tx(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ctx = ent.NewTxContext(ctx, tx)
			err = s.ChangeUsers(ctx, "subject", func() error { return change(ctx, tx.Client()) })
			if err != nil {
				_ = tx.Rollback()
				return err
			}
			return tx.Commit()
		}
		rename := func(s *store.Store, from, to string) error {
			return inTx(s, func(ctx context.Context, c *ent.Client) error {
				return c.User.Update().Where(user.Subject(from)).SetSubject(to).Exec(ctx)
			})
		}
		// Before the tests are configured (the store has none).
		if err := rename(w.store, subjCoord, subjCoord+".old"); err != nil {
			t.Fatal(err)
		}
		s := withTests(t, w, fmt.Sprintf("user %s, *, Incident.narrative, read, deny\nuser %s, %s, Incident, create, allow\n", subjCoord, subjMon, w.niono))
		before := w.counts()
		e := wantCode(t, rename(s, subjDIHR, subjCoord), benkan.EINVALID)
		if e.Field != "subject" || !strings.Contains(e.Message, "user coord, *, Incident.narrative, read, deny: got allow, want deny") {
			t.Fatalf("rename to coord: want the broken test named on subject, got %+v", e)
		}
		e = wantCode(t, inTx(s, func(ctx context.Context, c *ent.Client) error {
			return c.User.Create().SetSubject(subjCoord).SetDisplayName("New coord").Exec(ctx)
		}), benkan.EINVALID)
		if !strings.Contains(e.Message, "user coord, *, Incident.narrative, read, deny: got allow, want deny") {
			t.Fatalf("create coord: want the broken test named, got %+v", e)
		}
		e = wantCode(t, rename(s, subjMon, subjMon+".old"), benkan.EINVALID)
		if !strings.Contains(e.Message, "Incident, create, allow: got deny, want allow") {
			t.Fatalf("rename the monitor away: want the broken test named, got %+v", e)
		}
		if n := must(db.Client.User.Query().Where(user.SubjectIn(subjDIHR, subjMon)).Count(policy.SystemContext(w.ctx))); n != 2 || w.counts() != before {
			t.Fatalf("refused changes of users were kept")
		}
		if err := rename(s, subjNobody, subjNobody+".old"); err != nil {
			t.Fatalf("a rename that breaks no test: %v", err)
		}
	})
}
