package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
)

// impactOps are the changes policy impact takes as its first argument,
// written as the subcommands that apply them take them.
var impactOps = map[string]store.Op{"grant": store.Grant, "revoke": store.Revoke, "assign": store.Assign, "unassign": store.Unassign}

// policyImpact prints the impact of a change without applying it: one
// change written as grant, revoke, assign or unassign take it, the import
// of a policy file, or a rollback.
func policyImpact(ctx context.Context, c *policyCall) error {
	if len(c.args) > 0 {
		if op, ok := impactOps[c.args[0]]; ok {
			sub := &policyCall{name: c.name + " " + c.args[0], args: c.args[1:], stdout: c.stdout, stderr: c.stderr}
			return sub.report(sub.impactOfChange(ctx, op))
		}
	}
	fs := c.flags("(grant|revoke|assign|unassign ARGUMENTS | --import FILE | --rollback VERSION) [flags]",
		"Prints what a change would change of who sees what, without applying it:\n"+
			"for each role (in each domain it is held in) and user it touches, the rows\n"+
			"of each type that become visible (+) or hidden (-), counted in the database,\n"+
			"and the fields that become readable or masked; a field of an identifying or\n"+
			"sensitive group made readable is marked SENSITIVE. The change is one grant,\n"+
			"revoke, assign or unassign, written as those subcommands take it (without\n"+
			"--reason), the import of a policy file, or a rollback to a version.", true)
	importPath := fs.String("import", "", "the impact of importing this policy file (benkan policy import)")
	rollback := fs.Int("rollback", 0, "the impact of rolling back to this version (benkan policy rollback)")
	if err := c.parse(0, 0); err != nil {
		return err
	}
	if (*importPath == "") == (*rollback == 0) {
		return usageError{"say which change: grant, revoke, assign or unassign and its arguments, --import FILE or --rollback VERSION"}
	}
	var f *store.File
	if *importPath != "" {
		var err error
		if f, err = readPolicyFile(*importPath); err != nil {
			return err
		}
	}
	s, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	var im *store.Impact
	if f != nil {
		im, err = s.ImportImpact(operator(ctx), f)
	} else {
		im, err = s.RollbackImpact(operator(ctx), *rollback)
	}
	if err != nil {
		return err
	}
	printImpact(c.stdout, im)
	return nil
}

// impactOfChange reads one change of kind op and prints its impact.
func (c *policyCall) impactOfChange(ctx context.Context, op store.Op) error {
	ch, _, err := changeArgs(c, op, false)
	if err != nil {
		return err
	}
	s, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	im, err := s.Impact(operator(ctx), []store.Change{ch})
	if err != nil {
		return err
	}
	printImpact(c.stdout, im)
	return nil
}

// printImpact prints an impact: its lines, then one table per subject.
func printImpact(w io.Writer, im *store.Impact) {
	fmt.Fprintf(w, "impact: %d added, %d removed, %d subjects touched, %d count statements", len(im.Added), len(im.Removed), len(im.Subjects), im.Statements)
	if im.Revision != 0 {
		fmt.Fprintf(w, ", on policy revision %d", im.Revision)
	}
	fmt.Fprintln(w)
	for _, l := range im.Added {
		fmt.Fprintln(w, "  + "+l)
	}
	for _, l := range im.Removed {
		fmt.Fprintln(w, "  - "+l)
	}
	if im.Sensitive {
		fmt.Fprintln(w, "SENSITIVE: the change makes identifying or sensitive fields readable to a subject that could not read them")
	}
	for _, s := range im.Subjects {
		fmt.Fprintf(w, "\n%s", s)
		if s.Sensitive {
			fmt.Fprint(w, " (SENSITIVE)")
		}
		fmt.Fprintln(w)
		if len(s.Types) == 0 {
			fmt.Fprintln(w, "  no change")
			continue
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "  type\tbefore\tafter\t+\t-\t")
		for _, t := range s.Types {
			fmt.Fprintf(tw, "  %s\t%d\t%d\t+%d\t-%d\t\n", t.Type, t.Before, t.After, t.Gained, t.Lost)
		}
		tw.Flush()
		for _, t := range s.Types {
			for _, f := range t.Fields {
				verb := "narrowed" // read on fewer rows
				switch {
				case f.Readable():
					verb = "readable"
				case f.After == policy.FieldNone:
					verb = "masked"
				}
				mark := ""
				if f.Sensitive {
					mark = "  SENSITIVE"
				}
				fmt.Fprintf(w, "  %s.%s %s: %s -> %s%s\n", t.Type, f.Field, verb, f.Before, f.After, mark)
			}
		}
	}
}
