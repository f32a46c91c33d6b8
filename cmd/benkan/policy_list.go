package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/benkan-project/benkan/policy/store"
)

// listKinds are the sections list prints, in order.
var listKinds = []string{"roles", "p", "g", "g2", "problems"}

func policyList(ctx context.Context, c *policyCall) error {
	fs := c.flags("[--role R] [--subject S] [--kind K] [flags]",
		"Prints the stored policy: roles, permissions (p), assignments (g), field groups\n(g2), and the stored lines left out of the policy in force because they do not\nvalidate (problems), with their rule id and the reason.", true)
	role := fs.String("role", "", "only what names this role: the role, its permissions, its assignments")
	subject := fs.String("subject", "", "only the assignments of this subject (a user, or a role)")
	kind := fs.String("kind", "", "only one section: roles, p, g, g2 or problems")
	if err := c.parse(0, 0); err != nil {
		return err
	}
	if *kind != "" && !slices.Contains(listKinds, *kind) {
		return usageError{fmt.Sprintf("--kind %q: write roles, p, g, g2 or problems", *kind)}
	}
	p, done, err := c.load(ctx)
	if err != nil {
		return err
	}
	defer done()
	show := func(k string) bool {
		switch {
		case *kind != "":
			return k == *kind
		case *subject != "":
			return k == "g"
		}
		return true
	}
	printList(c.stdout, p, show, listFilter{role: *role, subject: *subject})
	return nil
}

// listFilter narrows list to the lines that name a role or a subject.
type listFilter struct{ role, subject string }

func (f listFilter) keep(role, subject string) bool {
	return (f.role == "" || role == f.role || subject == f.role) && (f.subject == "" || subject == f.subject)
}

// printList writes the sections of p that show selects, as aligned columns.
func printList(out io.Writer, p *store.Policy, show func(string) bool, f listFilter) {
	fmt.Fprintf(out, "access policy, revision %d\n", p.Revision)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	section := func(title string, n int, header string) {
		w.Flush()
		fmt.Fprintf(out, "\n%s (%d)\n", title, n)
		if n == 0 {
			fmt.Fprintln(out, "  none")
		} else if header != "" {
			fmt.Fprintln(w, header)
		}
	}
	if show("roles") {
		var rows []store.Role
		for _, r := range p.Roles {
			if f.role == "" || r.Name == f.role {
				rows = append(rows, r)
			}
		}
		section("Roles", len(rows), "")
		for _, r := range rows {
			fmt.Fprintf(w, "  %s\t%s\n", r.Name, r.Description)
		}
	}
	if show("p") && f.subject == "" {
		var rows []store.Permission
		for _, x := range p.Permissions {
			if f.keep(x.Role, "") {
				rows = append(rows, x)
			}
		}
		section("Permissions (p)", len(rows), "  ROLE\tDOMAIN\tOBJECT\tACTION\tSCOPE")
		for _, x := range rows {
			fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\n", x.Role, x.Domain, x.Object, x.Action, x.Scope)
		}
	}
	if show("g") {
		var rows []store.Assignment
		for _, x := range p.Assignments {
			if f.keep(x.Role, x.Subject) {
				rows = append(rows, x)
			}
		}
		section("Assignments (g)", len(rows), "  SUBJECT\tROLE\tDOMAIN\tEXPIRES")
		for _, x := range rows {
			fmt.Fprintf(w, "  %s\t%s\t%s\t%s\n", x.Subject, x.Role, x.Domain, expiryText(x))
		}
	}
	if show("g2") && f.role == "" && f.subject == "" {
		section("Field groups (g2)", len(p.FieldGroups), "  GROUP\tFIELD")
		for _, x := range p.FieldGroups {
			fmt.Fprintf(w, "  %s\t%s\n", x.Group, x.Field)
		}
	}
	if show("problems") {
		var rows []store.Problem
		for _, x := range p.Problems {
			if names(x.Line, f.role) && names(x.Line, f.subject) {
				rows = append(rows, x)
			}
		}
		section("Problems: stored lines left out of the policy in force", len(rows), "  RULE\tLINE\tREASON")
		for _, x := range rows {
			fmt.Fprintf(w, "  %d\t%s\t%s\n", x.RuleID, x.Line, x.Reason)
		}
	}
	w.Flush()
}

// names reports whether a stored line has the value v ("" matches any).
func names(line, v string) bool {
	if v == "" {
		return true
	}
	for _, x := range strings.Split(line, ",") {
		if strings.TrimSpace(x) == v {
			return true
		}
	}
	return false
}
