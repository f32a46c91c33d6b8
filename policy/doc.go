// Package policy decides who may see and change what, from the Casbin policy
// (model.conf, and default.csv until an admin changes it).
//
// It is the decision side of the policy: the Engine puts in force the
// validated snapshots that package policy/store (the stored policy, its
// changes and their audit) hands it, and knows nothing of how they change.
//
// A request's Viewer holds the user's grants, as Casbin's role manager
// gives them (AssignmentsOf): the permission lines of each role the user
// holds in a domain (everywhere, or a locality and the localities below
// it), inherited roles included. Grants compile to SQL predicates that ent's privacy
// layer adds to every query (rows a viewer may not see are never loaded, so
// counts and pagination are right), and to per-row checks of the fields a
// grant covers. Casbin is never asked once per row.
//
// The predicates are written for the plans PostgreSQL makes of them at a
// million incidents (BENCHMARKS.md): an involvement or actor eager-loaded
// for rows the viewer already sees does not check those rows again (Loads,
// for viewers with one assignment), and the own_unit condition is checked
// per incident rather than joined from the unit.
//
// Mutations are checked so that no answer tells a row the viewer may not
// see from one that does not exist (MutationHook): every id a mutation
// names must be a row the viewer reads (references.go), unique values may
// be chosen only by viewers that see every row (unique.go), and who
// recorded a row is the viewer unless a grant names the field
// (collector.go). Which edges lead where, and which fields and indexes are
// unique, is read from the ent schema (ent/edges.go, generated).
//
// policy knows ent, and neither HTTP nor GraphQL.
package policy
