// Package store keeps benkan's access policy: the stored lines (table
// policy_rules) and roles, their validation, the changes admins make and
// the versions and audit events that record them, and the notice every
// replica gets of a change.
//
// It is the only writer of the policy. The GraphQL admin API and the
// `benkan policy` command call it; the decision side (package policy)
// receives validated snapshots from it and knows nothing of how they
// change.
//
// Who may call what: reading the policy needs a viewer that may read it
// (policy.Viewer.MayPolicy(read): admin and amdh_coordinator by default),
// changing it a viewer that may update it (admin), or an operator context
// (AsOperator), which only the command line and benkan's own start-up
// use. Anything else is FORBIDDEN.
//
// A stored line that does not validate, however it got into the table,
// is left out of the policy in force (the model only allows, so leaving a
// line out can only take access away), logged on every load, and listed
// for admins to fix. It never stops the rest of the policy from holding.
//
// In four-eyes mode (Options.Approval) changes are applied only by the
// approval of a proposal by another admin (Propose, Approve, Reject); the
// proposals (table policy_proposals) are written here too. See approval.go.
package store
