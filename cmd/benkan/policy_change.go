package main

import (
	"context"
	"fmt"
	"time"

	"github.com/benkan-project/benkan/policy/store"
)

// policyChange returns the subcommand that applies one change of kind op
// (grant, revoke, assign, unassign) with store.Apply.
func policyChange(op store.Op) func(ctx context.Context, c *policyCall) error {
	return func(ctx context.Context, c *policyCall) error {
		ch, reason, err := parseChange(c, op)
		if err != nil {
			return err
		}
		return c.change(ctx, func(ctx context.Context, s *store.Store) (*store.Version, error) {
			return s.Apply(ctx, []store.Change{ch}, reason)
		})
	}
}

// parseChange reads the flags and arguments of one change of kind op, and
// its reason: for policyChange and `benkan policy propose`.
func parseChange(c *policyCall, op store.Op) (store.Change, string, error) {
	perm := op == store.Grant || op == store.Revoke
	synopsis, summary := "SUBJECT ROLE [--domain D] --reason R [flags]", ""
	switch op {
	case store.Grant:
		synopsis, summary = "ROLE OBJECT ACTION [--domain D] [--scope S] --reason R [flags]",
			"Grants ROLE the permission to do ACTION (read, create, update) on OBJECT\n(a type, Type.field, Type.*, a field group Type:group, or *), in domain D\n(* or a locality id), for the rows scope S covers."
	case store.Revoke:
		synopsis, summary = "ROLE OBJECT ACTION [--domain D] [--scope S] --reason R [flags]",
			"Revokes a permission, written as it was granted."
	case store.Assign:
		synopsis = "SUBJECT ROLE [--domain D] [--expires T] --reason R [flags]"
		summary = "Gives the user SUBJECT (its token subject), or a role, the role ROLE in\ndomain D (* or a locality id), until T if --expires is given."
	case store.Unassign:
		summary = "Takes back an assignment. The last user who may change the policy keeps it."
	}
	fs := c.flags(synopsis, summary, true)
	domain := fs.String("domain", "*", "where the line holds: * (everywhere) or the id of a locality")
	var expires *string
	if op == store.Assign {
		expires = fs.String("expires", "", "when the assignment lapses, as RFC 3339 (2027-06-30T00:00:00Z); never by default")
	}
	scope := ""
	if perm {
		fs.StringVar(&scope, "scope", "all", "the rows the permission covers: all, or scope atoms joined by & (own_localities&verified)")
	}
	reason := fs.String("reason", "", "why the policy changes, kept with the version (required)")
	c.testsFlag(fs)
	n := 2
	if perm {
		n = 3
	}
	if err := c.parse(n, n); err != nil {
		return store.Change{}, "", err
	}
	if err := requireReason(*reason); err != nil {
		return store.Change{}, "", err
	}
	ch := store.Change{Op: op}
	if perm {
		ch.Permission = store.Permission{Role: c.pos[0], Domain: *domain, Object: c.pos[1], Action: c.pos[2], Scope: scope}
	} else {
		ch.Assignment = store.Assignment{Subject: c.pos[0], Role: c.pos[1], Domain: *domain}
	}
	if expires != nil && *expires != "" {
		t, err := time.Parse(time.RFC3339, *expires)
		if err != nil {
			return store.Change{}, "", usageError{fmt.Sprintf("--expires %q: write an RFC 3339 time, as 2027-06-30T00:00:00Z", *expires)}
		}
		ch.Assignment.Expires = t
	}
	return ch, *reason, nil
}
