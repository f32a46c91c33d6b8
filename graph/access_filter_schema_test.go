package graph_test

// The filter permissions, tried with every filter the schema allows: every
// key of every WhereInput, at the root and nested one, two and three edges
// deep, written as a single object and as a list, inline and in variables,
// as each restricted role of the leak-matrix fixture. The filters are
// generated from the GraphQL schema itself, so a new field or edge is tried
// as soon as it exists.

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/actor"
	"github.com/benkan-project/benkan/ent/followup"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/graph/generated"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// whereOps are the operator suffixes of entgql's where inputs: a key is a
// field's name followed by one of them ("" is equality).
var whereOps = []string{"", "NEQ", "In", "NotIn", "GT", "GTE", "LT", "LTE", "Contains", "HasPrefix",
	"HasSuffix", "EqualFold", "ContainsFold", "IsNil", "NotNil"}

// schemaEdge is an edge a where input looks through: has<Edge>With.
type schemaEdge struct {
	from, edge, to string // GraphQL names: Incident, involvements, Involvement
	key            string // hasInvolvementsWith
}

// schemaKey is one key of a where input that is not an edge to look
// through: a field predicate, or has<Edge> (a Boolean).
type schemaKey struct {
	typ, key string
	// reads is the field (for a field predicate) or edge (has<Edge>) it reads.
	reads string
	// edgeTo is the type has<Edge> leads to; "" for a field predicate.
	edgeTo string
	// arg is the input type of the key.
	arg *ast.Type
}

// whereSchema is what the test reads of the GraphQL schema.
type whereSchema struct {
	s     *ast.Schema
	roots map[string]string // type → its Query field (Incident → incidents)
	edges map[string][]schemaEdge
	keys  map[string][]schemaKey
	types []string
}

// readWhereSchema maps the where inputs of the schema. It names the field a
// key reads from the object type's own fields (the longest field name the
// key starts with, followed by an operator of whereOps), independently of
// the generated code that access control walks, so that the two must agree.
func readWhereSchema(t *testing.T) *whereSchema {
	s := generated.NewExecutableSchema(generated.Config{}).Schema()
	ws := &whereSchema{s: s, roots: map[string]string{}, edges: map[string][]schemaEdge{}, keys: map[string][]schemaKey{}}
	for _, f := range s.Query.Fields {
		if f.Arguments.ForName("where") != nil && strings.HasSuffix(f.Type.Name(), "Connection") {
			ws.roots[strings.TrimSuffix(f.Type.Name(), "Connection")] = f.Name
		}
	}
	for typ := range ws.roots {
		ws.types = append(ws.types, typ)
	}
	slices.Sort(ws.types)
	for _, typ := range ws.types {
		obj, in := s.Types[typ], s.Types[typ+"WhereInput"]
		if obj == nil || in == nil {
			t.Fatalf("type %s has no object type or no where input", typ)
		}
		for _, k := range in.Fields {
			switch {
			case k.Name == "and" || k.Name == "or" || k.Name == "not":
				continue
			case strings.HasPrefix(k.Name, "has") && strings.HasSuffix(k.Name, "With"):
				edge := lowerFirst(strings.TrimSuffix(strings.TrimPrefix(k.Name, "has"), "With"))
				to := strings.TrimSuffix(k.Type.Name(), "WhereInput")
				if obj.Fields.ForName(edge) == nil {
					t.Fatalf("%s.%s: no edge %s on %s", in.Name, k.Name, edge, typ)
				}
				ws.edges[typ] = append(ws.edges[typ], schemaEdge{from: typ, edge: edge, to: to, key: k.Name})
				continue
			case strings.HasPrefix(k.Name, "has") && in.Fields.ForName(k.Name+"With") != nil:
				edge := lowerFirst(strings.TrimPrefix(k.Name, "has"))
				to := strings.TrimSuffix(in.Fields.ForName(k.Name+"With").Type.Name(), "WhereInput")
				ws.keys[typ] = append(ws.keys[typ], schemaKey{typ: typ, key: k.Name, reads: edge, edgeTo: to, arg: k.Type})
				continue
			}
			var field string
			for _, f := range obj.Fields {
				if strings.HasPrefix(k.Name, f.Name) && slices.Contains(whereOps, k.Name[len(f.Name):]) && len(f.Name) > len(field) {
					field = f.Name
				}
			}
			if field == "" {
				t.Fatalf("%s.%s filters on no field of %s", in.Name, k.Name, typ)
			}
			ws.keys[typ] = append(ws.keys[typ], schemaKey{typ: typ, key: k.Name, reads: field, arg: k.Type})
		}
	}
	return ws
}

func lowerFirst(s string) string { return strings.ToLower(s[:1]) + s[1:] }

// paths returns the chains of depth edges that start at a type with a
// Query field and end at typ, in a fixed order.
func (ws *whereSchema) paths(typ string, depth int) [][]schemaEdge {
	var out [][]schemaEdge
	var walk func(at string, path []schemaEdge)
	walk = func(at string, path []schemaEdge) {
		if len(path) == depth {
			if at == typ {
				out = append(out, slices.Clone(path))
			}
			return
		}
		for _, e := range ws.edges[at] {
			walk(e.to, append(path, e))
		}
	}
	for _, root := range ws.types {
		walk(root, nil)
	}
	return out
}

// pathsFrom returns the chains of depth edges that start at typ.
func (ws *whereSchema) pathsFrom(typ string, depth int) [][]schemaEdge {
	if depth == 0 {
		return [][]schemaEdge{nil}
	}
	var out [][]schemaEdge
	for _, e := range ws.edges[typ] {
		for _, rest := range ws.pathsFrom(e.to, depth-1) {
			out = append(out, append([]schemaEdge{e}, rest...))
		}
	}
	return out
}

// nested returns the connections with a where argument of every type.
func (ws *whereSchema) nested() []nestedConn {
	var out []nestedConn
	for _, from := range ws.types {
		for _, f := range ws.s.Types[from].Fields {
			if typ := strings.TrimSuffix(f.Type.Name(), "Connection"); typ != f.Type.Name() && f.Arguments.ForName("where") != nil {
				out = append(out, nestedConn{from: from, field: f.Name, typ: typ})
			}
		}
	}
	return out
}

// literal is one input value, as GraphQL literal text and as JSON.
type literal struct {
	text string
	json any
}

// value returns a value of type t: the first or (second) another one.
func (ws *whereSchema) value(t *ast.Type, id string, second bool) literal {
	if t.Elem != nil {
		v := ws.value(t.Elem, id, second)
		return literal{"[" + v.text + "]", []any{v.json}}
	}
	pick := func(a, b any) any {
		if second {
			return b
		}
		return a
	}
	switch name := t.Name(); name {
	case "Boolean":
		b := pick(true, false).(bool)
		return literal{fmt.Sprint(b), b}
	case "String":
		s := pick("x", "y").(string)
		return literal{fmt.Sprintf("%q", s), s}
	case "ID":
		return literal{fmt.Sprintf("%q", id), id}
	case "Time":
		s := pick("2023-06-01T00:00:00Z", "2024-02-01T00:00:00Z").(string)
		return literal{fmt.Sprintf("%q", s), s}
	case "Int":
		n := pick(3, 7).(int)
		return literal{fmt.Sprint(n), n}
	case "Float":
		f := pick(1.5, 2.5).(float64)
		return literal{fmt.Sprint(f), f}
	default:
		def := ws.s.Types[name]
		if def == nil || def.Kind != ast.Enum {
			panic("no value for input type " + name)
		}
		e := def.EnumValues[0].Name
		if second {
			e = def.EnumValues[len(def.EnumValues)-1].Name
		}
		return literal{e, e}
	}
}

// filterCase is one generated filter and what the policy says of it.
type filterCase struct {
	name string
	root string // the Query field
	typ  string // its node type
	path []schemaEdge
	key  schemaKey
	list bool // has…With values as lists (else single objects)
	vars bool // the filter in a variable (else inline)
	// nest, when set, puts the filter on a connection of the root's nodes
	// (localities { incidents(where: …) }) instead of the root.
	nest *nestedConn
}

// nestedConn is a connection field of one type that lists another.
type nestedConn struct {
	from, field, typ string // Locality, incidents, Incident
}

// build writes the case's filter with the given leaf value.
func (c filterCase) build(leaf literal) literal {
	text, js := "{"+c.key.key+": "+leaf.text+"}", any(map[string]any{c.key.key: leaf.json})
	for i := len(c.path) - 1; i >= 0; i-- {
		if c.list {
			text, js = "["+text+"]", []any{js}
		}
		text, js = "{"+c.path[i].key+": "+text+"}", map[string]any{c.path[i].key: js}
	}
	return literal{text, js}
}

// query returns the request of the case: a page of the root's ids.
func (c filterCase) query(leaf literal) (string, map[string]any) {
	f := c.build(leaf)
	where, vars, decl := f.text, map[string]any(nil), ""
	if c.vars {
		where, vars, decl = "$w", map[string]any{"w": f.json}, fmt.Sprintf("query($w: %sWhereInput) ", c.typ)
	}
	page := "{ totalCount edges { node { id } } }"
	if c.nest != nil {
		return fmt.Sprintf("%s{ result: %s(first: 100) { edges { node { id nested: %s(first: 100, where: %s) %s } } } }",
			decl, c.root, c.nest.field, where, page), vars
	}
	return fmt.Sprintf("%s{ result: %s(first: 1000, where: %s) %s }", decl, c.root, where, page), vars
}

// refusal returns what the policy refuses in the case ("Type.field"), or "":
// the first edge along the path, or the key, that v may not filter on.
func (c filterCase) refusal(v *policy.Viewer) string {
	for _, e := range c.path {
		if !v.FullyReadable(e.from, e.edge) || !v.FiltersThrough(e.from, e.edge, e.to) {
			return e.from + "." + e.edge
		}
	}
	k := c.key
	switch {
	case k.edgeTo != "":
		if !v.FullyReadable(k.typ, k.reads) || !v.FiltersThrough(k.typ, k.reads, k.edgeTo) {
			return k.typ + "." + k.reads
		}
	case k.reads != "id" && !v.FullyReadable(k.typ, k.reads):
		return k.typ + "." + k.reads
	}
	return ""
}

// filterCases generates the cases: every key at the root, inline and in a
// variable; and every key at the end of paths of one, two and three edges
// (one path per key and depth, taking the paths in turn so that every path
// is used), as an object inline and as a list in a variable, and the other
// way round one depth further.
func (ws *whereSchema) filterCases() []filterCase {
	var out []filterCase
	for _, typ := range ws.types {
		for i, k := range ws.keys[typ] {
			out = append(out, filterCase{root: ws.roots[typ], typ: typ, key: k, vars: i%2 == 1})
			for depth := 1; depth <= 3; depth++ {
				paths := ws.paths(typ, depth)
				if len(paths) == 0 {
					continue
				}
				p := paths[i%len(paths)]
				root := p[0].from
				for _, list := range []bool{false, true} {
					out = append(out, filterCase{root: ws.roots[root], typ: root, path: p, key: k, list: list, vars: list == (depth%2 == 1)})
				}
			}
		}
	}
	// Nested connections: every key of the listed type, on the connection
	// itself and one edge further, in both forms.
	for _, n := range ws.nested() {
		for i, k := range ws.keys[n.typ] {
			out = append(out, filterCase{root: ws.roots[n.from], typ: n.typ, key: k, vars: i%2 == 0, nest: &n})
		}
		for _, p := range ws.pathsFrom(n.typ, 1) {
			for i, k := range ws.keys[p[0].to] {
				out = append(out, filterCase{root: ws.roots[n.from], typ: n.typ, path: p, key: k, list: i%2 == 1, vars: i%3 == 0, nest: &n})
			}
		}
	}
	for i := range out {
		c := &out[i]
		var b strings.Builder
		b.WriteString(c.root)
		if c.nest != nil {
			b.WriteString("." + c.nest.field)
		}
		for _, e := range c.path {
			b.WriteString("." + e.key)
		}
		fmt.Fprintf(&b, ".%s list=%v vars=%v", c.key.key, c.list, c.vars)
		c.name = b.String()
	}
	return out
}

// TestAccessFiltersFromSchema generates filters from the schema and
// checks, for each restricted role:
//   - a filter reading a field or edge the role may not filter on is
//     refused, naming that field, with one FORBIDDEN error and no data, the
//     same whatever value is filtered for;
//   - an allowed filter is answered, with rows the role sees unfiltered;
//   - no answer, allowed or refused, changes when rows the role may not see
//     are added (the shadow rows of accShadow: an unverified incident
//     without consent, its people, involvements, follow-up and collector,
//     linked to the localities, units, actors and violation types the role
//     does see). This last check does not ask the policy what the role may
//     read: an answer that depends on rows hidden from the role is a leak,
//     whatever the policy says.
func TestAccessFiltersFromSchema(t *testing.T) {
	t.Parallel()
	ws := readWhereSchema(t)
	cases := ws.filterCases()
	if len(cases) < 1000 {
		t.Fatalf("only %d cases generated: the schema reader is broken", len(cases))
	}
	subjects := []string{accMonNiono, accDIHR, accFSINiono, accMulti}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		t.Parallel()
		w := accSetup(t, db)
		// An id of a row of each type, for the id predicates.
		ids := map[string]string{}
		for _, typ := range ws.types {
			for id := range filterIDs(t, w.srv.Query(t, fmt.Sprintf(`{ result: %s(first: 1) { edges { node { id } } } }`, ws.roots[typ]), nil)) {
				ids[typ] = id
			}
		}
		ids[""] = ids["Incident"]
		idOf := func(c filterCase) string {
			if id, ok := ids[c.key.typ]; ok {
				return id
			}
			return ids[""]
		}
		answers := map[string][][]byte{} // by subject, one per case
		for _, subject := range subjects {
			t.Run(subject, func(t *testing.T) {
				v, err := w.srv.Engine.Viewer(context.Background(), subject)
				if err != nil {
					t.Fatal(err)
				}
				srv := w.as(t, subject)
				visible := map[string]map[string]bool{}
				for _, typ := range ws.types {
					visible[typ] = filterIDs(t, srv.Query(t, fmt.Sprintf(`{ result: %s(first: 1000) { totalCount edges { node { id } } } }`, ws.roots[typ]), nil))
				}
				var refused, allowed int
				for _, c := range cases {
					q, vars := c.query(ws.value(c.key.arg, idOf(c), false))
					resp := srv.Query(t, q, vars)
					answers[subject] = append(answers[subject], resp.Body)
					if want := c.refusal(v); want != "" {
						refused++
						if len(resp.Errors) != 1 || resp.Errors[0].Code() != benkan.EFORBIDDEN || resp.Errors[0].Extensions["field"] != want {
							t.Errorf("%s: want FORBIDDEN on %s, got %s", c.name, want, resp.Body)
							continue
						}
						if d := strings.TrimSpace(string(resp.Data)); d != "" && d != "null" {
							t.Errorf("%s: a refused filter returned data: %s", c.name, d)
						}
						if !strings.HasSuffix(c.key.key, "IsNil") && !strings.HasSuffix(c.key.key, "NotNil") {
							q2, vars2 := c.query(ws.value(c.key.arg, idOf(c), true))
							if other := srv.Query(t, q2, vars2); !bytes.Equal(other.Body, resp.Body) {
								t.Errorf("%s: the refusal depends on the value filtered for:\n%s\n%s", c.name, resp.Body, other.Body)
							}
						}
						continue
					}
					allowed++
					if len(resp.Errors) > 0 {
						t.Errorf("%s: an allowed filter was refused: %s", c.name, resp.Body)
						continue
					}
					for got := range resultIDs(t, resp, c.nest != nil) {
						if !visible[c.typ][got] {
							t.Errorf("%s: the filter returned %s, which %s does not see unfiltered", c.name, got, subject)
						}
					}
				}
				if refused == 0 || allowed == 0 {
					t.Errorf("%d refused and %d allowed filters: the cases do not try both", refused, allowed)
				}
				t.Logf("%d filters: %d refused, %d allowed", len(cases), refused, allowed)
			})
		}
		accShadow(t, w)
		for _, subject := range subjects {
			t.Run(subject+" with shadow rows", func(t *testing.T) {
				srv := w.as(t, subject)
				for i, c := range cases {
					q, vars := c.query(ws.value(c.key.arg, idOf(c), false))
					if got := srv.Query(t, q, vars).Body; !bytes.Equal(got, answers[subject][i]) {
						t.Errorf("%s: the answer changed when rows %s may not see were added:\nbefore %s\nafter  %s", c.name, subject, answers[subject][i], got)
					}
				}
			})
		}
	})
}

// accShadow adds rows that none of mon-niono, dihr, fsi-niono and multi
// may see (the admin and the coordinator do): an UNDER_VERIFICATION incident
// of Niono without consent, collected by the coordinator, with both
// violation types; a victim and a witness recorded by a new user of the
// Niono unit (users see only themselves); involvements of those, of the
// Niono unit as alleged perpetrator and of the victim of incident a (actors
// these roles see, now in an incident they don't); and a follow-up of the
// Niono unit on it.
func accShadow(t *testing.T, w *accWorld) {
	t.Helper()
	ctx := accSys()
	c := w.db.Client
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("shadow rows: %v", err)
		}
	}
	var shadow []string
	u, err := c.User.Create().SetSubject("shadow").SetDisplayName("Display shadow").SetOrganization(w.orgs[accUnitNiono]).Save(ctx)
	must(err)
	occurred := time.Date(2023, 3, 5, 12, 0, 0, 0, time.UTC)
	inc, err := c.Incident.Create().SetReference("NIO-2023-0999").SetOccurredAt(occurred).SetReportedAt(occurred.Add(time.Hour)).
		SetStatus(incident.StatusUNDER_VERIFICATION).SetConsentToShare(false).SetSummary("SHADOW x y").
		SetNarrative("SHADOW x").SetExactLocation("SHADOW y").SetSource("SHADOW").
		SetLocality(w.niono).AddViolationTypes(w.vts...).SetCollectedBy(w.users[accCoord]).Save(ctx)
	must(err)
	shadow = append(shadow, string(u.ID), string(inc.ID))
	for _, p := range []struct {
		role   involvement.Role
		gender actor.Gender
	}{{involvement.RoleVICTIM, actor.GenderFEMALE}, {involvement.RoleWITNESS, actor.GenderMALE}} {
		a, err := c.Actor.Create().SetKind(actor.KindINDIVIDUAL).SetCategory(actor.CategoryCIVILIAN).
			SetGender(p.gender).SetAgeBracket(actor.AgeBracketUNDER_18).SetFullName("SHADOW x").SetContact("SHADOW y").
			SetAddress("SHADOW").SetCollectedBy(u).Save(ctx)
		must(err)
		inv, err := c.Involvement.Create().SetRole(p.role).SetIncident(inc).SetActor(a).Save(ctx)
		must(err)
		shadow = append(shadow, string(a.ID), string(inv.ID))
	}
	for _, a := range []struct {
		role  involvement.Role
		actor *ent.Actor
	}{{involvement.RoleALLEGED_PERPETRATOR, w.units[accUnitNiono]}, {involvement.RoleWITNESS, w.persons["a"][involvement.RoleVICTIM]}} {
		inv, err := c.Involvement.Create().SetRole(a.role).SetIncident(inc).SetActor(a.actor).Save(ctx)
		must(err)
		shadow = append(shadow, string(inv.ID))
	}
	fu, err := c.FollowUp.Create().SetKind(followup.KindUNIT_RESPONSE).SetDoneOn(occurred.AddDate(0, 0, 3)).SetDescription("SHADOW x").
		SetIncident(inc).SetOrganization(w.orgs[accUnitNiono]).Save(ctx)
	must(err)
	shadow = append(shadow, string(fu.ID))
	// They must be hidden indeed: node lookups answer null.
	for _, subject := range []string{accMonNiono, accDIHR, accFSINiono, accMulti} {
		var data struct{ Nodes []*struct{ ID string } }
		w.as(t, subject).Query(t, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": shadow}).OK(t, &data)
		for i, n := range data.Nodes {
			if n != nil {
				t.Fatalf("shadow row %s is visible to %s", shadow[i], subject)
			}
		}
	}
}

// filterIDs returns the ids of a page.
func filterIDs(t *testing.T, r *apitest.Response) map[string]bool {
	t.Helper()
	return resultIDs(t, r, false)
}

// resultIDs is filterIDs of a response to a case's query: with nested, the
// ids of its nested connection only, none where that connection is null
// (masked: an edge whose rows would tell a field the viewer may not read
// on every row, see Viewer.ReadsInverse).
func resultIDs(t *testing.T, r *apitest.Response, nested bool) map[string]bool {
	t.Helper()
	var data struct {
		Result struct {
			Edges []struct {
				Node struct {
					ID     string
					Nested *struct {
						Edges []struct{ Node struct{ ID string } }
					}
				}
			}
		}
	}
	r.OK(t, &data)
	out := map[string]bool{}
	for _, e := range data.Result.Edges {
		if e.Node.Nested == nil {
			if !nested {
				out[e.Node.ID] = true
			}
			continue
		}
		for _, n := range e.Node.Nested.Edges {
			out[n.Node.ID] = true
		}
	}
	return out
}

// TestAccessOrderingsFromSchema does for orderings what
// TestAccessFiltersFromSchema does for filters: every value of every
// <Type>OrderField, as a single object inline and as a list in a variable,
// at the root and in the nested connections of the schema, for each
// restricted role: refused (the same whatever the direction) exactly when
// the role may not read the field on every row it sees.
func TestAccessOrderingsFromSchema(t *testing.T) {
	t.Parallel()
	ws := readWhereSchema(t)
	type orderCase struct {
		name, query string
		vars        map[string]any
		typ, field  string
	}
	var cases []orderCase
	add := func(typ, field, enum, prefix, suffix string) {
		cases = append(cases,
			orderCase{name: prefix + " " + enum + " object", typ: typ, field: field,
				query: fmt.Sprintf("{ %s(first: 5, orderBy: {field: %s, direction: DIRECTION})%s }", prefix, enum, suffix)},
			orderCase{name: prefix + " " + enum + " list", typ: typ, field: field,
				query: fmt.Sprintf("query($o: [%sOrder!]) { %s(first: 5, orderBy: $o)%s }", typ, prefix, suffix),
				vars:  map[string]any{"o": []any{map[string]any{"field": enum, "direction": "DIRECTION"}}}})
	}
	for _, typ := range ws.types {
		enum := ws.s.Types[typ+"OrderField"]
		if enum == nil {
			continue
		}
		for _, v := range enum.EnumValues {
			field := benkan.GraphQLName(strings.ToLower(v.Name))
			if ws.s.Types[typ].Fields.ForName(field) == nil {
				t.Fatalf("%sOrderField.%s orders by no field of %s", typ, v.Name, typ)
			}
			if ws.s.Query.Fields.ForName(ws.roots[typ]).Arguments.ForName("orderBy").Type.Elem != nil {
				add(typ, field, v.Name, "result: "+ws.roots[typ], " { totalCount }")
			}
			// The connections of other types that list typ, ordered.
			for _, from := range ws.types {
				for _, f := range ws.s.Types[from].Fields {
					if f.Type.Name() == typ+"Connection" && f.Arguments.ForName("orderBy") != nil {
						add(typ, field, v.Name, fmt.Sprintf("result: %s(first: 5) { edges { node { id %s", ws.roots[from], f.Name), " { totalCount } } } }")
					}
				}
			}
		}
	}
	if len(cases) < 50 {
		t.Fatalf("only %d orderings generated", len(cases))
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		var refused, allowed int
		for _, subject := range []string{accMonNiono, accDIHR, accFSINiono, accMulti} {
			t.Run(subject, func(t *testing.T) {
				v, err := w.srv.Engine.Viewer(context.Background(), subject)
				if err != nil {
					t.Fatal(err)
				}
				srv := w.as(t, subject)
				run := func(c orderCase, dir string) *apitest.Response {
					vars := map[string]any{}
					for k, val := range c.vars {
						vars[k] = []any{map[string]any{"field": val.([]any)[0].(map[string]any)["field"], "direction": dir}}
					}
					return srv.Query(t, strings.ReplaceAll(c.query, "DIRECTION", dir), vars)
				}
				for _, c := range cases {
					resp := run(c, "ASC")
					if c.field != "id" && !v.FullyReadable(c.typ, c.field) {
						refused++
						want := c.typ + "." + c.field
						if len(resp.Errors) != 1 || resp.Errors[0].Code() != benkan.EFORBIDDEN || resp.Errors[0].Extensions["field"] != want {
							t.Errorf("%s: want FORBIDDEN on %s, got %s", c.name, want, resp.Body)
							continue
						}
						if other := run(c, "DESC"); !bytes.Equal(other.Body, resp.Body) {
							t.Errorf("%s: the refusal depends on the direction:\n%s\n%s", c.name, resp.Body, other.Body)
						}
						continue
					}
					allowed++
					if len(resp.Errors) > 0 {
						t.Errorf("%s: an allowed ordering was refused: %s", c.name, resp.Body)
					}
				}
			})
		}
		if refused == 0 || allowed == 0 {
			t.Errorf("%d refused and %d allowed orderings: the cases do not try both", refused, allowed)
		}
	})
}
