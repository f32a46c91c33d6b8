package graph

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/policy"
)

// Access is the gqlgen extension that applies the viewer's field rules:
// a field the viewer may not read on a row resolves to null and its path is
// listed in the response's extensions under "masked"; filtering or ordering
// on a field the viewer may not read on every row it sees is refused with
// FORBIDDEN before anything runs; and a request without credentials may
// read the schema only. Row rules are applied below, in SQL, by ent.
type Access struct {
	client *ent.Client
	log    *slog.Logger
	schema *ast.Schema
	nodes  map[string]bool // the object types access is decided for
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.FieldInterceptor
	graphql.ResponseInterceptor
} = (*Access)(nil)

// ExtensionName implements graphql.HandlerExtension.
func (*Access) ExtensionName() string { return "Access" }

// Validate implements graphql.HandlerExtension; it keeps the schema, to map
// filter inputs to the fields they filter on.
func (a *Access) Validate(s graphql.ExecutableSchema) error {
	a.schema = s.Schema()
	a.nodes = map[string]bool{}
	for _, t := range policy.Types {
		if a.schema.Types[t] == nil {
			return fmt.Errorf("access: type %s of the policy is not in the GraphQL schema", t)
		}
		a.nodes[t] = true
	}
	return nil
}

// MutateOperationContext implements graphql.OperationContextMutator.
func (a *Access) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	v := policy.FromContext(ctx)
	w := walker{oc: oc}
	if v.IsAnonymous() {
		for _, f := range w.fields(oc.Operation.SelectionSet) {
			if !strings.HasPrefix(f.Name, "__") {
				return limitError(benkan.EUNAUTHENTICATED, f, "sign in: send Authorization: Bearer <token>; without a token only the schema can be read")
			}
		}
		return nil
	}
	return a.checkArgs(v, w, oc.Operation.SelectionSet)
}

// checkArgs refuses `where` and `orderBy` arguments that name a field the
// viewer may not read on every row.
func (a *Access) checkArgs(v *policy.Viewer, w walker, set ast.SelectionSet) *gqlerror.Error {
	for _, f := range w.fields(set) {
		if f.Definition != nil {
			node := strings.TrimSuffix(f.Definition.Type.Name(), "Connection")
			if a.nodes[node] {
				args := f.ArgumentMap(w.oc.Variables)
				if where, ok := args["where"].(map[string]any); ok {
					if field, ok := a.filterable(v, node, where); !ok {
						return limitError(benkan.EFORBIDDEN, f, "you may not filter on %s", field)
					}
				}
				for _, field := range orderFields(args["orderBy"]) {
					if !v.FullyReadable(node, field) {
						return limitError(benkan.EFORBIDDEN, f, "you may not order by %s.%s", node, field)
					}
				}
			}
		}
		if err := a.checkArgs(v, w, f.SelectionSet); err != nil {
			return err
		}
	}
	return nil
}

// filterable walks a WhereInput of typ and returns the first field it
// filters on that the viewer may not read on every row.
func (a *Access) filterable(v *policy.Viewer, typ string, where map[string]any) (string, bool) {
	def := a.schema.Types[typ]
	for key, val := range where {
		switch key {
		case "and", "or":
			list, _ := val.([]any)
			for _, item := range list {
				if m, ok := item.(map[string]any); ok {
					if f, ok := a.filterable(v, typ, m); !ok {
						return f, false
					}
				}
			}
			continue
		case "not":
			if m, ok := val.(map[string]any); ok {
				if f, ok := a.filterable(v, typ, m); !ok {
					return f, false
				}
			}
			continue
		}
		field := predicateField(def, key)
		if field == nil {
			return typ + "." + key, false // unknown predicates are refused: deny by default
		}
		if field.Name != "id" && !v.FullyReadable(typ, field.Name) {
			return typ + "." + field.Name, false
		}
		target := strings.TrimSuffix(field.Type.Name(), "Connection")
		if strings.HasPrefix(key, "has") && a.nodes[target] && !v.FiltersThrough(typ, field.Name, target) {
			// The edge filter's subquery would search rows of target the
			// viewer may not see: their existence would leak.
			return typ + "." + field.Name + " (some " + target + " objects are hidden from you)", false
		}
		if strings.HasSuffix(key, "With") {
			list, _ := val.([]any)
			for _, item := range list {
				if m, ok := item.(map[string]any); ok {
					if f, ok := a.filterable(v, target, m); !ok {
						return f, false
					}
				}
			}
		}
	}
	return "", true
}

// predicateField maps a WhereInput key ("occurredAtGTE", "hasLocalityWith")
// to the field of def it filters on: the longest field name it starts with.
func predicateField(def *ast.Definition, key string) *ast.FieldDefinition {
	if strings.HasPrefix(key, "has") {
		name := strings.TrimSuffix(strings.TrimPrefix(key, "has"), "With")
		if name != "" {
			name = strings.ToLower(name[:1]) + name[1:]
			return def.Fields.ForName(name)
		}
	}
	var best *ast.FieldDefinition
	for _, f := range def.Fields {
		if strings.HasPrefix(key, f.Name) && (best == nil || len(f.Name) > len(best.Name)) {
			best = f
		}
	}
	return best
}

// orderFields returns the GraphQL field names an orderBy argument orders
// by: OCCURRED_AT is occurredAt.
func orderFields(v any) []string {
	var items []any
	switch o := v.(type) {
	case []any:
		items = o
	case map[string]any:
		items = []any{o}
	}
	var out []string
	for _, it := range items {
		m, _ := it.(map[string]any)
		name, _ := m["field"].(string)
		if name == "" {
			continue
		}
		parts := strings.Split(strings.ToLower(name), "_")
		for i := 1; i < len(parts); i++ {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
		out = append(out, strings.Join(parts, ""))
	}
	return out
}

// InterceptField implements graphql.FieldInterceptor: it masks fields, and
// notes the reads of sensitive fields for the audit log.
func (a *Access) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !a.nodes[fc.Object] || fc.Field.Name == "id" || strings.HasPrefix(fc.Field.Name, "__") {
		return next(ctx)
	}
	// One walk up the context for both: a field's context is many layers deep.
	st, _ := ctx.Value(responseKey{}).(*response)
	var v *policy.Viewer
	if st != nil {
		v = st.viewer
	} else {
		v = policy.FromContext(ctx)
	}
	var row any
	if fc.Parent != nil {
		row = fc.Parent.Result
	}
	if v != nil {
		full, audited := v.FieldFacts(fc.Object, fc.Field.Name)
		if full || v.CanReadField(fc.Object, fc.Field.Name, row) {
			if st != nil && audited {
				if id, ok := policy.RowID(row); ok {
					st.reads.add(fc.Object, id, fc.Field.Name)
				}
			}
			res, err := next(ctx)
			if ent.IsNotFound(err) {
				// An edge to a row the viewer may not see (ent privacy
				// filtered it out): null, exactly like an edge to nothing.
				return nil, nil
			}
			return res, err
		}
	}
	if st != nil {
		st.masked.add(fc.Path().String())
	}
	return nil, nil
}

type responseKey struct{}

// response is what the Access extension gathers while one response is
// resolved: the masked paths and the sensitive reads.
type response struct {
	viewer *policy.Viewer
	masked masked
	reads  reads
}

// masked collects the paths of masked fields of one response.
type masked struct {
	mu    sync.Mutex
	paths []string
}

func (m *masked) add(p string) {
	m.mu.Lock()
	m.paths = append(m.paths, p)
	m.mu.Unlock()
}

// InterceptResponse implements graphql.ResponseInterceptor: it lists the
// masked fields in the response's extensions and writes the audit events.
func (a *Access) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	st := &response{viewer: policy.FromContext(ctx)}
	resp := next(context.WithValue(ctx, responseKey{}, st))
	st.reads.write(ctx, a.client, policy.FromContext(ctx), a.log)
	if resp == nil {
		return nil
	}
	st.masked.mu.Lock()
	defer st.masked.mu.Unlock()
	if len(st.masked.paths) > 0 {
		slices.Sort(st.masked.paths)
		if resp.Extensions == nil {
			resp.Extensions = map[string]any{}
		}
		resp.Extensions["masked"] = st.masked.paths
	}
	return resp
}
