package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/benkan-project/benkan/policy/store"
)

// policyVersions prints the last versions, newest first, with their lines.
func policyVersions(ctx context.Context, c *policyCall) error {
	fs := c.flags("[--last N] [flags]",
		"Prints the last applied change sets of the policy, newest first: who made\neach, when, why, and the lines it added (+) and removed (-).", true)
	last := fs.Int("last", 20, "how many versions, 0 to 1000")
	if err := c.parse(0, 0); err != nil {
		return err
	}
	s, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	vs, err := s.Versions(operator(ctx), *last)
	if err != nil {
		return err
	}
	for i := range vs {
		printVersion(c.stdout, &vs[i])
		fmt.Fprintf(c.stdout, "  at %s: %s\n", vs[i].At.UTC().Format(time.RFC3339), vs[i].Reason)
	}
	return nil
}

// policyDiff prints what changes from one version's policy to another's.
func policyDiff(ctx context.Context, c *policyCall) error {
	fs := c.flags("FROM TO [--impact] [flags]",
		"Prints the lines and roles added (+) and removed (-) from the policy version\nFROM produced to the one TO produced, and with --impact what going from one\nto the other changes of who sees what on today's data (see benkan policy impact).", true)
	withImpact := fs.Bool("impact", false, "also print the impact of going from FROM to TO")
	if err := c.parse(2, 2); err != nil {
		return err
	}
	from, err := versionArg(c.pos[0])
	if err != nil {
		return err
	}
	to, err := versionArg(c.pos[1])
	if err != nil {
		return err
	}
	s, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	d, err := s.Diff(operator(ctx), from, to)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "policy version %d to %d: %d added, %d removed\n", from, to, len(d.Added), len(d.Removed))
	for _, l := range d.Added {
		fmt.Fprintln(c.stdout, "  + "+l)
	}
	for _, l := range d.Removed {
		fmt.Fprintln(c.stdout, "  - "+l)
	}
	if !*withImpact {
		return nil
	}
	im, err := s.DiffImpact(operator(ctx), from, to)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout)
	printImpact(c.stdout, im)
	return nil
}

// policyRollback makes the stored policy a version's again, as a new version.
func policyRollback(ctx context.Context, c *policyCall) error {
	fs := c.flags("VERSION --reason R [flags]",
		"Makes the stored policy the one VERSION produced, as one change validated and\nrecorded like any other (its reason says which version it rolls back to).", true)
	reason := fs.String("reason", "", "why the policy is rolled back, kept with the version (required)")
	c.testsFlag(fs)
	if err := c.parse(1, 1); err != nil {
		return err
	}
	if err := requireReason(*reason); err != nil {
		return err
	}
	to, err := versionArg(c.pos[0])
	if err != nil {
		return err
	}
	return c.change(ctx, func(ctx context.Context, s *store.Store) (*store.Version, error) {
		return s.Rollback(ctx, to, *reason)
	})
}

// versionArg reads a version number of the command line.
func versionArg(arg string) (int, error) {
	n, err := strconv.Atoi(arg)
	if err != nil || n <= 0 {
		return 0, usageError{fmt.Sprintf("%q is not a version number (see benkan policy versions)", arg)}
	}
	return n, nil
}
