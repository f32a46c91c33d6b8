package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/ent/privacy"
)

// ErrNotAudit is the refusal of a write of the audit trail made outside
// this package: a create of an AuditEvent not made by Append, or any update
// or delete.
var ErrNotAudit = errors.New("audit events are written by package audit only (audit.Append), and never updated or deleted")

// mark is what this package puts in the contexts of its own statements; no
// other package can make one, so Guard tells its writes from all others.
type mark int

const (
	appending mark = iota + 1 // Append: create events, write the head
	chaining                  // Install: also give unchained events their place
)

type markKey struct{}

// as is the context of this package's own statements: ent's privacy
// decision Allow (see the package documentation for why here) and the mark.
func as(ctx context.Context, m mark) context.Context {
	return context.WithValue(privacy.DecisionContext(ctx, privacy.Allow), markKey{}, m)
}

// chainFields are the only columns Install may set on an existing event.
var chainFields = []string{auditevent.FieldSeq, auditevent.FieldPrevHash, auditevent.FieldHash}

// Guard is the ent hook of AuditEvent and AuditHead (see ent/schema) that
// makes this package their one writer: a create of an event or a write of
// the head must come from Append or Install, an update of an event from
// Install giving an event written before the chain its place (and setting
// nothing else), and a delete is refused always. A create is checked once
// more after ent has applied the schema's defaults: the hash Append
// computed must be that of the row that will be written, so that a field
// given a default one day cannot slip outside the hash unnoticed.
func Guard() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			mk, _ := ctx.Value(markKey{}).(mark)
			refuse := fmt.Errorf("%s %s: %w", m.Op(), m.Type(), ErrNotAudit)
			switch {
			case m.Op().Is(ent.OpDelete | ent.OpDeleteOne):
				return nil, refuse
			case mk == 0:
				return nil, refuse
			}
			if ev, ok := m.(*ent.AuditEventMutation); ok {
				if m.Op().Is(ent.OpCreate) {
					want, _ := ev.Hash()
					got, err := digest(currentKey(), mutationValues(ev))
					if err != nil {
						return nil, err
					}
					if got != want {
						return nil, fmt.Errorf("audit: the event to write is not the one hashed (a field set after hashing?)")
					}
				} else {
					if mk != chaining {
						return nil, refuse
					}
					for _, f := range append(ev.Fields(), ev.ClearedFields()...) {
						if !slices.Contains(chainFields, f) {
							return nil, refuse
						}
					}
				}
			}
			return next.Mutate(ctx, m)
		})
	}
}
