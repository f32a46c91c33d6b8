// Command gqlgen generates graph/generated from the GraphQL schema, as
// `gqlgen generate` does, with one change: resolved values are marshalled
// one after the other instead of one goroutine per list element and per
// field with a resolver.
//
// benkan's edges are loaded beforehand by ent (entgql's field collection),
// so the fields' resolvers never wait on the database and concurrency buys
// no latency. What it costs is measured (BENCHMARKS.md): a goroutine for
// each of the ~400 objects of a feed page, their stacks grown and copied,
// 15-25% of the server's CPU at a million incidents. Run by go generate.
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
)

func main() {
	if err := generate("gqlgen.yml"); err != nil {
		log.Fatalf("gqlgen: %v", err)
	}
}

func generate(configFile string) error {
	cfg, err := config.LoadConfig(configFile)
	if err != nil {
		return fmt.Errorf("load %s: %w", configFile, err)
	}
	if err := api.Generate(cfg, api.AddPlugin(sequential{})); err != nil {
		return err
	}
	return marshalListsInOrder(cfg.Exec.Filename)
}

// sequential is the gqlgen plugin that resolves the fields of every object
// in order.
type sequential struct{}

// Name implements plugin.Plugin.
func (sequential) Name() string { return "sequential" }

// GenerateCode implements plugin.CodeGenerator; it runs before the
// executable schema is written.
func (sequential) GenerateCode(data *codegen.Data) error {
	for _, o := range data.Objects {
		o.DisableConcurrency = true
	}
	return nil
}

// marshalListsInOrder makes the generated code marshal lists with
// graph/generated's marshalSlice, which gqlgen offers no option for.
func marshalListsInOrder(file string) error {
	src, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	const from, to = "graphql.MarshalSliceConcurrently(", "marshalSlice("
	if !bytes.Contains(src, []byte(from)) {
		return fmt.Errorf("%s: no %s to replace; has gqlgen changed how it marshals lists?", file, from)
	}
	return os.WriteFile(file, bytes.ReplaceAll(src, []byte(from), []byte(to)), 0o644)
}
