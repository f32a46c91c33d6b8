package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/policy"
)

// rowDecider decides expectations on rows: with an engine of its own that
// holds the policy under test (a stored policy, a draft, a file) and
// reads the rows of a database, it asks policy.Engine.Explain, which
// decides a row as requests do (the viewer Casbin builds from the lines,
// the compiled row filter run in SQL, the field decision on the row).
// Nothing here reads a scope.
type rowDecider struct {
	c      *ent.Client
	engine *policy.Engine
}

// noDatabase is the reason a row expectation fails when there are no
// rows to decide on (a policy file checked without a database).
const noDatabase = "a row reference needs a database's rows: check against a database (benkan policy test FILE, with --database-url or --data-dir)"

// newRowDecider puts lines (as casbinLines writes them) in force in an
// engine of its own over c.
func newRowDecider(c *ent.Client, lines [][]string) (*rowDecider, error) {
	engine := policy.NewEngine(c)
	if err := engine.Use(&policy.Snapshot{Lines: lines}); err != nil {
		return nil, fmt.Errorf("policy tests: put the policy under test in force: %w", err)
	}
	return &rowDecider{c: c, engine: engine}, nil
}

// decide returns the policy's decision on x's row, and what the
// explanation says of it (for the message of a failure); or, in reason,
// why x cannot be decided: a row, user, role or locality that does not
// exist, a row of another type than the object's. Such an expectation
// fails, whatever it expects, so that a reference that names nothing never
// makes a test that always passes.
//
// The subject is x's user, with every role the policy assigns it, as its
// requests are decided (x.Domain is "*"), or a user who would hold x's
// role in x.Domain and nothing else, who has collected nothing (as a
// preview of a role builds it).
func (d *rowDecider) decide(ctx context.Context, x Expectation) (got bool, why, reason string, err error) {
	id, err := x.Row.resolve(ctx, d.c)
	if err != nil {
		return false, "", "", err
	}
	if id == "" {
		return false, "", x.Row.missing(), nil
	}
	q := policy.ExplainQuery{Subject: x.User, Object: x.Object, Action: x.Action, ID: id}
	if x.Role != "" {
		q.Role, q.Domain = x.Role, x.Domain
	}
	ex, err := d.engine.Explain(policy.SystemContext(ctx), q)
	if be := (*benkan.Error)(nil); errors.As(err, &be) && (be.Code == benkan.EINVALID || be.Code == benkan.ENOTFOUND) {
		return false, "", be.Message, nil
	}
	if err != nil {
		return false, "", "", fmt.Errorf("decide on row %s: %w", x.Row, err)
	}
	if ex.Row == nil {
		return false, "", "", fmt.Errorf("decide on row %s: explain gave no decision on the row", x.Row)
	}
	return ex.Row.Allowed, rowWhy(ex, x.Row), "", nil
}

// rowWhy writes what an explanation of a row says: whether the row is
// visible, and each line that grants the object with its verdict on the
// row, so that a failing expectation says which line or atom decided.
func rowWhy(ex *policy.Explanation, ref RowRef) string {
	r := ex.Row
	parts := []string{fmt.Sprintf("row %s", r.ID)}
	if ref.ID == "" {
		parts[0] = fmt.Sprintf("%s is %s", ref, r.ID)
	}
	if r.Visible {
		parts = append(parts, "visible")
	} else {
		parts = append(parts, "hidden")
	}
	if !ex.Allowed {
		parts = append(parts, fmt.Sprintf("no line grants %s %s", ex.Action, ex.Object))
	}
	for _, g := range r.Grants {
		if g.Purpose != policy.PurposeObject {
			continue
		}
		switch {
		case g.Admitted:
			parts = append(parts, "admitted by "+g.Line)
		case len(g.RefusedBy) > 0:
			parts = append(parts, fmt.Sprintf("%s: refused by %s", g.Line, strings.Join(g.RefusedBy, ", ")))
		case g.ParentRefused:
			parts = append(parts, g.Line+": refused, its parent row being hidden")
		default:
			parts = append(parts, g.Line+": refused")
		}
	}
	parts = append(parts, r.Notes...)
	return strings.Join(parts, "; ")
}
