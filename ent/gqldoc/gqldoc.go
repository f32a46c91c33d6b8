// Package gqldoc writes the descriptions of the GraphQL schema that entgql
// generates from benkan's ent schema (graph/ent.graphql), and makes its
// connection plumbing non-null. Its functions are entgql schema hooks, run by
// ent/entc.go.
//
// The words come from one place, the ent schema: a field's Comment, an
// edge's Comment, and the EnumValues annotation of an enum field (see
// ent/schema/enumvalues.go). What entgql derives from a field (its where
// predicates, its order field, its clear… and add…IDs inputs) is described
// here from the predicate's or the input's meaning and that field's own
// description, never by a list written per field. A hook fails when it finds
// an enum value, an input field or an enum type it cannot describe, so that
// a new field without words fails go generate instead of reaching clients
// as a bare name or as entgql's boilerplate.
package gqldoc

import (
	"fmt"
	"strings"

	"entgo.io/ent/entc/gen"
	"github.com/vektah/gqlparser/v2/ast"
)

// Describe is the entgql schema hook that describes the enums, the order
// fields, the where inputs and the create and update inputs of every ent
// type, and the Time scalar.
func Describe(g *gen.Graph, s *ast.Schema) error {
	for _, node := range g.Nodes {
		for _, step := range []func(*gen.Type, *ast.Schema) error{describeEnums, describeOrder, describeWhere, describeMutationInputs} {
			if err := step(node, s); err != nil {
				return err
			}
		}
	}
	describeConnectionArgs(s)
	describeNodes(s)
	return describeTime(s)
}

// describeNodes says of Relay's node and nodes what benkan's access control
// makes of them: a row the viewer may not see is answered as a missing one.
func describeNodes(s *ast.Schema) {
	q := s.Types["Query"]
	if q == nil {
		return
	}
	if f := q.Fields.ForName("node"); f != nil {
		f.Description = "The object of this id: null when no object has it or the viewer may not see it, the two answered alike."
	}
	if f := q.Fields.ForName("nodes"); f != nil {
		f.Description = "The objects of these ids, in the order of the ids: null in place of an id no object has or the viewer may not see."
	}
}

// describeConnectionArgs replaces entgql's words for the orderBy and where
// arguments of connection fields ("Ordering options for Incidents returned
// from the connection").
func describeConnectionArgs(s *ast.Schema) {
	for _, def := range s.Types {
		for _, f := range def.Fields {
			for _, a := range f.Arguments {
				switch {
				case a.Name == "orderBy" && strings.HasPrefix(a.Description, "Ordering options for "):
					how := "by this field, then by id"
					if a.Type.Elem != nil {
						how = "by the first term, ties broken by the next ones, then by id"
					}
					a.Description = "How to order the objects: " + how + ". Left out, by id: an order that is stable but means nothing. Ordering by a field the viewer may not read on every row it sees is refused with FORBIDDEN."
				case a.Name == "where" && strings.HasPrefix(a.Description, "Filtering options for "):
					a.Description = fmt.Sprintf("Keeps the objects that match (see %s); all those the viewer may see if left out.", a.Type.Name())
				}
			}
		}
	}
}

// TimeSpec is the specification of the Time scalar's format: an RFC 3339
// date-time, as graphql-scalars' DateTime specifies it.
const TimeSpec = "https://scalars.graphql.org/andimarek/date-time"

// describeTime describes the Time scalar and points to its specification
// (introspection serves it as specifiedByURL).
func describeTime(s *ast.Schema) error {
	t := s.Types["Time"]
	if t == nil {
		return fmt.Errorf("gqldoc: the schema has no Time scalar")
	}
	t.Description = "A date and time, as an RFC 3339 string. Answers are in UTC to the second (2023-12-18T09:00:00Z); inputs may carry an offset and fractions of a second, or be a date alone (2023-12-18, midnight UTC)."
	if t.Directives.ForName("specifiedBy") == nil {
		t.Directives = append(t.Directives, &ast.Directive{
			Name:      "specifiedBy",
			Arguments: ast.ArgumentList{{Name: "url", Value: &ast.Value{Kind: ast.StringValue, Raw: TimeSpec}}},
		})
	}
	return nil
}

// describeEnums describes the GraphQL enum of each enum field of node with
// the field's comment, and each of its values with the field's EnumValues
// annotation.
func describeEnums(node *gen.Type, s *ast.Schema) error {
	for _, f := range node.Fields {
		if !f.IsEnum() {
			continue
		}
		def := enumType(node, f, s)
		if def == nil {
			continue // not in the GraphQL schema
		}
		docs, err := enumValues(f)
		if err != nil {
			return fmt.Errorf("gqldoc: %s.%s: %w", node.Name, f.Name, err)
		}
		def.Description = fmt.Sprintf("The values of `%s.%s`. %s", node.Name, gqlName(f.Name), f.Comment())
		for _, v := range def.EnumValues {
			doc, ok := docs[v.Name]
			if !ok {
				return fmt.Errorf("gqldoc: %s.%s: value %s has no EnumValues doc (see ent/schema/enumvalues.go)", node.Name, f.Name, v.Name)
			}
			v.Description = doc
			delete(docs, v.Name)
		}
		for v := range docs {
			return fmt.Errorf("gqldoc: %s.%s: EnumValues describes %s, which is not a value of the field", node.Name, f.Name, v)
		}
	}
	return nil
}

// enumType finds the GraphQL enum of an enum field through the types that
// use it: the object type, or the where input if the object omits it.
func enumType(node *gen.Type, f *gen.Field, s *ast.Schema) *ast.Definition {
	name := gqlName(f.Name)
	for _, t := range []string{node.Name, node.Name + "WhereInput", "Create" + node.Name + "Input"} {
		if def := s.Types[t]; def != nil {
			if fd := def.Fields.ForName(name); fd != nil {
				if e := s.Types[fd.Type.Name()]; e != nil && e.Kind == ast.Enum {
					return e
				}
			}
		}
	}
	return nil
}

// enumValues reads a field's EnumValues annotation (a list of {Value, Doc}
// once it has gone through entc's JSON) as a map from value to doc.
func enumValues(f *gen.Field) (map[string]string, error) {
	list, ok := f.Annotations["EnumValues"].([]any)
	if !ok {
		return nil, fmt.Errorf("an enum field needs an EnumValues annotation saying what each value means (see ent/schema/enumvalues.go)")
	}
	out := map[string]string{}
	for _, item := range list {
		m, _ := item.(map[string]any)
		v, _ := m["Value"].(string)
		doc, _ := m["Doc"].(string)
		if v == "" || doc == "" {
			return nil, fmt.Errorf("an EnumValues entry without value or doc: %v", item)
		}
		out[v] = doc
	}
	return out, nil
}

// describeOrder describes node's order input and its order field enum, each
// value with the field (or edge) that carries its entgql.OrderField.
func describeOrder(node *gen.Type, s *ast.Schema) error {
	if def := s.Types[node.Name+"Order"]; def != nil {
		def.Description = fmt.Sprintf("An ordering of %s objects: a field and a direction. Ordering by a field the viewer may not read on every row it sees is refused with FORBIDDEN.", node.Name)
	}
	def := s.Types[node.Name+"OrderField"]
	if def == nil {
		return nil
	}
	def.Description = fmt.Sprintf("The fields %s objects can be ordered by. Ties are broken by id, so that cursors are stable.", node.Name)
	for _, v := range def.EnumValues {
		name, doc, ok := orderedBy(node, v.Name)
		if !ok {
			return fmt.Errorf("gqldoc: %s: order field %s names no field or edge of the ent schema", def.Name, v.Name)
		}
		v.Description = fmt.Sprintf("Orders by `%s`. %s", name, doc)
	}
	return nil
}

// orderedBy finds the field or edge whose entgql.OrderField is value.
func orderedBy(node *gen.Type, value string) (name, doc string, ok bool) {
	for _, f := range node.Fields {
		if orderField(f.Annotations) == value {
			return gqlName(f.Name), f.Comment(), true
		}
	}
	for _, e := range node.Edges {
		if orderField(e.Annotations) == value {
			return gqlName(e.Name), e.Comment(), true
		}
	}
	return "", "", false
}

func orderField(a gen.Annotations) string {
	m, _ := a["EntGQL"].(map[string]any)
	v, _ := m["OrderField"].(string)
	return v
}

// predicates are the suffixes entgql appends to a field's name in a where
// input, longest first so that NotIn is not read as In, with what each
// matches; %s is the field's GraphQL name.
var predicates = []struct{ suffix, text, timeText string }{
	{"ContainsFold", "`%s` contains the value, ignoring case.", ""},
	{"EqualFold", "`%s` equals the value, ignoring case.", ""},
	{"HasPrefix", "`%s` starts with the value.", ""},
	{"HasSuffix", "`%s` ends with the value.", ""},
	{"Contains", "`%s` contains the value (case-sensitive).", ""},
	{"NotNil", "With true, `%s` is set (not null).", ""},
	{"IsNil", "With true, `%s` is not set (null).", ""},
	{"NotIn", "`%s` is none of the values.", ""},
	{"NEQ", "`%s` differs from the value.", ""},
	{"GTE", "`%s` is greater than or equal to the value.", "`%s` is at or after the value."},
	{"LTE", "`%s` is less than or equal to the value.", "`%s` is at or before the value."},
	{"GT", "`%s` is greater than the value.", "`%s` is after the value."},
	{"LT", "`%s` is less than the value.", "`%s` is before the value."},
	{"In", "`%s` is one of the values.", ""},
}

// describeWhere describes node's where input: the type, its combinators,
// and each predicate from its suffix and the description of the field or
// edge it tests.
func describeWhere(node *gen.Type, s *ast.Schema) error {
	def := s.Types[node.Name+"WhereInput"]
	if def == nil {
		return nil
	}
	def.Description = fmt.Sprintf("A filter of %s objects: an object matches when every condition given holds (combine conditions with `and`, `or` and `not`). It is decided in SQL, among the objects the viewer may see; a condition on a field the viewer may not read on every row it sees is refused with FORBIDDEN.", node.Name)
	fields := map[string]string{"id": node.ID.Comment()}
	for _, f := range node.Fields {
		fields[gqlName(f.Name)] = f.Comment()
	}
	edges := map[string]*gen.Edge{}
	for _, e := range node.Edges {
		edges["has"+pascal(gqlName(e.Name))] = e
	}
	for _, f := range def.Fields {
		if f.Description != "" && !isBoilerplate(f.Description) {
			continue // written by hand (an extension of the input)
		}
		text, ok := wherePredicate(node, f, fields, edges)
		if !ok {
			return fmt.Errorf("gqldoc: %s.%s: cannot tell which field or edge this predicate tests", def.Name, f.Name)
		}
		f.Description = text
	}
	return nil
}

// wherePredicate describes one field of a where input.
func wherePredicate(node *gen.Type, f *ast.FieldDefinition, fields map[string]string, edges map[string]*gen.Edge) (string, bool) {
	switch f.Name {
	case "not":
		return "Matches the objects the condition does not match.", true
	case "and":
		return "Matches the objects every condition of the list matches.", true
	case "or":
		return "Matches the objects at least one condition of the list matches.", true
	}
	if doc, ok := fields[f.Name]; ok {
		return join(fmt.Sprintf("`%s` equals the value.", f.Name), doc), true
	}
	if e, ok := edges[f.Name]; ok {
		name := gqlName(e.Name)
		return join(fmt.Sprintf("With true, the objects that have %s `%s`; with false, those that have none (or none the viewer may see).", someOrA(e), name), e.Comment()), true
	}
	if e, ok := edges[strings.TrimSuffix(f.Name, "With")]; ok && strings.HasSuffix(f.Name, "With") {
		name := gqlName(e.Name)
		return join(fmt.Sprintf("The objects with at least one `%s` that matches every condition of the list.", name), e.Comment()), true
	}
	for _, p := range predicates {
		base, ok := strings.CutSuffix(f.Name, p.suffix)
		if !ok {
			continue
		}
		doc, ok := fields[base]
		if !ok {
			continue
		}
		text := p.text
		if p.timeText != "" && f.Type.Name() == "Time" {
			text = p.timeText
		}
		return join(fmt.Sprintf(text, base), firstSentence(doc)), true
	}
	return "", false
}

// firstSentence is the first sentence of a description, where an
// abbreviation's full stop ("e.g. NIO-2023-0042") does not end one: a
// predicate repeats it to say which field it tests, and the field's own
// equality predicate carries the whole description.
func firstSentence(doc string) string {
	for i := 0; i < len(doc); i++ {
		end := strings.IndexAny(doc[i:], ".;")
		if end < 0 {
			return doc
		}
		i += end
		if i+1 < len(doc) && doc[i+1] != ' ' {
			continue
		}
		if doc[i] == '.' && (strings.HasSuffix(doc[:i], "e.g") || strings.HasSuffix(doc[:i], "i.e") || strings.HasSuffix(doc[:i], "etc")) {
			continue
		}
		return strings.TrimSpace(doc[:i]) + "."
	}
	return doc
}

// someOrA is how to say "has at least one" of an edge.
func someOrA(e *gen.Edge) string {
	if e.Unique {
		return "a"
	}
	return "at least one"
}

// describeMutationInputs describes node's create and update inputs: the
// type, and the inputs entgql derives from an edge (its id or ids, add…IDs,
// remove…IDs, clear…) or from an optional field (clear…), from the edge's or
// field's own description. The inputs of fields carry the field's comment
// already.
func describeMutationInputs(node *gen.Type, s *ast.Schema) error {
	derived := map[string]string{}
	for _, f := range node.Fields {
		name := gqlName(f.Name)
		derived["clear"+pascal(name)] = join(fmt.Sprintf("With true, sets `%s` to null.", name), f.Comment())
	}
	create := map[string]string{}
	for _, e := range node.Edges {
		name := gqlName(e.Name)
		doc := e.Comment()
		if e.Unique {
			create[name+"ID"] = join(fmt.Sprintf("The id of `%s`.", name), doc)
			derived[name+"ID"] = join(fmt.Sprintf("Sets `%s` to the object of this id.", name), doc)
			derived["clear"+pascal(name)] = join(fmt.Sprintf("With true, unsets `%s`.", name), doc)
			continue
		}
		create[lowerFirst(strings.TrimPrefix(e.MutationAdd(), "Add"))] = join(fmt.Sprintf("The ids of `%s`.", name), doc)
		derived[lowerFirst(e.MutationAdd())] = join(fmt.Sprintf("Adds the objects of these ids to `%s`.", name), doc)
		derived[lowerFirst(e.MutationRemove())] = join(fmt.Sprintf("Removes the objects of these ids from `%s`.", name), doc)
		derived["clear"+pascal(name)] = join(fmt.Sprintf("With true, removes every object from `%s`.", name), doc)
	}
	for _, in := range []struct {
		name, text string
		derived    map[string]string
	}{
		{"Create" + node.Name + "Input", fmt.Sprintf("The values of a new %s. A field left out takes its default, or stays null.", node.Name), create},
		{"Update" + node.Name + "Input", fmt.Sprintf("The changes to the %s: fields left out keep their value.", node.Name), derived},
	} {
		def := s.Types[in.name]
		if def == nil {
			continue
		}
		def.Description = in.text
		for _, f := range def.Fields {
			if f.Description != "" {
				continue
			}
			text, ok := in.derived[f.Name]
			if !ok {
				return fmt.Errorf("gqldoc: %s.%s: no field or edge of the ent schema describes this input", in.name, f.Name)
			}
			f.Description = text
		}
	}
	return nil
}

// NonNullPlumbing is the entgql schema hook that makes the connection
// plumbing of every Relay connection non-null: its edges (a list, empty when
// no object matches), each edge and its node. Access control never masks
// them: it decides the fields of the object types of the data model, and
// their rows are filtered in SQL before a connection is built, so an edge
// always has its node. A nested connection field, which the policy can mask
// as a whole, stays nullable on its object type (see nullableFields in
// ent/entc.go).
func NonNullPlumbing(_ *gen.Graph, s *ast.Schema) error {
	for name, def := range s.Types {
		node, ok := strings.CutSuffix(name, "Connection")
		if !ok || def.Kind != ast.Object || s.Types[node+"Edge"] == nil {
			continue
		}
		edges := def.Fields.ForName("edges")
		if edges == nil || edges.Type.Elem == nil {
			return fmt.Errorf("gqldoc: %s has no list of edges", name)
		}
		edges.Type.NonNull = true
		edges.Type.Elem.NonNull = true
		edges.Description = "The edges of this page, in order: empty when no object the viewer may see matches."
		if tc := def.Fields.ForName("totalCount"); tc != nil {
			tc.Description = "How many objects the viewer may see match, across all pages."
		}
		n := s.Types[node+"Edge"].Fields.ForName("node")
		if n == nil {
			return fmt.Errorf("gqldoc: %sEdge has no node", node)
		}
		n.Type.NonNull = true
		n.Description = "The object at the end of the edge: one the viewer may see (its fields may still be masked)."
	}
	return nil
}

// isBoilerplate reports whether a description is one entgql writes for
// lack of words ("IncidentStatus is enum for the field status", "reference
// field predicates").
func isBoilerplate(d string) bool {
	for _, b := range boilerplate {
		if strings.Contains(d, b) {
			return true
		}
	}
	return false
}

// boilerplate lists the phrases of entgql's generated descriptions that
// say nothing of the data; no served description may contain one.
var boilerplate = []string{" is enum for the field ", " field predicates", " edge predicates", " is used for ", "Input was generated by ent", "Properties by which ", "Ordering options for ", "Filtering options for "}

// join puts a generated sentence before the description it derives from.
func join(sentence, doc string) string {
	if doc == "" {
		return sentence
	}
	return sentence + " " + doc
}

// gqlName is the GraphQL name entgql gives an ent field or edge
// ("object_id" → "objectID"), with ent's own camel case.
var gqlName = gen.Funcs["camel"].(func(string) string)

func pascal(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
