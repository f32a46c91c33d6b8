package policy

import (
	"context"
	"fmt"
	"strings"

	"entgo.io/ent/entql"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/privacy"
	"github.com/benkan-project/benkan/gid"
)

// EntPolicy is the ent privacy policy of every type access is decided for
// (see ent/schema's AccessMixin): queries get the viewer's row filter as a
// WHERE clause, and mutations need a grant for their action. Without a
// viewer in the context (and outside SystemContext) everything is denied.
func EntPolicy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{privacy.FilterFunc(filterRows), privacy.QueryRuleFunc(loadRowColumns)},
		Mutation: privacy.MutationPolicy{privacy.MutationRuleFunc(mayMutate)},
	}
}

// typeName turns "*ent.IncidentFilter" into "Incident".
func typeName(f privacy.Filter) string {
	name := fmt.Sprintf("%T", f)
	name = name[strings.LastIndexByte(name, '.')+1:]
	return strings.TrimSuffix(name, "Filter")
}

func filterRows(ctx context.Context, f privacy.Filter) error {
	v := FromContext(ctx)
	if v == nil {
		return privacy.Denyf("policy: no viewer in context")
	}
	typ := typeName(f)
	p := v.Filter(ActionRead, typ)
	if under, ok := ctx.Value(loadsKey{}).(string); ok {
		p = v.filterUnder(under, typ)
	}
	if p != nil {
		f.Where(p)
	}
	return privacy.Skip
}

type loadsKey struct{}

// Loads is the ent interceptor that tells the row filters of eager-loaded
// edges which type's rows they are loaded for: ent runs a query's eager
// loads (the incidents' involvements, the involvements' actors) with the
// context its interceptors pass on, after the query's own rows were
// filtered. The row filter of such a load can then leave out what only
// repeats the filter of those rows (see compileUnder): an incident's
// involvements need not check again, per involvement, that the incident is
// visible. Other queries run in the request's context, without the mark.
func Loads() ent.Interceptor {
	return ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			return next.Query(context.WithValue(ctx, loadsKey{}, queryType(q)), q)
		})
	})
}

// loadRowColumns makes a query that loads some columns only (GraphQL field
// collection selects what the client asked for) load the columns field
// decisions read too, so that a decision never reads a zero value.
func loadRowColumns(_ context.Context, q ent.Query) error {
	if lf, ok := q.(interface{ LoadFields(...string) }); ok {
		lf.LoadFields(rowColumns[queryType(q)]...)
	}
	return privacy.Skip
}

// queryType turns "*ent.IncidentQuery" into "Incident".
func queryType(q ent.Query) string {
	name := fmt.Sprintf("%T", q)
	return strings.TrimSuffix(name[strings.LastIndexByte(name, '.')+1:], "Query")
}

// action is the policy action of a mutation.
func action(m ent.Mutation) (string, bool) {
	switch {
	case m.Op().Is(ent.OpCreate):
		return ActionCreate, true
	case m.Op().Is(ent.OpUpdate | ent.OpUpdateOne):
		return ActionUpdate, true
	}
	return "", false // deletes: no role may delete through the API
}

func mayMutate(ctx context.Context, m ent.Mutation) error {
	v := FromContext(ctx)
	if v == nil {
		return privacy.Denyf("policy: no viewer in context")
	}
	act, ok := action(m)
	if !ok || v.Filter(act, m.Type()) == never {
		return forbidden(act, m.Type())
	}
	return privacy.Skip
}

// mayNotLeave is the refusal of a write that would leave a row the viewer
// may not create or update.
func mayNotLeave(act, typ string) error {
	return benkan.Errorf(benkan.EFORBIDDEN, "you may not %s this %s", act, typ)
}

func forbidden(act, typ string) error {
	if act == "" {
		act = "delete"
	}
	return benkan.Errorf(benkan.EFORBIDDEN, "you may not %s %s objects", act, typ)
}

// MutationHook checks, inside the mutation's transaction, that the viewer
// may change the row it changes, each field it changes, and that the row it
// leaves is one it may create or update (a monitor cannot create an
// incident outside its localities, or verify one). A refused mutation
// returns an error and, its transaction rolled back, writes nothing.
//
// Before the write, in this order: an update's row must be one the viewer
// reads (NOT_FOUND otherwise, as for an id that names nothing) and every
// field it changes granted (FORBIDDEN); a create may not name another user
// as collector without a grant naming that field (FORBIDDEN); no unique
// field may be set that the viewer cannot see on every row (FORBIDDEN,
// whatever the value); and every id the mutation names must be a row the
// viewer reads (NOT_FOUND, word for word the answer for a missing id). The
// refusals that come before NOT_FOUND depend on the input and the policy
// only, never on what the database holds; NOT_FOUND is the same for hidden
// and missing rows. So no answer tells hidden rows from missing ones.
func MutationHook() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if d, ok := privacy.DecisionFromContext(ctx); ok && d == nil { // SystemContext
				return next.Mutate(ctx, m)
			}
			v := FromContext(ctx)
			act, ok := action(m)
			if v == nil || !ok {
				return nil, forbidden(act, m.Type())
			}
			id, single := mutationID(m)
			switch act {
			case ActionUpdate:
				if !single {
					return nil, benkan.Errorf(benkan.EFORBIDDEN, "bulk updates are not allowed")
				}
				if err := v.checkUpdate(ctx, m, id); err != nil {
					return nil, err
				}
			case ActionCreate:
				if err := v.checkCollector(m); err != nil {
					return nil, err
				}
			}
			if err := v.checkUnique(m); err != nil {
				return nil, err
			}
			if err := v.checkReferences(ctx, m); err != nil {
				return nil, err
			}
			if err := v.checkUniqueIndexes(ctx, m, act, id); err != nil {
				return nil, err
			}
			collector, _, foreign := v.foreignCollector(m)
			if err := v.defaultCollector(m); err != nil {
				return nil, err
			}
			value, err := next.Mutate(ctx, m)
			if err != nil {
				return nil, err
			}
			if id, single = mutationID(m); single {
				ok, err := exists(ctx, m, id, v.Filter(act, m.Type()))
				if err != nil {
					return nil, err
				}
				if !ok {
					return nil, mayNotLeave(act, m.Type())
				}
				if foreign {
					if err := v.collectorGranted(ctx, m, id, collector); err != nil {
						return nil, err
					}
				}
			}
			return value, nil
		})
	}
}

// checkUpdate refuses an update of a row the viewer cannot see (NOT_FOUND,
// as for a row that does not exist), may not update (FORBIDDEN), or of a
// field no update grant covering that row names (FORBIDDEN). The collector
// of a row changes only with a grant naming it (see collector.go).
func (v *Viewer) checkUpdate(ctx context.Context, m ent.Mutation, id gid.ID) error {
	typ := m.Type()
	visible, err := exists(ctx, m, id, v.Filter(ActionRead, typ))
	if err != nil {
		return err
	}
	if !visible {
		return &ent.NotFoundError{}
	}
	for _, field := range changedFields(m) {
		allowed, err := v.fieldGranted(ctx, m, id, ActionUpdate, field)
		if err != nil {
			return err
		}
		if !allowed {
			return &benkan.Error{Code: benkan.EFORBIDDEN, Field: field, Message: fmt.Sprintf("you may not change %s of this %s", field, typ)}
		}
	}
	return nil
}

// fieldGranted reports whether a grant for act that covers field of m's
// type (the type, the field, its group; for a collector only the field
// itself or "*") holds on the row id, its parent readable by the same
// assignment.
func (v *Viewer) fieldGranted(ctx context.Context, m ent.Mutation, id gid.ID, act, field string) (bool, error) {
	typ := m.Type()
	exact := isCollector(typ, field)
	c := &compiler{v: v}
	for _, a := range v.Assignments {
		for _, g := range a.Grants {
			if g.Action != act {
				continue
			}
			if exact && !g.namesField(typ, field) || !exact && !(g.coversType(typ, false) || g.coversField(v.groups, typ, field)) {
				continue
			}
			p := and(c.scope(typ, g), c.parent(g.assignment, act, typ))
			ok, err := exists(ctx, m, id, p)
			if err != nil {
				return false, err
			}
			if ok {
				return true, nil
			}
		}
	}
	return false, nil
}

// changedFields are the GraphQL names of the fields and edges m changes,
// timestamps aside.
func changedFields(m ent.Mutation) []string {
	seen := map[string]bool{}
	var out []string
	add := func(names ...string) {
		for _, n := range names {
			if n == "created_at" || n == "updated_at" {
				continue
			}
			n = strings.TrimSuffix(n, "_id")
			if g := benkan.GraphQLName(n); !seen[g] {
				seen[g] = true
				out = append(out, g)
			}
		}
	}
	add(m.Fields()...)
	add(m.ClearedFields()...)
	add(m.AddedEdges()...)
	add(m.RemovedEdges()...)
	add(m.ClearedEdges()...)
	return out
}

func mutationID(m ent.Mutation) (gid.ID, bool) {
	if m, ok := m.(interface{ ID() (gid.ID, bool) }); ok {
		return m.ID()
	}
	return "", false
}

// exists reports whether the row id of m's type satisfies p, reading through
// m's client (inside its transaction) with the filter applied explicitly.
func exists(ctx context.Context, m ent.Mutation, id gid.ID, p entql.P) (bool, error) {
	if p == never {
		return false, nil
	}
	client, err := clientOf(m)
	if err != nil {
		return false, err
	}
	return anyRow(ctx, client, m.Type(), p, fmt.Sprintf("check %s %s", m.Type(), id), id)
}

// clientOf returns m's client: inside a transaction, the transaction's.
func clientOf(m ent.Mutation) (*ent.Client, error) {
	c, ok := m.(interface{ Client() *ent.Client })
	if !ok {
		return nil, fmt.Errorf("policy: mutation %T has no client", m)
	}
	return c.Client(), nil
}
