package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/benkan-project/benkan/ent"
	entuser "github.com/benkan-project/benkan/ent/user"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestApprovalDirectRefused: in four-eyes mode each way of changing the
// policy directly is refused with FORBIDDEN and writes nothing, an
// operator's included; benkan's own setup (EnsureAssigned as an operator)
// and the lapse of expired assignments go on.
func TestApprovalDirectRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		s, err := store.OpenForWith(w.ctx, db, w.engine, store.Options{Approval: true})
		if err != nil {
			t.Fatal(err)
		}
		op := w.operator()
		// The mode is the database's: the store opened without the option
		// obeys it too.
		for name, st := range map[string]*store.Store{"with Options.Approval": s, "without": w.store} {
			if on, err := st.ApprovalRequired(op); err != nil || !on {
				t.Fatalf("the store opened %s: ApprovalRequired %v, %v", name, on, err)
			}
		}
		admin := policy.NewContext(w.ctx, w.viewer(subjAdmin))
		f, err := store.ParseFile(w.policy().CSV() + "p, amdh_monitor, *, Incident.narrative, read, all\n")
		if err != nil {
			t.Fatal(err)
		}
		grant := []store.Change{grant("amdh_monitor", "*", "Incident.narrative", "read", "all")}
		for _, c := range []struct {
			name string
			do   func() error
		}{
			{"Apply by an operator", func() error { _, err := s.Apply(op, grant, "r"); return err }},
			{"Apply by an admin", func() error { _, err := s.Apply(admin, grant, "r"); return err }},
			{"Import", func() error { _, err := s.Import(op, f, "r"); return err }},
			{"Rollback", func() error { _, err := s.Rollback(op, 1, "r"); return err }},
			{"EnsureAssigned by an admin", func() error {
				return s.EnsureAssigned(admin, "r", []store.Assignment{{Subject: subjNobody, Role: "dihr_partner", Domain: "*"}})
			}},
			{"ChangeUsers renaming a user the lines name", func() error {
				return rename(w.ctx, db, s, subjDIHR, "dihr-renamed")
			}},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := w.counts()
				wantCode(t, c.do(), "FORBIDDEN")
				if after := w.counts(); after != before {
					t.Fatalf("a refused change wrote: %+v → %+v", before, after)
				}
			})
		}
		// A rename no line is concerned by changes nothing of the policy.
		if err := rename(w.ctx, db, s, subjNobody, "nobody-renamed"); err != nil {
			t.Fatalf("renaming a user without roles: %v", err)
		}
		// benkan's own setup.
		if err := s.EnsureAssigned(op, "the demo users", []store.Assignment{{Subject: subjAdmin2, Role: policy.AdminRole, Domain: "*"}}); err != nil {
			t.Fatalf("EnsureAssigned as an operator: %v", err)
		}
		// A lapse: an assignment stored already expired is removed by benkan.
		past := time.Now().Add(-time.Minute).UTC().Truncate(time.Second).Format(time.RFC3339)
		w.insertRule("g", subjCoord, "dihr_partner", "*", past)
		before := w.counts()
		if _, err := s.Reload(w.ctx); err != nil {
			t.Fatal(err)
		}
		if after := w.counts(); after.versions != before.versions+1 || after.rules != before.rules-1 {
			t.Fatalf("the lapse in four-eyes mode: %+v → %+v", before, after)
		}
	})
}

// rename renames the user subject through ChangeUsers, in a transaction.
func rename(ctx context.Context, db *storage.DB, s *store.Store, from, to string) error {
	sys := policy.SystemContext(ctx)
	tx, err := db.Client.Tx(sys)
	if err != nil {
		return err
	}
	txCtx := ent.NewTxContext(sys, tx)
	err = s.ChangeUsers(txCtx, "subject", func() error {
		_, err := tx.User.Update().Where(entuser.Subject(from)).SetSubject(to).Save(sys)
		return err
	})
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// TestApprovalSameAdmin: the proposer cannot approve, under either of
// their names (cli:NAME is NAME); anyone else may.
func TestApprovalSameAdmin(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		s, err := store.OpenForWith(w.ctx, db, w.engine, store.Options{Approval: true})
		if err != nil {
			t.Fatal(err)
		}
		as := func(name string) context.Context { return store.AsOperator(w.ctx, name) }
		for i, c := range []struct {
			proposer, approver string
			same               bool
		}{
			{"alice", "alice", true},
			{"alice", "cli:alice", true},
			{"cli:alice", "alice", true},
			{"cli:alice", "cli:alice", true},
			{"alice", "bob", false},
			{"cli:alice", "cli:bob", false},
			{"alice", "cli:alicia", false},
		} {
			t.Run(fmt.Sprintf("%s then %s", c.proposer, c.approver), func(t *testing.T) {
				p, err := s.Propose(as(c.proposer), []store.Change{{Op: store.CreateRole, Role: store.Role{Name: fmt.Sprintf("role_%d", i)}}}, "a role")
				if err != nil {
					t.Fatal(err)
				}
				got, err := s.Approve(as(c.approver), p.ID, "fine", 0)
				if c.same {
					wantCode(t, err, "FORBIDDEN")
					if q, _ := s.Proposal(as("x"), p.ID); q.Status != store.Pending {
						t.Fatalf("a refused approval left it %s", q.Status)
					}
					return
				}
				if err != nil || got.Status != store.Applied || got.DecidedBy != c.approver || got.VersionID == 0 {
					t.Fatalf("approved: %+v, %v", got, err)
				}
			})
		}
	})
}
