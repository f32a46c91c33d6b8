package graph

import (
	"context"
	"fmt"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/policy"
)

// auditExplain notes the read explain(id:) makes of its row: whether a
// line's scope atoms admit the row depends on the row's values
// (own_submissions on who collected it, Incident.collectedBy, sensitive),
// so that the answer tells the caller what reading those fields would.
// Which atoms read which fields the explanation does not keep; the row is
// recorded as read of every audited field of its type the caller reads on
// it, in the response's READ_SENSITIVE events (one per response, type and
// set of fields, as other reads): more than the answer may tell, never
// less. An explanation without a row reads no row.
func auditExplain(ctx context.Context, client *ent.Client, e *policy.Explanation) error {
	if e == nil || e.Row == nil {
		return nil
	}
	st, _ := ctx.Value(responseKey{}).(*response)
	if st == nil || st.viewer == nil {
		return nil // not a served request: nothing served to audit
	}
	v := st.viewer
	if tx := ent.FromContext(ctx); tx != nil {
		client = tx
	}
	row, err := client.Noder(policy.SystemContext(ctx), e.Row.ID, ent.WithNodeType(ent.IDToType))
	if err != nil {
		return fmt.Errorf("audit explain: load %s: %w", e.Row.ID, err)
	}
	for _, field := range ent.Fields[e.Row.Type] {
		if v.Audited(e.Row.Type, field) && v.CanReadField(e.Row.Type, field, row) {
			st.reads.add(e.Row.Type, e.Row.ID, field)
		}
	}
	return nil
}
