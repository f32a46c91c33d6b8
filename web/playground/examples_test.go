package playground_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/benkan-project/benkan/graph"
	"github.com/benkan-project/benkan/web/playground"
)

// servedSchema is the schema the server serves (what `benkan schema`
// prints and introspection shows).
func servedSchema(t *testing.T) *ast.Schema {
	t.Helper()
	var sdl bytes.Buffer
	if err := graph.WriteSDL(&sdl); err != nil {
		t.Fatal(err)
	}
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "served", Input: sdl.String()})
	if err != nil {
		t.Fatalf("the served schema does not load: %v", err)
	}
	return s
}

// TestExamplesAreValid parses and validates every example operation
// against the served schema, and coerces its variables as the server
// would: an example that a schema change breaks fails here.
func TestExamplesAreValid(t *testing.T) {
	schema := servedSchema(t)
	examples := playground.Examples()
	if len(examples) < 5 {
		t.Fatalf("%d examples, want the five use cases at least", len(examples))
	}
	var names []string
	for _, ex := range examples {
		t.Run(ex.Name, func(t *testing.T) {
			if !strings.HasPrefix(ex.Query, "# ") {
				t.Errorf("the example does not start with a comment saying what it shows")
			}
			doc, errs := gqlparser.LoadQuery(schema, ex.Query)
			if len(errs) > 0 {
				t.Fatalf("not valid against the served schema: %v", errs)
			}
			vars := map[string]any{}
			if ex.Variables != "" {
				if err := json.Unmarshal([]byte(ex.Variables), &vars); err != nil {
					t.Fatalf("variables: %v", err)
				}
			}
			declared := map[string]bool{}
			for _, op := range doc.Operations {
				if op.Name == "" {
					t.Errorf("an operation without a name: the tab's title and the run button need one")
				}
				if slices.Contains(names, op.Name) {
					t.Errorf("operation %s is in two examples", op.Name)
				}
				names = append(names, op.Name)
				mine := map[string]any{}
				for _, v := range op.VariableDefinitions {
					declared[v.Variable] = true
					if val, ok := vars[v.Variable]; ok {
						mine[v.Variable] = val
					}
				}
				if _, err := validator.VariableValues(schema, op, mine); err != nil {
					t.Errorf("operation %s: its variables do not coerce: %v", op.Name, err)
				}
			}
			for name := range vars {
				if !declared[name] {
					t.Errorf("variable %q is declared by no operation of the example", name)
				}
			}
		})
	}
}

// TestExampleFiles: every variables file belongs to an example, so that a
// renamed example does not leave its variables behind.
func TestExampleFiles(t *testing.T) {
	files, err := filepath.Glob("examples/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		base := filepath.Base(f)
		switch {
		case strings.HasSuffix(base, ".graphql"):
		case strings.HasSuffix(base, ".json"):
			if _, err := os.Stat(strings.TrimSuffix(f, ".json") + ".graphql"); err != nil {
				t.Errorf("%s belongs to no example", f)
			}
		default:
			t.Errorf("%s: the examples directory holds only NAME.graphql and NAME.json files", f)
		}
	}
}
