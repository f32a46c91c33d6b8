package main

import (
	"context"
	"fmt"
	"os"

	"github.com/benkan-project/benkan/policy/store"
)

func policyExport(ctx context.Context, c *policyCall) error {
	c.flags("[FILE] [flags]", "Writes the stored policy's valid lines as Casbin CSV, with a \"# role\" comment\nper role, to FILE or to stdout: the file import reads. Problems (lines left\nout) are not written; 'benkan policy list --kind problems' shows them.", true)
	if err := c.parse(0, 1); err != nil {
		return err
	}
	p, done, err := c.load(ctx)
	if err != nil {
		return err
	}
	defer done()
	if len(c.pos) == 0 {
		_, err := fmt.Fprint(c.stdout, p.CSV())
		return err
	}
	if err := os.WriteFile(c.pos[0], []byte(p.CSV()), 0o644); err != nil {
		return fmt.Errorf("write the policy: %w", err)
	}
	fmt.Fprintf(c.stdout, "wrote revision %d to %s: %d roles, %d permissions, %d assignments, %d field groups\n",
		p.Revision, c.pos[0], len(p.Roles), len(p.Permissions), len(p.Assignments), len(p.FieldGroups))
	if len(p.Problems) > 0 {
		fmt.Fprintf(c.stderr, "benkan policy export: %d stored lines do not validate and were left out (benkan policy list --kind problems)\n", len(p.Problems))
	}
	return nil
}

func policyImport(ctx context.Context, c *policyCall) error {
	fs := c.flags("FILE --reason R [flags]", "Makes the stored policy the file's, as one change set: creates the file's\nroles that do not exist, adds its lines that are not stored and removes the\nstored lines it does not hold. A file with an invalid line is refused whole,\nnaming each line and why; nothing is written then.", true)
	reason := fs.String("reason", "", "why the policy changes, kept with the version (required)")
	c.testsFlag(fs)
	if err := c.parse(1, 1); err != nil {
		return err
	}
	if err := requireReason(*reason); err != nil {
		return err
	}
	f, err := readPolicyFile(c.pos[0])
	if err != nil {
		return err
	}
	return c.change(ctx, func(ctx context.Context, s *store.Store) (*store.Version, error) {
		return s.Import(ctx, f, *reason)
	})
}

func policyValidate(_ context.Context, c *policyCall) error {
	c.flags("FILE", "Checks a policy file without a database: every line against the schema, the\nscope vocabulary and the file's own roles and field groups. Whether the users\nand localities it names exist is checked by import. Exit status 0 when the\nfile is valid, 1 with its problems otherwise.", false)
	if err := c.parse(1, 1); err != nil {
		return err
	}
	f, err := readPolicyFile(c.pos[0])
	if err != nil {
		return err
	}
	problems := store.CheckFile(f)
	for _, p := range problems {
		fmt.Fprintf(c.stdout, "%s:%d: %s: %s\n", c.pos[0], p.Line, p.Text, p.Reason)
	}
	if len(problems) > 0 {
		fmt.Fprintf(c.stderr, "benkan policy validate: %s has %d invalid lines\n", c.pos[0], len(problems))
		return exitCode(1)
	}
	fmt.Fprintf(c.stdout, "%s: valid (%d roles)\n", c.pos[0], len(f.Roles))
	return nil
}

// readPolicyFile reads and parses a policy file.
func readPolicyFile(path string) (*store.File, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the policy file: %w", err)
	}
	f, err := store.ParseFile(string(text))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}
