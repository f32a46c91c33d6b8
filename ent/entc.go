//go:build ignore

// This program generates the ent client and the GraphQL schema of benkan's
// data model (graph/ent.graphql) from the schemas in ent/schema. It runs from
// the repository root through `go generate ./...` (see generate.go).
package main

import (
	"fmt"
	"log"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent/gqldoc"
)

func main() {
	ex, err := entgql.NewExtension(
		entgql.WithConfigPath("./gqlgen.yml"),
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("./graph/ent.graphql"),
		entgql.WithWhereInputs(true),
		entgql.WithNodeDescriptor(true),
		entgql.WithSchemaHook(describeTypes, nullableFields, gqldoc.Describe, gqldoc.NonNullPlumbing),
	)
	if err != nil {
		log.Fatalf("create entgql extension: %v", err)
	}
	cfg := &gen.Config{
		Features: []gen.Feature{
			gen.FeaturePrivacy,
			gen.FeatureEntQL,
			gen.FeatureSnapshot,
			gen.FeatureNamedEdges,
		},
		Templates: append(entgql.AllTemplates,
			gen.MustParse(gen.NewTemplate("gid").ParseFiles("./ent/template/gid.tmpl")),
			gen.MustParse(gen.NewTemplate("loadfields").ParseFiles("./ent/template/loadfields.tmpl")),
			gen.MustParse(gen.NewTemplate("filterreads").Funcs(entgql.TemplateFuncs).ParseFiles("./ent/template/filterreads.tmpl")),
			gen.MustParse(gen.NewTemplate("edges").ParseFiles("./ent/template/edges.tmpl")),
			gen.MustParse(gen.NewTemplate("rules").ParseFiles("./ent/template/rules.tmpl")),
			gen.MustParse(gen.NewTemplate("rowcount").ParseFiles("./ent/template/rowcount.tmpl")),
			gen.MustParse(gen.NewTemplate("intx").ParseFiles("./ent/template/intx.tmpl")),
			gen.MustParse(gen.NewTemplate("input").Funcs(entgql.TemplateFuncs).ParseFiles("./ent/template/input.tmpl"))),
	}
	// paginate.tmpl and enum.tmpl override entgql's templates, so they
	// come after the extension's, with entgql's template functions.
	paginate := gen.MustParse(gen.NewTemplate("paginate").Funcs(entgql.TemplateFuncs).ParseFiles("./ent/template/paginate.tmpl"))
	enum := gen.MustParse(gen.NewTemplate("enum").Funcs(entgql.TemplateFuncs).ParseFiles("./ent/template/enum.tmpl"))
	afterEntgql := func(cfg *gen.Config) error {
		cfg.Templates = append(cfg.Templates, paginate, enum)
		return nil
	}
	if err := entc.Generate("./ent/schema", cfg, entc.Extensions(ex), afterEntgql); err != nil {
		log.Fatalf("run ent codegen: %v", err)
	}
}

// describeTypes copies each ent type's schema.Comment into the description of
// its GraphQL object type, so that the playground documents every type from
// the one place the data model is written down.
func describeTypes(g *gen.Graph, s *ast.Schema) error {
	for _, node := range g.Nodes {
		def, ok := s.Types[node.Name]
		if !ok {
			continue
		}
		comment, ok := node.Annotations["Comment"].(map[string]any)
		if !ok {
			return fmt.Errorf("ent type %s has no schema.Comment: every GraphQL type needs a description", node.Name)
		}
		text, _ := comment["Text"].(string)
		if text == "" {
			return fmt.Errorf("ent type %s has an empty schema.Comment", node.Name)
		}
		def.Description = text
		// Relay connection edges come without their ent comment.
		for _, e := range node.Edges {
			if f := def.Fields.ForName(benkan.GraphQLName(e.Name)); f != nil && f.Description == "" {
				f.Description = e.Comment()
			}
		}
	}
	if q := s.Types["Query"]; q != nil {
		q.Description = "What the viewer may read. Every list is a Relay connection of the objects the viewer may see: filter it with `where`, sort it with `orderBy`, page it with `first`/`after` or `last`/`before`; `totalCount` counts the objects the viewer may see."
		for _, f := range q.Fields {
			if f.Description == "" {
				f.Description = fmt.Sprintf("Lists %s objects the viewer may see.", f.Type.Name()[:len(f.Type.Name())-len("Connection")])
			}
		}
	}
	return nil
}

// nullableFields makes every field of every object type nullable but its
// id: a field the viewer may not read resolves to null (and is listed in the
// response's extensions), whatever the database requires of it.
func nullableFields(g *gen.Graph, s *ast.Schema) error {
	for _, node := range g.Nodes {
		def, ok := s.Types[node.Name]
		if !ok {
			continue
		}
		for _, f := range def.Fields {
			if f.Name != "id" {
				f.Type.NonNull = false
			}
		}
	}
	return nil
}
