// Package benkan is a GraphQL API platform through which the partners of a
// human-rights monitoring project share data, each seeing only what it may.
//
// The packages are: ent (data model and generated client), graph (GraphQL
// schema and resolvers), policy (access decisions), policy/store (the
// stored policy and its changes), aggregate (counts for dashboards, under
// disclosure control), storage (databases), server (HTTP), demo
// (demo data) and cmd/benkan (the command).
package benkan

//go:generate go run -mod=mod ./ent/entc.go
//go:generate go run -mod=mod ./graph/gqlgen
// schema.graphql, the served schema as SDL, from the code just generated
// (without -mod=mod, which would rewrite go.mod's indirect markers).
//go:generate go run ./cmd/benkan schema --out schema.graphql
