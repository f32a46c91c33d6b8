package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/audit"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/ent/policyproposal"
	"github.com/benkan-project/benkan/policy"
)

// ProposalStatus is where a proposal stands.
type ProposalStatus string

// The statuses of a proposal: PENDING until one decision makes it one of
// the others, for good.
const (
	Pending   ProposalStatus = "PENDING"   // waits for another admin
	Applied   ProposalStatus = "APPLIED"   // approved by another admin, and applied
	Rejected  ProposalStatus = "REJECTED"  // rejected by another admin
	Withdrawn ProposalStatus = "WITHDRAWN" // withdrawn by its proposer
)

// Proposal is a change set proposed by one admin for another to approve
// (four-eyes mode, see approval.go).
type Proposal struct {
	// ID numbers the proposals in the order they were made.
	ID int
	// Changes is the change set, as the approval applies it.
	Changes []Change
	// Proposer is who proposed it, Reason why, At when.
	Proposer, Reason string
	At               time.Time
	// Revision is the policy revision it was proposed, and validated,
	// against: the policy may have changed since.
	Revision int64
	// Status is where it stands.
	Status ProposalStatus
	// DecidedBy approved, rejected or withdrew it, at DecidedAt, for
	// DecisionReason; empty while it is pending.
	DecidedBy, DecisionReason string
	DecidedAt                 *time.Time
	// VersionID is the policy version its approval produced, 0 if none.
	VersionID int
}

// Lines are the changes as "op line", as Change.String writes them: what
// an admin reads before deciding.
func (p *Proposal) Lines() []string {
	out := make([]string, len(p.Changes))
	for i, c := range p.Changes {
		out[i] = c.String()
	}
	return out
}

// Propose stores a change set for another admin to approve, with reason.
// It is validated now as Apply validates it, policy tests included, and
// refused at once with the same errors if it would be refused; nothing of
// the policy changes. Proposals are accepted in either mode; in four-eyes
// mode they are the only way to change the policy. The proposal and a
// POLICY_PROPOSE audit event are written in one transaction (the caller's
// if ctx carries one).
//
// Callers: as Apply.
func (s *Store) Propose(ctx context.Context, changes []Change, reason string) (*Proposal, error) {
	who, err := actor(ctx, policy.ActionUpdate)
	if err != nil {
		return nil, err
	}
	reason, err = checkSet(changes, reason)
	if err != nil {
		return nil, err
	}
	encoded, err := json.Marshal(changes)
	if err != nil {
		return nil, fmt.Errorf("encode the proposed changes: %w", err)
	}
	var out *Proposal
	err = s.inTx(ctx, func(ctx context.Context, c *ent.Client) error {
		cur, _, err := s.planTested(ctx, c, changes)
		if err != nil {
			return err
		}
		p, err := c.PolicyProposal.Create().SetProposer(who).SetReason(reason).
			SetChanges(string(encoded)).SetRevision(cur.Revision).Save(ctx)
		if err != nil {
			return fmt.Errorf("store the proposal: %w", err)
		}
		if err := auditProposal(ctx, c, who, auditevent.ActionPOLICY_PROPOSE, p.ID, fmt.Sprintf("%d changes: %s", len(changes), reason)); err != nil {
			return err
		}
		out, err = toProposal(p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ProposeRollback proposes the change set Rollback would apply now to make
// the stored policy version toVersion's again; the approval replays those
// changes, as reviewed (see Propose and Rollback).
//
// Callers: as Apply.
func (s *Store) ProposeRollback(ctx context.Context, toVersion int, reason string) (*Proposal, error) {
	if _, err := actor(ctx, policy.ActionUpdate); err != nil {
		return nil, err
	}
	changes, reason, err := s.rollbackSet(ctx, toVersion, reason)
	if err != nil {
		return nil, err
	}
	return s.Propose(ctx, changes, reason)
}

// ProposeImport proposes the change set Import would apply now to make the
// stored policy the file's (see Propose and Import).
//
// Callers: as Apply.
func (s *Store) ProposeImport(ctx context.Context, f *File, reason string) (*Proposal, error) {
	if _, err := actor(ctx, policy.ActionUpdate); err != nil {
		return nil, err
	}
	changes, err := s.fileChanges(ctx, f)
	if err != nil {
		return nil, err
	}
	return s.Propose(ctx, changes, reason)
}

// Proposals returns the proposals, newest first, those with status only if
// it is not empty, at most 1000.
//
// Callers: as Load.
func (s *Store) Proposals(ctx context.Context, status ProposalStatus) ([]Proposal, error) {
	if err := mayRead(ctx); err != nil {
		return nil, err
	}
	q := s.client(ctx).PolicyProposal.Query().Order(ent.Desc(policyproposal.FieldID)).Limit(1000)
	if status != "" {
		if err := policyproposal.StatusValidator(policyproposal.Status(status)); err != nil {
			return nil, benkan.FieldErrorf("status", "no proposal status %q", status)
		}
		q.Where(policyproposal.StatusEQ(policyproposal.Status(status)))
	}
	ps, err := q.All(policy.SystemContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("load policy proposals: %w", err)
	}
	out := make([]Proposal, len(ps))
	for i, p := range ps {
		q, err := toProposal(p)
		if err != nil {
			return nil, err
		}
		out[i] = *q
	}
	return out, nil
}

// Proposal returns the proposal id, NOT_FOUND if there is none.
//
// Callers: as Load.
func (s *Store) Proposal(ctx context.Context, id int) (*Proposal, error) {
	if err := mayRead(ctx); err != nil {
		return nil, err
	}
	p, err := proposal(policy.SystemContext(ctx), s.client(ctx), id)
	if err != nil {
		return nil, err
	}
	return toProposal(p)
}

// Approve applies the pending proposal id, as the one who approves it,
// with reason: its changes are applied as Apply applies them (validated
// against the policy now, policy tests included), in one transaction with
// the proposal marked APPLIED, so that either both hold or neither. The
// version's actor is the approver; its reason names the proposal, its
// proposer and their reason. A POLICY_APPROVE audit event records the
// approval (and apply its POLICY_CHANGE).
//
// Refused: FORBIDDEN for the proposer themself (see approval.go for who
// counts as the same admin); BAD_USER_INPUT for a proposal no longer
// pending (of two approvals at once, exactly one applies), for a missing
// reason, and for a change set that no longer applies to the policy as it
// changed since, with the error Apply gives (the proposal then stays
// PENDING: reject or withdraw it, and propose again); NOT_FOUND for no such
// proposal; CONFLICT when the policy is no longer at the revision reviewed.
//
// The approval is pinned to what was reviewed: reviewed is the policy
// revision at which the approver read the proposal's impact (Impact.Revision),
// or 0 for the revision the proposal was made and validated against. If the
// policy has changed since (another change set applied, a rollback, or a
// change of the users, organizations or localities its lines resolve to:
// see triggers), the
// approval is refused, and the proposal stays PENDING: the approver reads
// its impact again, on the policy as it is now, and approves at that
// revision. Four eyes means the second admin approves what they saw, not a
// change set whose effect moved under them.
//
// Callers: as Apply. It applies in four-eyes mode and outside it.
func (s *Store) Approve(ctx context.Context, id int, reason string, reviewed int64) (*Proposal, error) {
	who, err := actor(ctx, policy.ActionUpdate)
	if err != nil {
		return nil, err
	}
	if reason, err = decisionReason(reason, "approved"); err != nil {
		return nil, err
	}
	var out *Proposal
	err = s.inTx(ctx, func(ctx context.Context, c *ent.Client) error {
		p, err := s.decide(ctx, c, id, who, Applied, reason)
		if err != nil {
			return err
		}
		if err := atRevision(ctx, c, p, reviewed); err != nil {
			return err
		}
		changes, err := decodeChanges(p.Changes)
		if err != nil {
			return err
		}
		why := truncate(fmt.Sprintf("proposal %d by %s: %s", p.ID, p.Proposer, p.Reason), maxReasonLen)
		v, err := s.apply(ctx, c, who, changes, why)
		if err != nil {
			return err
		}
		if p, err = c.PolicyProposal.UpdateOneID(p.ID).SetVersionID(v.ID).Save(ctx); err != nil {
			return fmt.Errorf("record the version of proposal %d: %w", p.ID, err)
		}
		if err := auditProposal(ctx, c, who, auditevent.ActionPOLICY_APPROVE, p.ID, fmt.Sprintf("version %d: %s", v.ID, reason)); err != nil {
			return err
		}
		out, err = toProposal(p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Reject decides the pending proposal id against, with reason: REJECTED
// by another admin, WITHDRAWN by its proposer (who may take back their own
// proposal, not approve it). A POLICY_REJECT audit event records it. The
// policy does not change. Refused as Approve is, but for the proposer.
//
// Callers: as Apply.
func (s *Store) Reject(ctx context.Context, id int, reason string) (*Proposal, error) {
	who, err := actor(ctx, policy.ActionUpdate)
	if err != nil {
		return nil, err
	}
	if reason, err = decisionReason(reason, "rejected"); err != nil {
		return nil, err
	}
	var out *Proposal
	err = s.inTx(ctx, func(ctx context.Context, c *ent.Client) error {
		p, err := proposal(ctx, c, id)
		if err != nil {
			return err
		}
		status, what := Rejected, "rejected"
		if sameAdmin(p.Proposer, who) {
			status, what = Withdrawn, "withdrawn"
		}
		if p, err = s.decide(ctx, c, id, who, status, reason); err != nil {
			return err
		}
		if err := auditProposal(ctx, c, who, auditevent.ActionPOLICY_REJECT, p.ID, what+": "+reason); err != nil {
			return err
		}
		out, err = toProposal(p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// decide marks the proposal id decided (status) by who, if it is pending
// and who may decide so: one conditional update, so that of two decisions
// at once exactly one holds (the other waits for the row, then finds it
// decided).
func (s *Store) decide(ctx context.Context, c *ent.Client, id int, who string, status ProposalStatus, reason string) (*ent.PolicyProposal, error) {
	p, err := proposal(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if err := pending(p); err != nil {
		return nil, err
	}
	if status == Applied && sameAdmin(p.Proposer, who) {
		return nil, benkan.Errorf(benkan.EFORBIDDEN, "you proposed proposal %d: another admin must approve it (four eyes); you may withdraw it (reject it)", id)
	}
	n, err := c.PolicyProposal.Update().
		Where(policyproposal.ID(id), policyproposal.StatusEQ(policyproposal.StatusPENDING)).
		SetStatus(policyproposal.Status(status)).SetDecidedBy(who).SetDecidedAt(time.Now()).SetDecisionReason(reason).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("decide proposal %d: %w", id, err)
	}
	if p, err = proposal(ctx, c, id); err != nil {
		return nil, err
	}
	if n == 0 { // decided meanwhile
		if err := pending(p); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("decide proposal %d: it is pending but was not updated", id)
	}
	return p, nil
}

// pending refuses a proposal already decided.
// atRevision refuses an approval when the policy is not at the revision
// reviewed (0: the proposal's own). It takes the lock changes queue on
// first (see apply), so that no change lands between the check and the
// approval's own.
func atRevision(ctx context.Context, c *ent.Client, p *ent.PolicyProposal, reviewed int64) error {
	if reviewed == 0 {
		reviewed = p.Revision
	}
	if err := c.PolicyState.UpdateOneID(1).AddRevision(0).Exec(ctx); err != nil {
		return fmt.Errorf("approve proposal %d: %w", p.ID, err)
	}
	cur, err := read(ctx, c)
	if err != nil {
		return err
	}
	if cur.Revision != reviewed {
		return &benkan.Error{Code: benkan.ECONFLICT, Field: "revision", Message: fmt.Sprintf(
			"the policy is at revision %d, not %d as reviewed (its lines changed since, or the users, organizations or localities they resolve to): read proposal %d's impact again on the policy as it is now, and approve it at revision %d",
			cur.Revision, reviewed, p.ID, cur.Revision)}
	}
	return nil
}

func pending(p *ent.PolicyProposal) error {
	if p.Status == policyproposal.StatusPENDING {
		return nil
	}
	return &benkan.Error{Code: benkan.EINVALID, Field: "id", Message: fmt.Sprintf("proposal %d is %s already (by %s): only a pending proposal can be approved or rejected",
		p.ID, strings.ToLower(string(p.Status)), p.DecidedBy)}
}

// sameAdmin reports whether two actors are the same admin: the same name,
// the command line's cli:NAME being the token subject NAME.
func sameAdmin(a, b string) bool {
	return strings.TrimPrefix(a, "cli:") == strings.TrimPrefix(b, "cli:")
}

// decisionReason checks the reason of a decision and returns it trimmed.
func decisionReason(reason, what string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return "", benkan.FieldErrorf("reason", "say why the proposal is %s: the reason is kept with the decision", what)
	case len(reason) > maxReasonLen:
		return "", benkan.FieldErrorf("reason", "the reason is longer than %d bytes (an accented letter takes two)", maxReasonLen)
	}
	return reason, nil
}

func proposal(ctx context.Context, c *ent.Client, id int) (*ent.PolicyProposal, error) {
	p, err := c.PolicyProposal.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, &benkan.Error{Code: benkan.ENOTFOUND, Field: "id", Message: fmt.Sprintf("no policy proposal %d", id)}
	}
	if err != nil {
		return nil, fmt.Errorf("load policy proposal %d: %w", id, err)
	}
	return p, nil
}

func toProposal(p *ent.PolicyProposal) (*Proposal, error) {
	changes, err := decodeChanges(p.Changes)
	if err != nil {
		return nil, fmt.Errorf("proposal %d: %w", p.ID, err)
	}
	out := &Proposal{ID: p.ID, Changes: changes, Proposer: p.Proposer, Reason: p.Reason, At: p.CreatedAt, Revision: p.Revision,
		Status: ProposalStatus(p.Status), DecidedBy: p.DecidedBy, DecisionReason: p.DecisionReason, DecidedAt: p.DecidedAt}
	if p.VersionID != nil {
		out.VersionID = *p.VersionID
	}
	return out, nil
}

// decodeChanges reads a change set as Propose encoded it: the store's own
// Change values, as JSON.
func decodeChanges(text string) ([]Change, error) {
	var changes []Change
	if err := json.Unmarshal([]byte(text), &changes); err != nil {
		return nil, fmt.Errorf("decode the proposed changes: %w", err)
	}
	return changes, nil
}

// auditProposal writes the audit event of a proposal's step, in c's
// transaction, as apply writes that of a change.
func auditProposal(ctx context.Context, c *ent.Client, who string, action auditevent.Action, id int, decision string) error {
	err := audit.Append(ctx, c, c.AuditEvent.Create().SetSubject(who).SetAction(action).
		SetObjectType(policy.PolicyObject).SetObjectID(fmt.Sprintf("proposal %d", id)).
		SetDecision(truncate(decision, 255)).
		SetNillableRequestID(requestID(ctx)))
	if err != nil {
		return fmt.Errorf("audit policy proposal %d: %w", id, err)
	}
	return nil
}
