package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/benkan-project/benkan/policy/store"
)

// Four-eyes approval on the command line: proposals, propose, approve,
// reject. The operator acts as cli:<OS user>, which counts as the token
// subject of the same name: an admin cannot approve through the command
// line what they proposed through the API, nor the reverse.

// proposeKinds are the changes `benkan policy propose` takes, by their
// first argument.
var proposeKinds = map[string]func(ctx context.Context, c *policyCall) error{
	"grant":     proposeChange(store.Grant),
	"revoke":    proposeChange(store.Revoke),
	"assign":    proposeChange(store.Assign),
	"unassign":  proposeChange(store.Unassign),
	"rollback":  proposeRollback,
	"import":    proposeImport,
	"four-eyes": proposeFourEyes,
}

// proposeFourEyes proposes turning four-eyes mode on or off: off, once on,
// applies only so.
func proposeFourEyes(ctx context.Context, c *policyCall) error {
	ch, reason, err := fourEyesArgs(c, "Proposes turning four-eyes mode on or off, for another admin to approve.")
	if err != nil {
		return err
	}
	return c.propose(ctx, func(ctx context.Context, s *store.Store) (*store.Proposal, error) {
		return s.Propose(ctx, []store.Change{ch}, reason)
	})
}

// fourEyesArgs reads "on|off --reason R" into a FourEyes change.
func fourEyesArgs(c *policyCall, summary string) (store.Change, string, error) {
	fs := c.flags("on|off --reason R [flags]", summary, true)
	reason := fs.String("reason", "", "why the mode changes, kept with the version (required)")
	c.testsFlag(fs)
	if err := c.parse(1, 1); err != nil {
		return store.Change{}, "", err
	}
	if err := requireReason(*reason); err != nil {
		return store.Change{}, "", err
	}
	switch c.pos[0] {
	case "on":
		return store.Change{Op: store.FourEyes, FourEyes: true}, *reason, nil
	case "off":
		return store.Change{Op: store.FourEyes, FourEyes: false}, *reason, nil
	}
	return store.Change{}, "", usagef("%q: say on or off", c.pos[0])
}

// policyFourEyes turns four-eyes mode on (or off, which is refused once
// it is on: propose it) as a change of the policy.
func policyFourEyes(ctx context.Context, c *policyCall) error {
	ch, reason, err := fourEyesArgs(c, "Turns four-eyes mode on for every server and command line of the database.\nTurning it off, once on, is refused: propose it (benkan policy propose\nfour-eyes off) for another admin to approve.")
	if err != nil {
		return err
	}
	return c.change(ctx, func(ctx context.Context, s *store.Store) (*store.Version, error) {
		return s.Apply(ctx, []store.Change{ch}, reason)
	})
}

// policyPropose proposes a change for another admin to approve: its first
// argument says which, the rest are that change's, as for the subcommand
// of the same name.
func policyPropose(ctx context.Context, c *policyCall) error {
	if len(c.args) == 0 || proposeKinds[c.args[0]] == nil {
		c.flags("grant|revoke|assign|unassign|rollback|import|four-eyes ARGS... --reason R [flags]",
			"Proposes a change of the policy for another admin to approve (benkan policy\napprove): the arguments are those of the subcommand of the same name. The\nchange is validated now, as it would be applied; the policy does not change.", false)
		if len(c.args) > 0 && (c.args[0] == "-h" || c.args[0] == "-help" || c.args[0] == "--help") {
			c.fs.Usage()
			return nil
		}
		return usageError{"say what to propose: grant, revoke, assign, unassign, rollback, import or four-eyes"}
	}
	kind := c.args[0]
	c.name, c.args = "propose "+kind, c.args[1:]
	return proposeKinds[kind](ctx, c)
}

func proposeChange(op store.Op) func(ctx context.Context, c *policyCall) error {
	return func(ctx context.Context, c *policyCall) error {
		ch, reason, err := changeArgs(c, op, true)
		if err != nil {
			return err
		}
		return c.propose(ctx, func(ctx context.Context, s *store.Store) (*store.Proposal, error) {
			return s.Propose(ctx, []store.Change{ch}, reason)
		})
	}
}

func proposeRollback(ctx context.Context, c *policyCall) error {
	fs := c.flags("VERSION --reason R [flags]", "Proposes the change that makes the stored policy the one VERSION produced.", true)
	reason := fs.String("reason", "", "why the policy is rolled back, kept with the proposal (required)")
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
	return c.propose(ctx, func(ctx context.Context, s *store.Store) (*store.Proposal, error) {
		return s.ProposeRollback(ctx, to, *reason)
	})
}

func proposeImport(ctx context.Context, c *policyCall) error {
	fs := c.flags("FILE --reason R [flags]", "Proposes the change that makes the stored policy the file's (see import).", true)
	reason := fs.String("reason", "", "why the policy changes, kept with the proposal (required)")
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
	return c.propose(ctx, func(ctx context.Context, s *store.Store) (*store.Proposal, error) {
		return s.ProposeImport(ctx, f, *reason)
	})
}

// propose opens the store, makes a proposal with f as the operator and
// prints it.
func (c *policyCall) propose(ctx context.Context, f func(context.Context, *store.Store) (*store.Proposal, error)) error {
	s, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	p, err := f(operator(ctx), s)
	if err != nil {
		return err
	}
	printProposal(c.stdout, p)
	return nil
}

// policyProposals lists the proposals, newest first.
func policyProposals(ctx context.Context, c *policyCall) error {
	fs := c.flags("[--status S] [flags]",
		"Prints the proposed change sets, newest first: who proposed each, why, its\nchanges, and its decision.", true)
	status := fs.String("status", "", "only the proposals with this status: PENDING, APPLIED, REJECTED or WITHDRAWN")
	if err := c.parse(0, 0); err != nil {
		return err
	}
	s, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	ps, err := s.Proposals(operator(ctx), store.ProposalStatus(strings.ToUpper(*status)))
	if err != nil {
		return err
	}
	for i := range ps {
		printProposal(c.stdout, &ps[i])
	}
	return nil
}

// policyApprove approves another admin's proposal, applying it.
func policyApprove(ctx context.Context, c *policyCall) error {
	var revision *int64
	return c.decide(ctx, "Applies a pending proposal of another admin, as a new policy version whose\nactor is you. Refused for your own proposal, for one that no longer\napplies to the policy as it is now, and when the policy is not at the\nrevision you reviewed (--revision; by default the proposal's own): it then\nstays pending. `benkan policy impact` of the same change prints its impact\nand the policy revision it was computed on.",
		func(fs *flag.FlagSet) {
			revision = fs.Int64("revision", 0, "the policy revision at which you reviewed the proposal's impact (default: the revision it was proposed at)")
		},
		func(ctx context.Context, s *store.Store, id int, reason string) (*store.Proposal, error) {
			if *revision < 0 {
				return nil, usageError{fmt.Sprintf("--revision %d: want a policy revision, a positive number", *revision)}
			}
			return s.Approve(ctx, id, reason, *revision)
		})
}

// policyReject rejects a proposal, or withdraws one's own.
func policyReject(ctx context.Context, c *policyCall) error {
	return c.decide(ctx, "Rejects a pending proposal of another admin, or withdraws your own. The\npolicy does not change.", nil,
		func(ctx context.Context, s *store.Store, id int, reason string) (*store.Proposal, error) {
			return s.Reject(ctx, id, reason)
		})
}

// decide runs approve or reject: ID --reason R.
func (c *policyCall) decide(ctx context.Context, summary string, more func(*flag.FlagSet), f func(context.Context, *store.Store, int, string) (*store.Proposal, error)) error {
	fs := c.flags("ID --reason R [flags]", summary, true)
	reason := fs.String("reason", "", "why, kept with the decision (required)")
	if more != nil {
		more(fs)
	}
	c.testsFlag(fs)
	if err := c.parse(1, 1); err != nil {
		return err
	}
	if strings.TrimSpace(*reason) == "" {
		return usageError{"--reason is required: say why, it is kept with the decision"}
	}
	id, err := strconv.Atoi(c.pos[0])
	if err != nil || id <= 0 {
		return usageError{fmt.Sprintf("%q is not a proposal number (see benkan policy proposals)", c.pos[0])}
	}
	s, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	p, err := f(operator(ctx), s, id, *reason)
	if err != nil {
		return err
	}
	printProposal(c.stdout, p)
	return nil
}

// printProposal prints a proposal, its changes and its decision.
func printProposal(w io.Writer, p *store.Proposal) {
	fmt.Fprintf(w, "proposal %d %s by %s at %s (revision %d): %s\n", p.ID, p.Status, p.Proposer, p.At.UTC().Format(time.RFC3339), p.Revision, p.Reason)
	for _, l := range p.Lines() {
		fmt.Fprintln(w, "  "+l)
	}
	if p.Status != store.Pending {
		fmt.Fprintf(w, "  %s by %s", strings.ToLower(string(p.Status)), p.DecidedBy)
		if p.DecidedAt != nil {
			fmt.Fprintf(w, " at %s", p.DecidedAt.UTC().Format(time.RFC3339))
		}
		fmt.Fprintf(w, ": %s\n", p.DecisionReason)
	}
	if p.VersionID != 0 {
		fmt.Fprintf(w, "  policy version %d\n", p.VersionID)
	}
}
