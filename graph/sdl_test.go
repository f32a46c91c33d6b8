package graph_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/introspection"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/graph"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// committedSDL is the SDL kept in the repository for client tool chains.
const committedSDL = "../schema.graphql"

// TestCommittedSDLIsServed: schema.graphql, what `benkan schema` prints
// (go generate ./... writes it), is the schema a running server shows by
// introspection over HTTP, type by type, field by field, descriptions,
// defaults and deprecations included. When it fails, run go generate ./...
func TestCommittedSDLIsServed(t *testing.T) {
	committed, err := os.ReadFile(committedSDL)
	if err != nil {
		t.Fatalf("read the committed SDL (go generate ./... writes it): %v", err)
	}
	var printed bytes.Buffer
	if err := graph.WriteSDL(&printed); err != nil {
		t.Fatal(err)
	}
	if d := firstDiff(printed.String(), string(committed)); d != "" {
		t.Errorf("%s is not what benkan schema prints (run go generate ./...): %s", committedSDL, d)
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		var data struct {
			Schema introSchema `json:"__schema"`
		}
		srv.Query(t, introspection.NewQuery(introspection.QueryOptions{OneOf: true}), nil).OK(t, &data)
		if len(data.Schema.Types) < 50 {
			t.Fatalf("introspection gave %d types", len(data.Schema.Types))
		}
		served := graph.SDLHeader + graph.FormatSDL(data.Schema.ast(t))
		if d := firstDiff(served, string(committed)); d != "" {
			t.Errorf("the served schema differs from %s (run go generate ./...): %s", committedSDL, d)
		}
	})
}

// firstDiff describes the first line where got and want differ, "" if
// they are equal.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl || i >= len(g) || i >= len(w) {
			return "line " + itoa(i+1) + ":\n  served/printed: " + gl + "\n  committed:      " + wl
		}
	}
	return ""
}

func itoa(i int) string {
	var b []byte
	for ; i > 0 || len(b) == 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// The introspection answer, as gqlgen's full introspection query asks it.
type (
	introSchema struct {
		QueryType        *struct{ Name string }
		MutationType     *struct{ Name string }
		SubscriptionType *struct{ Name string }
		Types            []introType
		Directives       []struct {
			Name         string
			Description  *string
			IsRepeatable bool
			Locations    []string
			Args         []introInput
		}
	}
	introType struct {
		Kind, Name     string
		Description    *string
		SpecifiedByURL *string
		IsOneOf        bool
		Fields         []struct {
			Name              string
			Description       *string
			Args              []introInput
			Type              typeRef
			IsDeprecated      bool
			DeprecationReason *string
		}
		InputFields []introInput
		Interfaces  []typeRef
		EnumValues  []struct {
			Name              string
			Description       *string
			IsDeprecated      bool
			DeprecationReason *string
		}
		PossibleTypes []typeRef
	}
	introInput struct {
		Name              string
		Description       *string
		Type              typeRef
		DefaultValue      *string
		IsDeprecated      bool
		DeprecationReason *string
	}
	typeRef struct {
		Kind   string
		Name   *string
		OfType *typeRef
	}
)

// ast rebuilds, from introspection alone, the schema it describes, with
// the directives introspection reports written as directives.
func (s introSchema) ast(t *testing.T) *ast.Schema {
	out := &ast.Schema{Types: map[string]*ast.Definition{}, Directives: map[string]*ast.DirectiveDefinition{}}
	for _, it := range s.Types {
		if graph.IsPrelude(it.Name) || strings.HasPrefix(it.Name, "__") {
			continue
		}
		d := &ast.Definition{Kind: ast.DefinitionKind(it.Kind), Name: it.Name, Description: str(it.Description)}
		if it.SpecifiedByURL != nil {
			d.Directives = append(d.Directives, &ast.Directive{Name: "specifiedBy", Arguments: ast.ArgumentList{{Name: "url", Value: &ast.Value{Kind: ast.StringValue, Raw: *it.SpecifiedByURL}}}})
		}
		if it.IsOneOf {
			d.Directives = append(d.Directives, &ast.Directive{Name: "oneOf"})
		}
		for _, f := range it.Fields {
			d.Fields = append(d.Fields, &ast.FieldDefinition{Name: f.Name, Description: str(f.Description), Arguments: args(f.Args), Type: f.Type.ast(t), Directives: deprecated(f.IsDeprecated, f.DeprecationReason)})
		}
		for _, a := range args(it.InputFields) {
			d.Fields = append(d.Fields, &ast.FieldDefinition{Name: a.Name, Description: a.Description, Type: a.Type, DefaultValue: a.DefaultValue, Directives: a.Directives})
		}
		for _, i := range it.Interfaces {
			d.Interfaces = append(d.Interfaces, str(i.Name))
		}
		if it.Kind == string(ast.Union) {
			for _, p := range it.PossibleTypes {
				d.Types = append(d.Types, str(p.Name))
			}
		}
		for _, v := range it.EnumValues {
			d.EnumValues = append(d.EnumValues, &ast.EnumValueDefinition{Name: v.Name, Description: str(v.Description), Directives: deprecated(v.IsDeprecated, v.DeprecationReason)})
		}
		out.Types[it.Name] = d
	}
	for _, dir := range s.Directives {
		if graph.IsPrelude(dir.Name) {
			continue
		}
		d := &ast.DirectiveDefinition{Name: dir.Name, Description: str(dir.Description), IsRepeatable: dir.IsRepeatable, Arguments: args(dir.Args)}
		for _, l := range dir.Locations {
			d.Locations = append(d.Locations, ast.DirectiveLocation(l))
		}
		out.Directives[dir.Name] = d
	}
	root := func(r *struct{ Name string }) *ast.Definition {
		if r == nil {
			return nil
		}
		if out.Types[r.Name] == nil {
			t.Fatalf("root type %s is not among the types", r.Name)
		}
		return out.Types[r.Name]
	}
	out.Query, out.Mutation, out.Subscription = root(s.QueryType), root(s.MutationType), root(s.SubscriptionType)
	return out
}

// args rebuilds arguments or input fields; a default value is kept as the
// GraphQL literal introspection gives.
func args(in []introInput) ast.ArgumentDefinitionList {
	var out ast.ArgumentDefinitionList
	for _, a := range in {
		d := &ast.ArgumentDefinition{Name: a.Name, Description: str(a.Description), Type: a.Type.astOrNil(), Directives: deprecated(a.IsDeprecated, a.DeprecationReason)}
		if a.DefaultValue != nil {
			d.DefaultValue = &ast.Value{Kind: ast.EnumValue, Raw: *a.DefaultValue} // printed as is
		}
		out = append(out, d)
	}
	return out
}

func deprecated(is bool, reason *string) ast.DirectiveList {
	if !is {
		return nil
	}
	return ast.DirectiveList{graph.Deprecated(str(reason))}
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (r typeRef) ast(t *testing.T) *ast.Type {
	typ := r.astOrNil()
	if typ == nil {
		t.Fatalf("type reference %+v", r)
	}
	return typ
}

func (r typeRef) astOrNil() *ast.Type {
	switch {
	case r.Kind == "NON_NULL" && r.OfType != nil:
		inner := r.OfType.astOrNil()
		if inner != nil {
			inner.NonNull = true
		}
		return inner
	case r.Kind == "LIST" && r.OfType != nil:
		inner := r.OfType.astOrNil()
		if inner == nil {
			return nil
		}
		return &ast.Type{Elem: inner}
	case r.Name != nil:
		return ast.NamedType(*r.Name, nil)
	}
	return nil
}
