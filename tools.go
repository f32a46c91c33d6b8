//go:build tools

// This file pins the code generators that `go generate ./...` runs, so that
// their versions are recorded in go.mod like any other dependency.
package benkan

import (
	_ "entgo.io/contrib/entgql"
	_ "entgo.io/ent/cmd/ent"
	_ "github.com/99designs/gqlgen"
)
