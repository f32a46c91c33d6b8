package graph

import (
	"context"
	"fmt"
	"reflect"
	"slices"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
)

// auditExplain notes the read explain(id:) makes of its row: whether a
// line's scope atoms admit the row depends on the row's values
// (own_submissions on who collected it, Incident.collectedBy, sensitive),
// so that the answer tells the caller what reading those fields would.
// It depends as well on the rows policy.Reaches names: an involvement or a
// follow-up is admitted with its incident (whose own_submissions reads who
// collected it), an actor through its involvements and their incidents;
// those are recorded as read too. Which atoms read which fields the
// explanation does not keep; each row is recorded as read of every audited
// field of its type the caller reads on it, in the response's
// READ_SENSITIVE events (one per response, type and set of fields, as
// other reads): more than the answer may tell, never less. An explanation
// without a row reads no row.
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
	sys := policy.SystemContext(ctx)
	row, err := client.Noder(sys, e.Row.ID, ent.WithNodeType(ent.IDToType))
	if err != nil {
		return fmt.Errorf("audit explain: load %s: %w", e.Row.ID, err)
	}
	rows := []any{row}
	reached, err := reachedRows(sys, row)
	if err != nil {
		return fmt.Errorf("audit explain: load the rows %s %s depends on: %w", e.Row.Type, e.Row.ID, err)
	}
	rows = append(rows, reached...)
	for _, r := range rows {
		typ, id, ok := typeAndID(r)
		if !ok {
			continue
		}
		for _, field := range ent.Fields[typ] {
			if v.Audited(typ, field) && v.CanReadField(typ, field, r) {
				st.reads.add(typ, id, field)
			}
		}
	}
	return nil
}

// reachedRows loads the rows of the types policy.Reaches names for row's
// type: the incident of an involvement or follow-up; the involvements of an
// actor and their incidents. ctx is the system's: the rows are read to
// audit, not served.
func reachedRows(ctx context.Context, row any) ([]any, error) {
	var out []any
	switch r := row.(type) {
	case *ent.Involvement:
		inc, err := r.QueryIncident().Only(ctx)
		if err != nil && !ent.IsNotFound(err) {
			return nil, err
		}
		if inc != nil {
			out = append(out, inc)
		}
	case *ent.FollowUp:
		inc, err := r.QueryIncident().Only(ctx)
		if err != nil && !ent.IsNotFound(err) {
			return nil, err
		}
		if inc != nil {
			out = append(out, inc)
		}
	case *ent.Actor:
		invs, err := r.QueryInvolvements().WithIncident().All(ctx)
		if err != nil {
			return nil, err
		}
		for _, inv := range invs {
			out = append(out, inv)
			if inv.Edges.Incident != nil {
				out = append(out, inv.Edges.Incident)
			}
		}
	}
	return out, nil
}

// typeAndID returns the type (the policy's and GraphQL's name, that of
// its ent entity) and id of an entity of the policy's types.
func typeAndID(row any) (string, gid.ID, bool) {
	id, ok := policy.RowID(row)
	if !ok {
		return "", "", false
	}
	t := reflect.TypeOf(row)
	if t.Kind() != reflect.Pointer || !slices.Contains(policy.Types, t.Elem().Name()) {
		return "", "", false
	}
	return t.Elem().Name(), id, true
}
