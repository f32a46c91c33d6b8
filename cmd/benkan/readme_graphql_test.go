package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/benkan-project/benkan/graph"
)

// graphqlBlock is a ```graphql block of the README and the line it starts on.
type graphqlBlock struct {
	line int
	text string
}

// readmeGraphQL returns the ```graphql blocks of readme.
func readmeGraphQL(readme string) []graphqlBlock {
	lines := strings.Split(readme, "\n")
	var blocks []graphqlBlock
	for i := 0; i < len(lines); i++ {
		if lines[i] != "```graphql" {
			continue
		}
		b := graphqlBlock{line: i + 2}
		var body []string
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			body = append(body, lines[i])
		}
		b.text = strings.Join(body, "\n")
		blocks = append(blocks, b)
	}
	return blocks
}

// TestREADMEOperationsValidate checks every operation of the README's
// ```graphql blocks against the schema the server serves, with gqlparser's
// validation (the server's own): a newcomer pastes them into the
// playground or a dashboard, and a renamed field or argument must not
// leave them broken. A block may list several operations (anonymous ones
// included): each is validated on its own, with the block's fragments.
func TestREADMEOperationsValidate(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var sdl bytes.Buffer
	if err := graph.WriteSDL(&sdl); err != nil {
		t.Fatal(err)
	}
	schema, gerr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: sdl.String()})
	if gerr != nil {
		t.Fatalf("the served SDL does not load: %v", gerr)
	}
	blocks := readmeGraphQL(string(raw))
	if len(blocks) < 5 {
		t.Fatalf("only %d ```graphql blocks in the README", len(blocks))
	}
	ops := 0
	for _, b := range blocks {
		doc, err := parser.ParseQuery(&ast.Source{Name: "README.md", Input: b.text})
		if err != nil {
			t.Errorf("README.md:%d: the block does not parse: %v", b.line, err)
			continue
		}
		if len(doc.Operations) == 0 {
			t.Errorf("README.md:%d: a ```graphql block with no operation", b.line)
		}
		for _, op := range doc.Operations {
			ops++
			one := &ast.QueryDocument{Operations: ast.OperationList{op}, Fragments: doc.Fragments}
			for _, e := range validator.ValidateWithRules(schema, one, nil) {
				line := b.line
				if op.Position != nil {
					line += op.Position.Line - 1
				}
				t.Errorf("README.md:%d: %s", line, e.Message)
			}
		}
	}
	t.Logf("%d operations in %d blocks checked", ops, len(blocks))
}
