package main

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/codegen"
)

// plainField is a field whose value the generated code may write without
// gqlgen's per-field path (see plainFields).
type plainField struct {
	typ, field string // GraphQL names
	goField    string // the Go struct field read: obj.<goField>
	marshal    string // the generated marshaller of its type
}

// plainFields is the gqlgen plugin that finds the plain fields of the
// schema: a field of an object type (not Query, Mutation or Subscription)
// that reads a Go struct field (no resolver, no method, no map, no
// "haser"), takes no argument, has no directive that runs (as gqlgen's
// template decides: @specifiedBy of a scalar does not) and no field
// middleware,
// and whose type is a scalar or an enum, not a list. Such a field does
// nothing per row that the Access extension would need to see: its value
// is obj.<Field>, it has no children (so no child field reads its
// FieldContext's Result) and no argument (so no filter, ordering or
// cursor is checked on it).
//
// For each, rewritePlainFields gives the generated field function a first
// branch that writes the value directly when the Access extension of the
// response says the field is served, unchanged and unaudited, on every row
// of the response (graph/generated.servesPlain); otherwise, and when no
// Access extension answers, the function goes on to gqlgen's path through
// the field interceptor as before.
type plainFields struct {
	found []plainField
}

// Name implements plugin.Plugin.
func (*plainFields) Name() string { return "plainFields" }

// GenerateCode implements plugin.CodeGenerator; it runs before the
// executable schema is written, and changes nothing of what is written.
func (p *plainFields) GenerateCode(data *codegen.Data) error {
	fieldDirectives := len(data.AllDirectives.LocationDirectives("FIELD")) > 0
	for _, o := range data.Objects {
		if o.Root || o.Stream || o.Kind != "OBJECT" {
			continue
		}
		for _, f := range o.Fields {
			ref := f.TypeReference
			if f.IsReserved() || f.IsResolver || !f.IsVariable() || f.HasHaser || f.IsBatch() ||
				len(f.Args) > 0 || f.HasDirectives() || fieldDirectives ||
				ref == nil || ref.Definition == nil || !ref.Definition.IsLeafType() || ref.GQL.Elem != nil {
				continue
			}
			p.found = append(p.found, plainField{
				typ: o.Name, field: f.Name, goField: f.GoFieldName, marshal: ref.MarshalFunc(),
			})
		}
	}
	if len(p.found) == 0 {
		return fmt.Errorf("no plain field found: has gqlgen changed how it binds fields?")
	}
	return nil
}

// fieldFunc matches one generated field function that resolves through
// resolveField (after ownResolveField): its header and its whole body.
var fieldFunc = regexp.MustCompile(`(?m)^func \(ec \*executionContext\) _(\w+)_(\w+)\(ctx context\.Context, field graphql\.CollectedField, obj ([^)]+)\) \(ret graphql\.Marshaler\) \{\n\treturn resolveField\(\n((?:\t\t.*\n|\t\t\t.*\n)*?)\t\)\n\}\n`)

// rewritePlainFields gives every plain field's function its direct branch
// and writes the list of plain fields (plainfields.go, next to file). It
// leaves out the fields whose marshaller reads its context or selection
// set (ctxFreeMarshaller), and checks each function left against what
// gqlgen generates for a struct field without middleware — the value
// read, no middleware chain, the marshaller of its type: a function that
// differs is an error, not a field left out, so that a gqlgen upgrade
// that changes it is noticed.
func (p *plainFields) rewritePlainFields(file string) error {
	src, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	// A marshaller that reads its context (a non-null String! adds an
	// error at the field's path should its value marshal to null) would
	// not write the same outside the field's context: its fields stay on
	// gqlgen's path.
	p.found = slices.DeleteFunc(p.found, func(f plainField) bool { return !ctxFreeMarshaller(src, f.marshal) })
	byName := map[string]int{}
	for i, f := range p.found {
		byName[f.typ+"."+f.field] = i
	}
	seen := make([]bool, len(p.found))
	var failed []string
	out := fieldFunc.ReplaceAllFunc(src, func(m []byte) []byte {
		g := fieldFunc.FindSubmatch(m)
		i, ok := byName[string(g[1])+"."+string(g[2])]
		if !ok {
			return m
		}
		f := &p.found[i]
		seen[i] = true
		body := string(g[4])
		want := []string{
			"\t\treturn obj." + f.goField + ", nil\n",
			"\t\tnil,\n\t\tfunc(ctx context.Context, selections ast.SelectionSet, v ",
			") graphql.Marshaler {\n\t\t\treturn ec." + f.marshal + "(ctx, selections, v)\n\t\t},\n",
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				failed = append(failed, fmt.Sprintf("%s.%s: no %q in its function", f.typ, f.field, w))
				return m
			}
		}
		head := m[:bytes.Index(m, []byte("\treturn resolveField(\n"))]
		branch := fmt.Sprintf("\tif servesPlain(ctx, %d) { // %s.%s: see servesPlain\n\t\treturn ec.%s(ctx, field.Selections, obj.%s)\n\t}\n",
			i, f.typ, f.field, f.marshal, f.goField)
		return slices.Concat(head, []byte(branch), m[len(head):])
	})
	for i, ok := range seen {
		if !ok {
			failed = append(failed, fmt.Sprintf("%s.%s: its function was not found", p.found[i].typ, p.found[i].field))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%s: plain fields: %s; has gqlgen changed how it resolves fields?", file, strings.Join(failed, "; "))
	}
	if err := os.WriteFile(file, out, 0o644); err != nil {
		return err
	}
	return p.writeList(filepath.Join(filepath.Dir(file), "plainfields.go"))
}

// ctxFreeMarshaller reports whether the generated marshaller name reads
// neither its context nor its selection set ("_ = ctx" aside): then it
// writes the same bytes whatever the context it is called in.
func ctxFreeMarshaller(src []byte, name string) bool {
	start := bytes.Index(src, []byte("func (ec *executionContext) "+name+"(ctx context.Context, sel ast.SelectionSet, v "))
	if start < 0 {
		return false
	}
	end := bytes.Index(src[start:], []byte("\n}\n"))
	if end < 0 {
		return false
	}
	body := src[start : start+end]
	body = body[bytes.IndexByte(body, '{')+1:]
	for _, allowed := range []string{"_ = ctx\n", "_ = sel\n"} {
		body = bytes.ReplaceAll(body, []byte(allowed), nil)
	}
	return !usesCtxOrSel.Match(body)
}

var usesCtxOrSel = regexp.MustCompile(`\b(ctx|sel)\b`)

// writeList writes the plain fields in the order of their indices.
func (p *plainFields) writeList(path string) error {
	var b bytes.Buffer
	b.WriteString("// Code generated by graph/gqlgen (plainFields), DO NOT EDIT.\n\npackage generated\n\n")
	b.WriteString("// plainFields are the fields whose functions have a direct branch (see\n// servesPlain), by the index that branch passes.\n")
	b.WriteString("var plainFields = [...]PlainField{\n")
	for _, f := range p.found {
		fmt.Fprintf(&b, "\t{Type: %q, Field: %q},\n", f.typ, f.field)
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		return err
	}
	return os.WriteFile(path, src, 0o644)
}
