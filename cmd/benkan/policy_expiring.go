package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/benkan-project/benkan/policy/store"
)

// policyExpiring lists the assignments that expire soon, so that an admin
// renews an agreement before access ends by itself.
func policyExpiring(ctx context.Context, c *policyCall) error {
	fs := c.flags("[--within D] [flags]",
		"Prints the assignments in force that expire within D of now (720h, 30 days, by\ndefault), soonest first. Past its expiry an assignment holds no more and benkan\nremoves it as a change of its own.", true)
	within := fs.Duration("within", 720*time.Hour, "how far ahead to look, as a Go duration (72h, 90m)")
	if err := c.parse(0, 0); err != nil {
		return err
	}
	if *within < 0 {
		return usageError{fmt.Sprintf("--within %s: look ahead, not back", *within)}
	}
	p, done, err := c.load(ctx)
	if err != nil {
		return err
	}
	defer done()
	as, err := p.ExpiringWithin(*within)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "%d assignments expire within %s\n", len(as), *within)
	if len(as) > 0 {
		fmt.Fprintln(w, "  EXPIRES\tSUBJECT\tROLE\tDOMAIN")
	}
	for _, a := range as {
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\n", expiryText(a), a.Subject, a.Role, a.Domain)
	}
	return w.Flush()
}

// expiryText is how list and expiring print an assignment's expiry.
func expiryText(a store.Assignment) string {
	if a.Expires.IsZero() {
		return "never"
	}
	return a.Expires.UTC().Format(time.RFC3339)
}
