package playground

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
)

// The example operations the playground opens, one tab each, in the order
// of their file names: examples/NN-name.graphql, with the tab's variables
// in examples/NN-name.json when it has any. A test parses and validates
// every one against the served schema, and another runs each against
// serve --demo (the dashboard's aggregates are 60-dashboard-aggregates).
//
//go:embed examples/*.graphql examples/*.json
var exampleFiles embed.FS

// Example is one example tab: a commented GraphQL document and the JSON
// variables it runs with.
type Example struct {
	// Name is the file name without its extension, e.g. "10-incident-feed".
	Name string `json:"name"`
	// Query is the document, its comment included.
	Query string `json:"query"`
	// Variables is a JSON object, or "" when the operations take none.
	Variables string `json:"variables,omitempty"`
}

// Examples returns the example tabs, in order.
func Examples() []Example {
	out := make([]Example, len(examples))
	copy(out, examples)
	return out
}

// examples are read once, at start: the files are part of the binary.
var examples = loadExamples()

func loadExamples() []Example {
	entries, err := exampleFiles.ReadDir("examples")
	if err != nil {
		panic("playground: examples: " + err.Error())
	}
	var out []Example
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".graphql")
		if !ok {
			continue
		}
		q, err := exampleFiles.ReadFile(path.Join("examples", e.Name()))
		if err != nil {
			panic(fmt.Sprintf("playground: example %s: %v", name, err))
		}
		ex := Example{Name: name, Query: string(q)}
		if v, err := exampleFiles.ReadFile(path.Join("examples", name+".json")); err == nil {
			var obj map[string]any
			if err := json.Unmarshal(v, &obj); err != nil {
				panic(fmt.Sprintf("playground: example %s: variables are not a JSON object: %v", name, err))
			}
			ex.Variables = string(v)
		}
		out = append(out, ex)
	}
	slices.SortFunc(out, func(a, b Example) int { return strings.Compare(a.Name, b.Name) })
	return out
}
