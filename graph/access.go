package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/graph/generated"
	"github.com/benkan-project/benkan/policy"
)

// Access is the gqlgen extension that applies the viewer's field rules:
// a field the viewer may not read on a row resolves to null and its path is
// listed in the response's extensions under "masked"; filtering or ordering
// on a field the viewer may not read on every row it sees is refused with
// FORBIDDEN before the field that asks for it runs; and a request without credentials may
// read the schema only. Row rules are applied below, in SQL, by ent.
type Access struct {
	client *ent.Client
	log    *slog.Logger
	nodes  map[string]bool // the object types access is decided for
	// noReadAudit skips the audit of reads (see Config.NoReadAudit).
	noReadAudit bool
	// plain lets the generated code write plain fields directly where
	// this extension decided so for the response (see plainServes): set
	// by NewServer only when Access is the server's only field
	// interceptor, so that no other is skipped.
	plain bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.FieldInterceptor
	graphql.ResponseInterceptor
} = (*Access)(nil)

// ExtensionName implements graphql.HandlerExtension.
func (*Access) ExtensionName() string { return "Access" }

// Validate implements graphql.HandlerExtension: every type of the policy
// must be a type of the schema.
func (a *Access) Validate(s graphql.ExecutableSchema) error {
	a.nodes = map[string]bool{}
	for _, t := range policy.Types {
		if s.Schema().Types[t] == nil {
			return fmt.Errorf("access: type %s of the policy is not in the GraphQL schema", t)
		}
		a.nodes[t] = true
	}
	return validatePlainFields(s)
}

// MutateOperationContext implements graphql.OperationContextMutator: a
// request without credentials may read the schema only.
func (a *Access) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || !policy.FromContext(ctx).IsAnonymous() {
		return nil
	}
	if f := firstDataField(oc.Operation.SelectionSet, map[string]bool{}); f != nil {
		return limitError(benkan.EUNAUTHENTICATED, f, "sign in: send Authorization: Bearer <token>; without a token only the schema can be read")
	}
	return nil
}

// firstDataField returns the first field of a selection set, looking into
// its fragments, that is not introspection (__schema, __type, __typename).
// Each fragment is looked into once, as gqlgen collects fields: a document
// spreading fragments into fragments costs its size, not their expansion.
func firstDataField(set ast.SelectionSet, seen map[string]bool) *ast.Field {
	for _, sel := range set {
		var inner ast.SelectionSet
		switch s := sel.(type) {
		case *ast.Field:
			if !strings.HasPrefix(s.Name, "__") {
				return s
			}
		case *ast.InlineFragment:
			inner = s.SelectionSet
		case *ast.FragmentSpread:
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				inner = s.Definition.SelectionSet
			}
		}
		if f := firstDataField(inner, seen); f != nil {
			return f
		}
	}
	return nil
}

// checkOperation refuses the operation if any of its filters or orderings
// reads a field the viewer may not read on every row (see
// policy.Viewer.MayFilter): it looks at every field of the operation,
// nested connections included, before any of it runs, since entgql loads a
// nested connection (with its filter) as part of its parent's query.
//
// Each `where` and `orderBy` argument is decoded by gqlgen's own generated
// unmarshalers, after its input coercion (graphql.CoerceList for a single
// value where a list is expected, variables substituted), into the typed
// …WhereInput and …Order values that the resolvers and entgql's field
// collection run: what is decided is what will run. Fragments are looked
// into once each, whatever the number of spreads.
//
// It returns, for each field whose filter or ordering reads audited fields of the rows
// it returns (incidents(where: {hasCollectedByWith: …}) reads the
// collectedBy of each incident it answers), those fields: the rows the
// field serves are audited as reads of them (see filterReads).
func checkOperation(ctx context.Context, v *policy.Viewer, oc *graphql.OperationContext) (map[*ast.Field]filtered, error) {
	reads := map[*ast.Field]filtered{}
	err := eachField(oc.Operation.SelectionSet, func(f *ast.Field) error {
		return checkArgs(ctx, v, oc, f, reads)
	})
	return reads, err
}

// filtered is what a field's filter reads of the rows it returns: audited
// fields of typ; and, beyond its edges, audited fields of the rows of
// other types it matches through them (other, by type).
type filtered struct {
	typ    string
	fields []string
	other  map[string][]string
}

// checkArgs checks the filter and ordering arguments of one field: every
// argument whose input type is a where input or an ordering, whatever its
// name.
func checkArgs(ctx context.Context, v *policy.Viewer, oc *graphql.OperationContext, f *ast.Field, reads map[*ast.Field]filtered) error {
	if f.Definition == nil {
		return nil
	}
	var args map[string]any
	for _, def := range f.Definition.Arguments {
		name := def.Type.Name()
		newValue, ok := ent.FilterInputs[name]
		if !ok {
			continue
		}
		if args == nil {
			args = f.ArgumentMap(oc.Variables)
		}
		raw := args[def.Name]
		if raw == nil {
			continue
		}
		values := []any{raw}
		if def.Type.Elem != nil {
			values = graphql.CoerceList(raw)
		}
		check := v.MayFilter
		if strings.HasSuffix(name, "Order") {
			check = v.MayOrder
		}
		for _, raw := range values {
			r := newValue()
			if err := graphql.UnmarshalNamedInputFromContext(ctx, name, raw, r); err != nil {
				return err // the field itself would fail: refuse now, before a parent loads it
			}
			if err := check(r); err != nil {
				return err
			}
			// An ordering tells the rows' order by its field as surely as a
			// filter tells their values: both are reads of what they visit.
			typ, ok := strings.CutSuffix(name, "WhereInput")
			if !ok {
				typ, ok = strings.CutSuffix(name, "Order")
			}
			if ok {
				rc := auditedReads{v: v, typ: typ, into: reads[f].fields, other: reads[f].other}
				_ = r.VisitReads(&rc) // it never refuses
				if len(rc.into) > 0 || len(rc.other) > 0 {
					reads[f] = filtered{typ: typ, fields: rc.into, other: rc.other}
				}
			}
		}
	}
	return nil
}

// InterceptField implements graphql.FieldInterceptor: it refuses filters
// and orderings the viewer may not use, masks fields, and notes the reads
// of sensitive fields for the audit log.
func (a *Access) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return next(ctx)
	}
	decided := a.nodes[fc.Object] && maskableField(fc.Field.Name)
	if !decided && fc.Object != "Query" && fc.Object != "Mutation" {
		return next(ctx) // nothing to decide, and not where an operation starts
	}
	// One walk up the context for both: a field's context is many layers deep.
	st, _ := ctx.Value(responseKey{}).(*response)
	var v *policy.Viewer
	if st != nil {
		v = st.viewer
		// The first field to resolve (a root field) checks the
		// operation's filters before its resolver runs, in the executor's
		// context (gqlgen's unmarshalers are in it), and answers the
		// refusal; the fields after it resolve nothing.
		first := false
		st.checked.Do(func() {
			first = true
			var err error
			if st.filtered, err = checkOperation(ctx, v, graphql.GetOperationContext(ctx)); err != nil {
				st.refusal.Store(&err)
			}
			st.ready.Store(true)
		})
		if refusal := st.refusal.Load(); refusal != nil {
			if first {
				return nil, *refusal
			}
			return nil, nil
		}
	} else {
		v = policy.FromContext(ctx)
	}
	if !decided {
		res, err := next(ctx)
		if st != nil && err == nil {
			st.filterReads(v, fc, res)
		}
		return res, err
	}
	var row any
	if fc.Parent != nil {
		row = fc.Parent.Result
	}
	if v != nil && !v.ReadsInverse(fc.Object, fc.Field.Name) {
		v = nil // masked: its rows would tell an audited field the viewer may not read
	}
	if v != nil {
		full, audited := v.FieldFacts(fc.Object, fc.Field.Name)
		if full || v.CanReadField(fc.Object, fc.Field.Name, row) {
			res, err := next(ctx)
			if ent.IsNotFound(err) {
				// An edge to a row the viewer may not see (ent privacy
				// filtered it out): null, exactly like an edge to nothing,
				// and no read of the field (nothing of it was served).
				return nil, nil
			}
			// Noted once resolved: a field whose resolver failed, or an
			// edge to no row or to one the viewer may not see (null),
			// served nothing, and the event must not claim it. A scalar
			// that is null was served: the response told that the row
			// has no value there, and a page's rows then share one set of
			// fields read, so one event per type (see readEvent).
			if st != nil && audited && err == nil && !noRow(res) {
				if id, ok := policy.RowID(row); ok {
					st.reads.add(fc.Object, id, fc.Field.Name)
				}
			}
			if st != nil && err == nil {
				st.inverseReads(v, fc, res)
				st.filterReads(v, fc, res)
			}
			return res, err
		}
	}
	if st != nil {
		st.masked.add(fc.Path().String())
	}
	return nil, nil
}

// maskableField reports whether the policy decides a field of a type of
// the data model (policy.Types): every field but id and the introspection
// fields. The served schema says of each such field that it may be null
// (see MaskedNote).
func maskableField(name string) bool {
	return name != "id" && !strings.HasPrefix(name, "__")
}

// noRow reports whether a resolver's result is an edge to no row: nil, or
// a nil pointer to an entity (an edge to nothing, or to a row ent privacy
// filtered out of an eager load). A nil pointer to a scalar (*string,
// *time.Time) is a null value, not a missing row.
func noRow(res any) bool {
	if res == nil {
		return true
	}
	rv := reflect.ValueOf(res)
	return rv.Kind() == reflect.Pointer && rv.IsNil() && rv.Type().Implements(nodeType)
}

// nodeType is the interface of ent's entities (ent/gql_node.go).
var nodeType = reflect.TypeFor[interface{ IsNode() }]()

type responseKey struct{}

// response is what the Access extension gathers while one response is
// resolved: the masked paths, the sensitive reads, and the refusal of a
// filter or ordering, if one was refused.
type response struct {
	viewer *policy.Viewer
	masked masked
	reads  reads

	// checked runs checkOperation once, at the first field resolved;
	// ready tells it has run (and refusal is set if it refused).
	checked sync.Once
	ready   atomic.Bool
	// refusal is the first refused filter or ordering.
	refusal atomic.Pointer[error]
	// filtered are the audited fields the filters of fields read (see
	// checkOperation), set by checked.
	filtered map[*ast.Field]filtered
	// impacts counts the proposals' impacts computed (see takeImpact).
	impacts atomic.Int32
	// through are the reads of audited fields of other types that filters
	// made through edges (see filterReads), by the ids of the rows served.
	through reads
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
//
// The audit fails closed: a response whose sensitive reads could not be
// recorded is not served. Its data is replaced by one UNAVAILABLE error
// (see unaudited). For a mutation, the Access extension runs inside the
// transaction (NewServer registers transactions first) and writes the
// audit with the transaction's client: the mutation and the audit of what
// its response read commit together, and a failed audit write rolls the
// mutation back, so that an error response never hides a committed change.
//
// An operation one of whose filters or orderings is refused is refused
// whole: its answer is that one FORBIDDEN error and no data, wherever the
// field asking for it was (at the root or in a nested connection, once per
// parent row), and nothing of what resolved before it is kept, audited or
// committed (the transaction of a mutation rolls back on errors).
func (a *Access) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	st := &response{viewer: policy.FromContext(ctx)}
	rctx := context.WithValue(ctx, responseKey{}, st)
	if d := a.plainDecider(st); d != nil {
		rctx = generated.WithPlainDecider(rctx, d)
	}
	resp := next(rctx)
	if refusal := st.refusal.Load(); refusal != nil && resp != nil {
		for _, e := range resp.Errors {
			if errors.Is(e, *refusal) {
				return &graphql.Response{Errors: gqlerror.List{e}}
			}
		}
	}
	if resp == nil {
		return nil // nothing served, nothing to audit
	}
	if !a.noReadAudit && served(ctx, resp) {
		if err := st.reads.write(ctx, a.auditClient(ctx), policy.FromContext(ctx)); err != nil {
			return a.unaudited(ctx, err)
		}
		st.through.objectID = throughFilter
		if err := st.through.write(ctx, a.auditClient(ctx), policy.FromContext(ctx)); err != nil {
			return a.unaudited(ctx, err)
		}
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

// auditClient is the client the audit of a response is written with: the
// transaction's for a mutation (see transactions), so that both commit or
// roll back together; the server's own otherwise.
func (a *Access) auditClient(ctx context.Context) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return a.client
}

// unaudited is the response that replaces one whose sensitive reads could
// not be written to the audit log: no data, and one error whose code is
// UNAVAILABLE — the database could not record what the request would have
// read, the client did nothing wrong and may retry, which is what
// UNAVAILABLE already tells clients of a database that cannot serve (not
// INTERNAL, which names a fault of benkan's, nor FORBIDDEN, since the
// reader may read it). The cause is logged with the request's id, which
// the error carries too.
func (a *Access) unaudited(ctx context.Context, err error) *graphql.Response {
	a.log.ErrorContext(ctx, "sensitive reads could not be audited: the response is withheld", "err", err)
	graphql.AddError(ctx, benkan.Errorf(benkan.EUNAVAILABLE,
		"the reads of this request could not be recorded in the audit log, so its data is withheld; retry in a few seconds"))
	errs := graphql.GetErrors(ctx)
	return &graphql.Response{Errors: errs[len(errs)-1:]}
}

// served reports whether the data of resp reaches the client: not for a
// mutation with errors, which transactions rolls back and answers without
// data. Its reads are not audited (nothing of them is served), and no
// audit statement is sent on a transaction the failure may have aborted,
// which would turn the mutation's own error into an audit failure.
func served(ctx context.Context, resp *graphql.Response) bool {
	if len(resp.Errors) == 0 || !graphql.HasOperationContext(ctx) {
		return true
	}
	return !isMutation(graphql.GetOperationContext(ctx).Operation)
}
