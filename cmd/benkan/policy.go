package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/user"
	"slices"
	"strings"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
)

// policySubcommands maps a subcommand of `benkan policy` to what runs it.
// Each parses its own flags and arguments (policyCall) and leaves every
// decision to package policy/store, as the GraphQL admin API does.
var policySubcommands = map[string]func(ctx context.Context, c *policyCall) error{
	"list":     policyList,
	"grant":    policyChange(store.Grant),
	"revoke":   policyChange(store.Revoke),
	"assign":   policyChange(store.Assign),
	"unassign": policyChange(store.Unassign),
	"validate": policyValidate,
	"export":   policyExport,
	"import":   policyImport,
	"test":     policyTest,
	"versions": policyVersions,
	"diff":     policyDiff,
	"rollback": policyRollback,
	"expiring": policyExpiring,
	"explain":  policyExplain,
	"impact":   policyImpact,
	// Four-eyes approval (policy_proposal.go).
	"proposals": policyProposals,
	"propose":   policyPropose,
	"approve":   policyApprove,
	"reject":    policyReject,
	"four-eyes": policyFourEyes,
}

const policyUsage = `Usage: benkan policy SUBCOMMAND [arguments] [flags]

Reads and changes the access policy stored in the database, through the same
store as the GraphQL admin API: every change is validated, applied whole or
not at all, and recorded as a policy version whose actor is cli:<OS user>.

Subcommands:
  list      [--role R] [--subject S] [--kind roles|p|g|g2|problems]
            print roles, permissions, assignments, field groups and problems
  grant     ROLE OBJECT ACTION [--domain D] [--scope S] --reason R
  revoke    ROLE OBJECT ACTION [--domain D] [--scope S] --reason R
  assign    SUBJECT ROLE [--domain D] [--expires T] --reason R
  expiring  [--within 720h]  list the assignments that expire within that time
  unassign  SUBJECT ROLE [--domain D] --reason R
  export    [FILE]          write the policy as Casbin CSV (stdout by default)
  import    FILE --reason R make the stored policy the file's, as one change
  validate  FILE            check a policy file, without a database
  test      FILE [--policy POLICYFILE]
            check policy tests (expectations) against the stored policy or a file
  versions  [--last N]      print the last versions: who, when, why, what
  diff      FROM TO [--impact]
            print the lines added and removed between two versions (and their impact)
  impact    (grant|revoke|assign|unassign ARGUMENTS | --import FILE | --rollback VERSION)
            what a change would change of who sees what, without applying it
  rollback  VERSION --reason R
            make the stored policy a version's again, as a new version
  explain   (--user S | --role R [--domain D]) OBJECT ACTION [--id ID]
            why a user or role may or may not: the lines, and on a row the atoms
  proposals [--status PENDING|APPLIED|REJECTED|WITHDRAWN]
            list the proposed change sets, newest first (four-eyes approval)
  propose   grant|revoke|assign|unassign ARGS... --reason R
  propose   rollback VERSION --reason R | import FILE --reason R | four-eyes off --reason R
            propose a change for another admin to approve; nothing changes yet
  approve   ID --reason R   apply another admin's proposal, as a new version
  reject    ID --reason R   reject a proposal (withdraw it, for its proposer)
  four-eyes on --reason R  turn four-eyes mode on, for every server and command
            line of the database (off only by an approved proposal)

The database is chosen as for serve: --database-url (BENKAN_DATABASE_URL),
or the embedded database in --data-dir (BENKAN_DATA_DIR). Changes
honour --policy-tests FILE (BENKAN_POLICY_TESTS), as serve does. Four-eyes
mode is the database's: once on (--policy-approval, BENKAN_POLICY_APPROVAL,
turns it on), every command refuses direct changes, with or without the flag;
only approved proposals apply. Run
'benkan policy SUBCOMMAND --help' for the flags of a subcommand.
Exit status: 0 done, 1 refused or invalid, 2 wrong usage.
`

func policyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintf(stderr, "benkan policy: a subcommand is needed (%s)\nRun 'benkan policy help' for what each does.\n", strings.Join(slices.Sorted(maps.Keys(policySubcommands)), ", "))
		return exitCode(2)
	}
	if isHelp(args[0]) {
		if len(args) > 1 && args[0] == "help" {
			return policyCmd(ctx, []string{args[1], "--help"}, stdout, stderr)
		}
		fmt.Fprint(stdout, policyUsage)
		return nil
	}
	sub, ok := policySubcommands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "benkan policy: unknown subcommand %q\nRun 'benkan policy help' for the subcommands.\n", args[0])
		return exitCode(2)
	}
	c := &policyCall{name: args[0], args: args[1:], stdout: stdout, stderr: stderr}
	return c.report(sub(ctx, c))
}

// policyCall is one run of a subcommand: its flags, its arguments, where
// it prints.
type policyCall struct {
	name           string
	args           []string
	stdout, stderr io.Writer
	fs             *flag.FlagSet
	db             *storage.Config
	pos            []string // the positional arguments, once parsed
	testsPath      *string  // --policy-tests, on the subcommands that change the policy
	approval       *bool    // --policy-approval, on the same
	synopsis       string   // what follows the subcommand's name: its arguments and flags
}

// flags starts the subcommand's flag set; synopsis names its positional
// arguments, summary says what it does.
func (c *policyCall) flags(synopsis, summary string, database bool) *flag.FlagSet {
	fs := newFlagSetEnv("policy "+c.name, synopsis, summary, c.stdout, isDatabaseFlag)
	c.synopsis = synopsis
	if database {
		c.db = databaseFlags(fs)
	}
	c.fs = fs
	return fs
}

// isDatabaseFlag reports whether a flag is one of databaseFlags,
// --policy-tests or --policy-approval. Only those are read from the environment here, as serve
// reads them: a change's reason, role or scope is written on the command
// line each time, never inherited from a shell.
func isDatabaseFlag(f *flag.Flag) bool {
	return f.Name == "database-url" || f.Name == "data-dir" || f.Name == policyTestsFlag || f.Name == policyApprovalFlag
}

// parse reads the environment (database flags only), then the command
// line, flags and positional arguments in any order ("--" ends the flags),
// and checks that there are min to max positional arguments.
func (c *policyCall) parse(min, max int) error {
	pos, err := parseArgs(c.fs, c.args, isDatabaseFlag, true)
	if err != nil {
		return err
	}
	c.pos = pos
	switch {
	case len(c.pos) < min:
		n := "arguments"
		if min-len(c.pos) == 1 {
			n = "argument"
		}
		return usagef("%d %s missing: benkan policy %s %s", min-len(c.pos), n, c.name, c.synopsis)
	case len(c.pos) > max:
		return usagef("unexpected argument %q", c.pos[max])
	}
	return nil
}

// open opens the database of the flags, which must exist, migrated, and
// its policy store (which stores the default policy in a database that
// holds none yet).
func (c *policyCall) open(ctx context.Context) (*store.Store, func(), error) {
	expect, err := c.expectations()
	if err != nil {
		return nil, nil, err
	}
	db, err := openExisting(ctx, c.db)
	if err != nil {
		return nil, nil, err
	}
	// The store logs the problems of stored lines on every load; list
	// prints them, and a change that meets one says so.
	approval := c.approval != nil && *c.approval
	s, err := store.Open(ctx, db, store.Options{Logger: slog.New(slog.DiscardHandler), Expectations: expect, Approval: approval})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return s, func() { db.Close() }, nil
}

// change opens the store, makes one change set with f as the operator and
// prints the version it made: what every changing subcommand does.
func (c *policyCall) change(ctx context.Context, f func(context.Context, *store.Store) (*store.Version, error)) error {
	s, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	v, err := f(operator(ctx), s)
	if err != nil {
		return err
	}
	printVersion(c.stdout, v)
	return nil
}

// load opens the store and reads the policy as the operator.
func (c *policyCall) load(ctx context.Context) (*store.Policy, func(), error) {
	s, done, err := c.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.Load(operator(ctx))
	if err != nil {
		done()
		return nil, nil, err
	}
	return p, done, nil
}

// operator is the context in which the command line reads and changes the
// policy: as the operator "cli:<OS user>", the name its versions record.
func operator(ctx context.Context) context.Context {
	return store.AsOperator(ctx, "cli:"+osUser())
}

// osUser names who runs the command, for the record of their changes.
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	for _, v := range []string{"USER", "USERNAME", "LOGNAME"} {
		if name := os.Getenv(v); name != "" {
			return name
		}
	}
	return "unknown"
}

// report prints what went wrong, as "benkan policy grant: message", and
// returns the exit code: a refusal by the store shows its message (the one
// a GraphQL client would get) and never a stack or a driver's internals
// beyond what the error says.
func (c *policyCall) report(err error) error {
	var code exitCode
	var usage usageError
	var be *benkan.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		return nil
	case errors.As(err, &code):
		return code
	case errors.As(err, &usage):
		fmt.Fprintf(c.stderr, "benkan policy %s: %s\nRun 'benkan policy %s --help' for its usage.\n", c.name, usage.msg, c.name)
		return exitCode(2)
	case errors.As(err, &be):
		msg := be.Message
		if be.Field == "reason" {
			msg = "--reason: " + msg
		}
		fmt.Fprintf(c.stderr, "benkan policy %s: %s\n", c.name, msg)
	default:
		fmt.Fprintf(c.stderr, "benkan policy %s: %v\n", c.name, err)
	}
	return exitCode(1)
}

// printVersion prints the version a change made and its lines.
func printVersion(w io.Writer, v *store.Version) {
	fmt.Fprintf(w, "policy version %d (revision %d) by %s: %d added, %d removed\n", v.ID, v.Revision, v.Actor, len(v.Added), len(v.Removed))
	for _, l := range v.Added {
		fmt.Fprintln(w, "  + "+l)
	}
	for _, l := range v.Removed {
		fmt.Fprintln(w, "  - "+l)
	}
}

// requireReason refuses a change without --reason before the database is
// opened (the store would refuse it too).
func requireReason(reason string) error {
	if strings.TrimSpace(reason) == "" {
		return usageError{"--reason is required: say why the policy changes, it is kept with the change"}
	}
	return nil
}
