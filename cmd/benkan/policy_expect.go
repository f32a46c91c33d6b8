package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
)

// policyTestsFlag is the flag that names a policy tests file: serve and
// the subcommands that change the policy refuse a change that breaks one
// of its expectations, so that the command line cannot bypass them.
const policyTestsFlag = "policy-tests"

const policyTestsUsage = "policy tests file (see policy/expectations.csv): a change that breaks one of its expectations is refused"

// policyApprovalFlag is four-eyes mode's flag: serve and the subcommands
// that change the policy then refuse every direct change; only an approved
// proposal changes the policy (see policy/store/approval.go).
const policyApprovalFlag = "policy-approval"

const policyApprovalUsage = "turn four-eyes mode on in the database, for every server and command line (off only by an approved proposal): a change of the access policy is applied only when an admin other than its proposer approves it (benkan policy propose, approve); direct changes are refused"

// testsFlag registers the flags of a subcommand that changes the policy:
// --policy-tests, whose file open reads, and --policy-approval.
func (c *policyCall) testsFlag(fs *flag.FlagSet) {
	c.testsPath = fs.String(policyTestsFlag, "", policyTestsUsage)
	c.approval = fs.Bool(policyApprovalFlag, false, policyApprovalUsage)
}

// expectations reads the file of --policy-tests, or returns nil when the
// subcommand has none or it is empty.
func (c *policyCall) expectations() (*store.Expectations, error) {
	if c.testsPath == nil || *c.testsPath == "" {
		return nil, nil
	}
	return readExpectations(*c.testsPath)
}

// readExpectations reads and parses a policy tests file.
func readExpectations(path string) (*store.Expectations, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the policy tests: %w", err)
	}
	return store.ParseExpectations(path, string(text))
}

func policyTest(ctx context.Context, c *policyCall) error {
	fs := c.flags("FILE [--policy POLICYFILE] [flags]", "Checks the expectations of the policy tests FILE (one a line: SUBJECT, DOMAIN,\nOBJECT, ACTION, allow|deny[, ROW]; see policy/expectations.csv and\ndemo/expectations.csv) against the stored policy, or with --policy against a\npolicy file. A line with a ROW (Incident NIO-2022-0001, or a row's id) is\ndecided on that row of the database; with --policy, the database is opened\nonly when the file has such lines. Prints each expectation the policy does\nnot meet as FILE:LINE. Exit status 0 when all hold, 1 otherwise.", true)
	policyFile := fs.String("policy", "", "a policy file (Casbin CSV, as export writes it) to check instead of the stored policy")
	if err := c.parse(1, 1); err != nil {
		return err
	}
	e, err := readExpectations(c.pos[0])
	if err != nil {
		return err
	}
	var failures []store.Failure
	what := ""
	if *policyFile != "" {
		if failures, err = c.testFile(ctx, *policyFile, e); err != nil {
			return err
		}
		what = *policyFile
	} else {
		s, done, err := c.open(ctx)
		if err != nil {
			return err
		}
		defer done()
		p, fs, err := s.Check(operator(ctx), e)
		if err != nil {
			return err
		}
		failures = fs
		what = fmt.Sprintf("the stored policy (revision %d)", p.Revision)
	}
	for _, f := range failures {
		fmt.Fprintln(c.stdout, f.String())
	}
	if len(failures) > 0 {
		fmt.Fprintf(c.stderr, "benkan policy test: %s fails %d of the %d expectations of %s\n", what, len(failures), len(e.List), c.pos[0])
		return exitCode(1)
	}
	fmt.Fprintf(c.stdout, "%s: %d expectations hold for %s\n", c.pos[0], len(e.List), what)
	return nil
}

// testFile checks e against the policy file path: without a database,
// unless e has lines on rows, which are decided on the database's rows.
func (c *policyCall) testFile(ctx context.Context, path string, e *store.Expectations) ([]store.Failure, error) {
	f, err := readPolicyFile(path)
	if err != nil {
		return nil, err
	}
	if !e.HasRows() {
		return store.CheckFileExpectations(f, e)
	}
	db, err := openMigrated(ctx, c.db)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return store.CheckFileExpectationsWith(ctx, db.Client, f, e)
}

// serveExpectations reads serve's --policy-tests file, so that a file
// that does not parse stops the server before it starts, naming the
// lines; nil when the flag is empty.
func serveExpectations(path string) (*store.Expectations, error) {
	if path == "" {
		return nil, nil
	}
	e, err := readExpectations(path)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", policyTestsFlag, err)
	}
	return e, nil
}

// openServeStore opens the policy store a server uses, with its policy
// tests, and warns of the expectations the stored policy fails already:
// those do not block a change, but an admin should fix them.
func openServeStore(ctx context.Context, db *storage.DB, engine *policy.Engine, log *slog.Logger, expect *store.Expectations, approval bool) (*store.Store, error) {
	s, err := store.OpenForWith(ctx, db, engine, store.Options{Logger: log, Expectations: expect, Approval: approval})
	if err == nil {
		if on, err := s.ApprovalRequired(store.AsOperator(ctx, "benkan")); err != nil {
			return nil, err
		} else if on {
			log.InfoContext(ctx, "four-eyes mode (the database's): the access policy changes only by proposals another admin approves")
		}
	}
	if err != nil || expect == nil {
		return s, err
	}
	_, failures, err := s.Check(store.AsOperator(ctx, "benkan"), expect)
	if err != nil {
		return nil, err
	}
	for _, f := range failures {
		log.WarnContext(ctx, "the stored policy fails a policy test", "test", f.String())
	}
	log.InfoContext(ctx, "policy tests configured: changes that break one are refused", "file", expect.Name, "expectations", len(expect.List), "failing", len(failures))
	return s, nil
}
