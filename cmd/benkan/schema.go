package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/benkan-project/benkan/graph"
)

// schemaCmd is `benkan schema`: the SDL of the schema the server serves, to
// stdout or to --out (schema.graphql at the root, which go generate
// writes and a test compares with the introspection of a running server).
func schemaCmd(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlagSetEnv("schema", "[--out FILE]", "Prints the GraphQL schema the server serves, as SDL: what introspection of\n/graphql shows, for client tool chains (graphql-codegen, Apollo). It needs\nno database. The repository keeps a copy, schema.graphql, which\n'go generate ./...' writes.", stdout, noFlags)
	out := fs.String("out", "", "write the SDL to this file instead of stdout (left untouched when unchanged)")
	if err := parseEnv(fs, args, noFlags); err != nil {
		return err
	}
	var b bytes.Buffer
	if err := graph.WriteSDL(&b); err != nil {
		return err
	}
	if *out == "" {
		_, err := stdout.Write(b.Bytes())
		return err
	}
	if old, err := os.ReadFile(*out); err == nil && bytes.Equal(old, b.Bytes()) {
		return nil
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write schema: %w", err)
	}
	return nil
}
