package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
)

// policyExplain prints why a user, or a role in a domain, may or may not
// do an action on an object (and a row): what the GraphQL explain query
// answers, from the same store.
func policyExplain(ctx context.Context, c *policyCall) error {
	fs := c.flags("(--user S | --role R [--domain D] [--organization O]) OBJECT ACTION [--id ID] [flags]",
		"Prints the decision on ACTION (read, create, update) of OBJECT (Incident,\nIncident.summary, Incident.*, Incident:shareable, Policy or *) for a user, or\nfor a user who would hold a role in a domain, with the assignments and\npermission lines that produce it; with --id, also each line's verdict on\nthat row and the scope atoms that refuse it.", true)
	subject := fs.String("user", "", "the token subject of the user to explain")
	role := fs.String("role", "", "a role to explain, for a user who does not exist yet")
	domain := fs.String("domain", "", `for --role, where it is held ("*" by default); for --user, the domain the decision is asked in (any by default)`)
	org := fs.String("organization", "", "for --role, the hypothetical user's organization id")
	id := fs.String("id", "", "a row of OBJECT's type to explain the decision on")
	if err := c.parse(2, 2); err != nil {
		return err
	}
	if (*subject == "") == (*role == "") {
		return usageError{"give --user or --role, and only one"}
	}
	q := policy.ExplainQuery{Subject: *subject, Role: *role, Domain: *domain, Object: c.pos[0], Action: c.pos[1]}
	for _, x := range []struct {
		arg  string
		into *gid.ID
	}{{*org, &q.Organization}, {*id, &q.ID}} {
		if x.arg == "" {
			continue
		}
		v := gid.ID(x.arg)
		if err := v.Validate(); err != nil {
			return usageError{fmt.Sprintf("%q is not an id: %v", x.arg, err)}
		}
		*x.into = v
	}
	s, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	x, err := s.Explain(operator(ctx), q)
	if err != nil {
		return err
	}
	printExplanation(c.stdout, x)
	return nil
}

// printExplanation prints x: the decision first, then why.
func printExplanation(w io.Writer, x *policy.Explanation) {
	where := "in any domain"
	if x.Domain != nil {
		where = "in " + *x.Domain
	}
	decision := "denied"
	if x.Allowed {
		decision = "allowed"
	}
	fmt.Fprintf(w, "%s: %s %s %s, %s\n", decision, x.Subject, x.Action, x.Object, where)
	fmt.Fprintln(w, "assignments:")
	if len(x.Assignments) == 0 {
		fmt.Fprintln(w, "  none: no role at all")
	}
	for _, a := range x.Assignments {
		fmt.Fprintf(w, "  %s in %s, through %s\n", a.Role, a.Domain, strings.Join(a.Lines, "; "))
	}
	if x.Allowed {
		fmt.Fprintln(w, "granted by:")
		for _, g := range x.Grants {
			fmt.Fprintf(w, "  %s  (covers: %s; held in %s)\n", g.Line, g.Covers, g.Domain)
			if g.Group != nil {
				fmt.Fprintf(w, "    %s\n", *g.Group)
			}
		}
	} else {
		fmt.Fprintf(w, "no line covers %s %s; the lines held for %s on the type:\n", x.Action, x.Object, x.Action)
		if len(x.Held) == 0 {
			fmt.Fprintln(w, "  none")
		}
		for _, g := range x.Held {
			fmt.Fprintf(w, "  %s  (held in %s)\n", g.Line, g.Domain)
		}
	}
	if r := x.Row; r != nil {
		rowDecision := "refused"
		if r.Allowed {
			rowDecision = "allowed"
		}
		visible := "hidden from"
		if r.Visible {
			visible = "visible to"
		}
		fmt.Fprintf(w, "row %s %s: %s; %s the user\n", r.Type, r.ID, rowDecision, visible)
		for _, g := range r.Grants {
			verdict := "admits it"
			if !g.Admitted {
				var why []string
				if len(g.RefusedBy) > 0 {
					why = append(why, "refused by "+strings.Join(g.RefusedBy, ", "))
				}
				if g.ParentRefused {
					why = append(why, "its parent is hidden from the role")
				}
				verdict = strings.Join(why, "; ")
			}
			fmt.Fprintf(w, "  %s  [%s]: %s\n", g.Line, g.Purpose, verdict)
		}
		for _, n := range r.Notes {
			fmt.Fprintln(w, "  note: "+n)
		}
	}
}
