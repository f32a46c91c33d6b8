// Command gqlgen generates graph/generated from the GraphQL schema, as
// `gqlgen generate` does, with these changes, each checked against the code
// gqlgen writes (the command fails where the code it rewrites is missing):
//
//   - Resolved values are marshalled one after the other instead of one
//     goroutine per list element and per field with a resolver. benkan's
//     edges are loaded beforehand by ent (entgql's field collection), so
//     the fields' resolvers never wait on the database and concurrency buys
//     no latency. What it costs is measured (BENCHMARKS.md): a goroutine for
//     each of the ~400 objects of a feed page, their stacks grown and
//     copied, 15-25% of the server's CPU at a million incidents.
//   - No @defer group is built per object, since nothing is deferred
//     without concurrency (noDeferredGroups); objects are marshalled by
//     graph/generated's fieldSet (leanFieldSets) and fields resolved by its
//     resolveField (ownResolveField), which allocate less for the same
//     bytes (BENCHMARKS.md, session 7).
//   - Plain fields (a scalar or enum read from a struct field, without
//     arguments or middleware) are written directly, without a field
//     context and the field interceptor, where the Access extension has
//     decided for the whole response that the field is served unchanged
//     and unaudited (plainFields; graph/generated.servesPlain says why
//     that cannot serve a field Access would mask or audit).
//
// Run by go generate.
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
	plain := &plainFields{}
	if err := api.Generate(cfg, api.AddPlugin(sequential{}), api.AddPlugin(plain)); err != nil {
		return err
	}
	if err := marshalListsInOrder(cfg.Exec.Filename); err != nil {
		return err
	}
	if err := noDeferredGroups(cfg.Exec.Filename); err != nil {
		return err
	}
	if err := leanFieldSets(cfg.Exec.Filename); err != nil {
		return err
	}
	if err := ownResolveField(cfg.Exec.Filename); err != nil {
		return err
	}
	return plain.rewritePlainFields(cfg.Exec.Filename)
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

// noDeferredGroups makes the generated code stop building a
// graphql.DeferredGroup for every object it marshals. gqlgen's only use of
// the group is to hand it to FieldSet.ResolveConcurrently, which defers a
// field under @defer; with concurrency disabled (sequential) no field is
// resolved that way and the group stays empty, yet building it computes
// the object's whole path (graphql.GetPath) and allocates a field set and
// a map: 9% of the server's CPU on the feed (BENCHMARKS.md, session 7).
// The zero group has no deferred fields either, so the generated
// "len(deferred.Defers) > 0" stays false as before. The rewrite refuses a
// generated file that resolves any field concurrently, where the group
// would be used.
func noDeferredGroups(file string) error {
	src, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	for _, used := range []string{"ResolveConcurrently(", "ResolveRootConcurrently(", "&deferred"} {
		if bytes.Contains(src, []byte(used)) {
			return fmt.Errorf("%s: %s is generated, which uses the deferred group: keep it", file, used)
		}
	}
	const from, to = "deferred := graphql.NewDeferredGroup(ctx)\n", "var deferred graphql.DeferredGroup // see graph/gqlgen: never used, so never built\n"
	if !bytes.Contains(src, []byte(from)) {
		return fmt.Errorf("%s: no %q to replace; has gqlgen changed how it marshals objects?", file, from)
	}
	return os.WriteFile(file, bytes.ReplaceAll(src, []byte(from), []byte(to)), 0o644)
}

// leanFieldSets makes the generated code marshal objects with
// graph/generated's fieldSet instead of graphql.FieldSet: the same JSON
// without a map and a heap copy of each field per object (see fieldSet).
// fieldSet has no delayed fields, so the rewrite runs after
// noDeferredGroups, which refuses code that resolves fields concurrently;
// and the generated code may use no more of graphql.FieldSet than fieldSet
// has (Values, Invalids, Dispatch), which the build checks.
func leanFieldSets(file string) error {
	src, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	const from, to = "out := graphql.NewFieldSet(fields)\n", "out := newFieldSet(fields)\n"
	if !bytes.Contains(src, []byte(from)) {
		return fmt.Errorf("%s: no %q to replace; has gqlgen changed how it marshals objects?", file, from)
	}
	src = bytes.ReplaceAll(src, []byte(from), []byte(to))
	if bytes.Contains(src, []byte("graphql.NewFieldSet(")) {
		return fmt.Errorf("%s: a graphql.NewFieldSet left that is not an object's: has gqlgen changed how it marshals objects?", file)
	}
	return os.WriteFile(file, src, 0o644)
}

// ownResolveField makes the generated code resolve fields with
// graph/generated's resolveField, gqlgen's graphql.ResolveField without a
// second boxing of each value (see resolveField). Both take the same
// arguments, which the build checks.
func ownResolveField(file string) error {
	src, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	const from, to = "return graphql.ResolveField(\n", "return resolveField(\n"
	if !bytes.Contains(src, []byte(from)) {
		return fmt.Errorf("%s: no %q to replace; has gqlgen changed how it resolves fields?", file, from)
	}
	return os.WriteFile(file, bytes.ReplaceAll(src, []byte(from), []byte(to)), 0o644)
}
