package store

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/audit"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/ent/policyrole"
	"github.com/benkan-project/benkan/policy"
)

// Op is what one change does.
type Op string

// The changes a change set may hold.
const (
	Grant      Op = "grant"      // add a permission (Change.Permission)
	Revoke     Op = "revoke"     // remove a permission
	Assign     Op = "assign"     // give a user (or role) a role in a domain (Change.Assignment)
	Unassign   Op = "unassign"   // take it back
	CreateRole Op = "createRole" // add a role (Change.Role)
	DeleteRole Op = "deleteRole" // remove a role no line names any more
	Group      Op = "group"      // put a field in a field group (Change.FieldGroup)
	Ungroup    Op = "ungroup"    // take it out
	Discard    Op = "discard"    // remove a stored line that does not validate (Change.RuleID)
	FourEyes   Op = "fourEyes"   // turn four-eyes mode on or off (Change.FourEyes), see approval.go
)

// Change is one change of the policy; which field it uses depends on Op.
type Change struct {
	Op         Op
	Permission Permission
	Assignment Assignment
	Role       Role
	FieldGroup FieldGroup
	RuleID     int
	// FourEyes is the mode a FourEyes change sets: true on, false off.
	FourEyes bool `json:",omitempty"`
}

func (c Change) String() string {
	switch c.Op {
	case Grant, Revoke:
		return fmt.Sprintf("%s %s", c.Op, strings.Join(c.Permission.line(), ", "))
	case Assign, Unassign:
		return fmt.Sprintf("%s %s", c.Op, strings.Join(c.Assignment.line(), ", "))
	case Group, Ungroup:
		return fmt.Sprintf("%s %s", c.Op, strings.Join(c.FieldGroup.line(), ", "))
	case CreateRole, DeleteRole:
		return fmt.Sprintf("%s %s", c.Op, c.Role.Name)
	case Discard:
		return fmt.Sprintf("discard rule %d", c.RuleID)
	case FourEyes:
		return "four-eyes " + onOff(c.FourEyes)
	}
	return string(c.Op)
}

// Version is an applied change set: the policy version it made.
type Version struct {
	// ID numbers the versions in the order they were applied.
	ID int
	// Revision is the policy revision the change produced.
	Revision int64
	// Actor is who made it; Reason why.
	Actor, Reason string
	// At is when it was applied.
	At time.Time
	// Added and Removed are the lines added and removed, as Casbin CSV,
	// roles as "role NAME".
	Added, Removed []string
}

// Limits of a change set.
const (
	maxChanges   = 1000
	maxReasonLen = 1000
)

var roleName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// Apply applies changes, all or nothing, in one transaction (the caller's
// if ctx carries one) that also writes the new version and its audit
// event. The changes apply in order: a role created by one may be granted
// by the next. Each is validated against the schema, the scope vocabulary
// and the policy the whole set makes; a change that does not validate,
// that would make a stored line invalid, or that would leave no user who
// may change the policy (when one could before) fails the set with
// BAD_USER_INPUT naming the problem, and nothing is written.
//
// Callers: a viewer that may update the policy, or an operator (AsOperator).
//
// In four-eyes mode (as the database holds it, see approval.go) Apply
// refuses every change set with FORBIDDEN: changes are applied only by
// Approve.
func (s *Store) Apply(ctx context.Context, changes []Change, reason string) (*Version, error) {
	who, err := actor(ctx, policy.ActionUpdate)
	if err != nil {
		return nil, err
	}
	return s.applySet(ctx, who, changes, reason, true)
}

// applySet applies a change set as who; with direct, it is refused in
// four-eyes mode, as the database holds it once the set queues on the
// revision row (so that no change lands after the mode is turned on).
func (s *Store) applySet(ctx context.Context, who string, changes []Change, reason string, direct bool) (*Version, error) {
	reason, err := checkSet(changes, reason)
	if err != nil {
		return nil, err
	}
	var version *Version
	err = s.inTx(ctx, func(ctx context.Context, c *ent.Client) error {
		if direct {
			if err := c.PolicyState.UpdateOneID(1).AddRevision(0).Exec(ctx); err != nil {
				return fmt.Errorf("change policy: %w", err)
			}
			if err := s.direct(ctx, c); err != nil {
				return err
			}
		}
		version, err = s.apply(ctx, c, who, changes, reason)
		return err
	})
	if err != nil {
		return nil, err
	}
	return version, nil
}

// checkSet checks the reason and the size of a change set, and returns
// the reason trimmed.
func checkSet(changes []Change, reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return "", benkan.FieldErrorf("reason", "say why the policy changes: the reason is kept with the change")
	case len(reason) > maxReasonLen: // the column counts bytes
		return "", benkan.FieldErrorf("reason", "the reason is longer than %d bytes (an accented letter takes two)", maxReasonLen)
	}
	return reason, checkChanges(changes)
}

// inTx runs f in the transaction of ctx, or in one of its own, and reloads
// the policy once the transaction has committed, so that the change holds
// on this process before Apply's caller answers.
func (s *Store) inTx(ctx context.Context, f func(context.Context, *ent.Client) error) error {
	sys := policy.SystemContext(ctx)
	reload := func(ctx context.Context) {
		if _, err := s.Reload(context.WithoutCancel(ctx)); err != nil {
			s.log.ErrorContext(ctx, "reload the policy after a change (the watch will retry)", "err", err)
		}
	}
	if tx := ent.TxFromContext(ctx); tx != nil {
		if err := f(sys, tx.Client()); err != nil {
			return err
		}
		tx.OnCommit(func(next ent.Committer) ent.Committer {
			return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
				if err := next.Commit(ctx, tx); err != nil {
					return err
				}
				reload(ctx)
				return nil
			})
		})
		return nil
	}
	tx, err := s.db.Client.Tx(sys)
	if err != nil {
		return fmt.Errorf("change policy: %w", err)
	}
	if err := f(sys, tx.Client()); err != nil {
		_ = tx.Rollback() // the error says what went wrong; nothing was kept
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("change policy: %w", err)
	}
	reload(ctx)
	return nil
}

// draft is the policy a change set makes, built change by change.
type draft struct {
	roles    []Role
	rules    []rule // id 0: a new line
	added    []string
	removed  []string
	newRole  []Role
	goneRole []string
	drop     []int // ids of stored lines removed
	now      time.Time
	// fourEyes is the four-eyes mode the set turns on or off; nil if it
	// leaves it as it is.
	fourEyes *bool

	// casbin and roleSet are the policy the draft makes once check has
	// validated it: its valid lines in force as Casbin sees them, and its
	// roles; the configured policy tests are run on them (expect).
	casbin  [][]string
	roleSet map[string]bool
}

func (s *Store) apply(ctx context.Context, c *ent.Client, who string, changes []Change, reason string) (*Version, error) {
	// Changes queue on the revision row, so that each validates against
	// the policy the one before it made (the checks that keep an admin
	// would not hold if two sets were checked against the same policy).
	if err := c.PolicyState.UpdateOneID(1).AddRevision(0).Exec(ctx); err != nil {
		return nil, fmt.Errorf("change policy: %w", err)
	}
	_, d, err := s.planTested(ctx, c, changes)
	if err != nil {
		return nil, err
	}
	if err := d.write(ctx, c); err != nil {
		return nil, err
	}
	// The policy as written, read back in the transaction: the version
	// keeps it whole, for Diff and Rollback.
	after, err := read(ctx, c)
	if err != nil {
		return nil, err
	}
	rev := after.Revision
	v, err := c.PolicyVersion.Create().SetActor(who).SetReason(reason).
		SetAdded(d.added).SetRemoved(d.removed).SetRevision(rev).SetPolicy(after.CSV()).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("record policy version: %w", err)
	}
	err = audit.Append(ctx, c, c.AuditEvent.Create().SetSubject(who).SetAction(auditevent.ActionPOLICY_CHANGE).
		SetObjectType(policy.PolicyObject).SetObjectID(fmt.Sprintf("version %d", v.ID)).
		SetDecision(truncate(fmt.Sprintf("%d added, %d removed: %s", len(d.added), len(d.removed), reason), 255)).
		SetNillableRequestID(requestID(ctx)))
	if err != nil {
		return nil, fmt.Errorf("audit policy change: %w", err)
	}
	return &Version{ID: v.ID, Revision: rev, Actor: who, Reason: reason, At: v.CreatedAt, Added: d.added, Removed: d.removed}, nil
}

// plan reads the stored policy and builds the draft changes make of it,
// validated and checked against the policy tests: everything apply does
// before it writes, and what a proposal is checked with (Propose).
func (s *Store) planTested(ctx context.Context, c *ent.Client, changes []Change) (*Policy, *draft, error) {
	cur, d, err := plan(ctx, c, changes)
	if err != nil {
		return nil, nil, err
	}
	if err := s.expect(ctx, c, cur, d, changes); err != nil {
		return nil, nil, err
	}
	return cur, d, nil
}

func changeError(changes []Change, i int, msg string) error {
	text := fmt.Sprintf("%s: %s", changes[i], msg)
	if len(changes) == 1 {
		return benkan.Errorf(benkan.EINVALID, "%s", text)
	}
	return benkan.FieldErrorf(fmt.Sprintf("changes[%d]", i), "change %d, %s", i+1, text)
}

// setError is an error of the change set as a whole, naming the changes
// field when there are several.
func setError(changes []Change, format string, args ...any) error {
	if len(changes) == 1 {
		return benkan.Errorf(benkan.EINVALID, format, args...)
	}
	return benkan.FieldErrorf("changes", format, args...)
}

// truncate cuts s to at most n bytes (the columns count bytes), on a
// character boundary, marking the cut with "…".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// plan reads the stored policy through c and builds the draft changes make
// of it, validated (check): what Apply writes, and what Impact compares
// with the policy read, nothing written.
func plan(ctx context.Context, c *ent.Client, changes []Change) (*Policy, *draft, error) {
	cur, err := read(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	d := &draft{roles: slices.Clone(cur.Roles), rules: slices.Clone(cur.rules), now: cur.loaded}
	for i, ch := range changes {
		if err := d.change(cur, ch); err != nil {
			return nil, nil, changeError(changes, i, err.Error())
		}
	}
	if err := d.check(ctx, c, cur, changes); err != nil {
		return nil, nil, err
	}
	return cur, d, nil
}

// checkChanges refuses a change set that is empty or too long, as Apply
// does.
func checkChanges(changes []Change) error {
	switch {
	case len(changes) == 0:
		return benkan.FieldErrorf("changes", "no change to apply")
	case len(changes) > maxChanges:
		return benkan.FieldErrorf("changes", "more than %d changes at once", maxChanges)
	}
	return nil
}

// change applies one change to the draft, or says why it cannot apply.
func (d *draft) change(cur *Policy, ch Change) error {
	switch ch.Op {
	case Grant:
		return d.add(ch.Permission.line(), "already granted")
	case Assign:
		if !ch.Assignment.Expires.IsZero() { // stored to the second
			ch.Assignment.Expires = ch.Assignment.Expires.UTC().Truncate(time.Second)
		}
		if err := checkNewExpiry(ch.Assignment, d.now); err != nil {
			return err
		}
		return d.add(ch.Assignment.line(), "already assigned (unassign it first to change its expiry)")
	case Group:
		return d.add(ch.FieldGroup.line(), "the field is already in the group")
	case Revoke:
		return d.remove(ch.Permission.line(), "no such permission: nothing to revoke")
	case Unassign:
		return d.remove(ch.Assignment.line(), "no such assignment: nothing to unassign")
	case Ungroup:
		return d.remove(ch.FieldGroup.line(), "the field is not in the group")
	case CreateRole:
		return d.createRole(ch.Role)
	case DeleteRole:
		i := slices.IndexFunc(d.roles, func(r Role) bool { return r.Name == ch.Role.Name })
		if i < 0 {
			return fmt.Errorf("no role %q", ch.Role.Name)
		}
		d.roles = slices.Delete(d.roles, i, i+1)
		d.goneRole = append(d.goneRole, ch.Role.Name)
		d.removed = append(d.removed, "role "+ch.Role.Name)
		return nil
	case FourEyes:
		mode := cur.Approval
		if d.fourEyes != nil {
			mode = *d.fourEyes
		}
		if mode == ch.FourEyes {
			return fmt.Errorf("four-eyes mode is %s already", onOff(mode))
		}
		on := ch.FourEyes
		d.fourEyes = &on
		if on {
			d.added = append(d.added, fourEyesLine)
		} else {
			d.removed = append(d.removed, fourEyesLine)
		}
		return nil
	case Discard:
		if !slices.ContainsFunc(cur.Problems, func(p Problem) bool { return p.RuleID == ch.RuleID }) {
			if slices.ContainsFunc(cur.rules, func(r rule) bool { return r.id == ch.RuleID }) {
				return fmt.Errorf("rule %d is valid: revoke, unassign or ungroup it instead", ch.RuleID)
			}
			return fmt.Errorf("no stored rule %d", ch.RuleID)
		}
		i := slices.IndexFunc(d.rules, func(r rule) bool { return r.id == ch.RuleID })
		if i < 0 {
			return fmt.Errorf("rule %d is discarded already", ch.RuleID)
		}
		d.removed = append(d.removed, strings.Join(d.rules[i].line, ", "))
		d.drop = append(d.drop, ch.RuleID)
		d.rules = slices.Delete(d.rules, i, i+1)
		return nil
	}
	return fmt.Errorf("unknown change %q", ch.Op)
}

// index finds a line of the draft; an assignment whatever its expiry, so
// that one is given once and taken back without repeating its expiry.
func (d *draft) index(l []string) int {
	return slices.IndexFunc(d.rules, func(r rule) bool { return sameLine(r.line, l) || sameAssignment(r.line, l) })
}

// sameLine reports whether two lines say the same: equal, or permissions
// that differ only in the order of their scope's atom
// ("verified&own_localities" is "own_localities&verified").
func sameLine(a, b []string) bool {
	if slices.Equal(a, b) {
		return true
	}
	if len(a) != 6 || len(b) != 6 || a[0] != "p" || b[0] != "p" || !slices.Equal(a[:5], b[:5]) {
		return false
	}
	typ, _, _ := strings.Cut(strings.Replace(a[3], ":", ".", 1), ".")
	sa, errA := policy.ParseScope(typ, a[5])
	sb, errB := policy.ParseScope(typ, b[5])
	return errA == nil && errB == nil && slices.Equal(sa, sb)
}

func (d *draft) add(l []string, exists string) error {
	if d.index(l) >= 0 {
		return fmt.Errorf("%s", exists)
	}
	d.rules = append(d.rules, rule{line: l})
	d.added = append(d.added, strings.Join(l, ", "))
	return nil
}

func (d *draft) remove(l []string, missing string) error {
	i := d.index(l)
	if i < 0 {
		return fmt.Errorf("%s", missing)
	}
	text := strings.Join(d.rules[i].line, ", ") // as stored
	if id := d.rules[i].id; id != 0 {
		d.drop = append(d.drop, id)
		d.removed = append(d.removed, text)
	} else { // added by an earlier change of the set: the two cancel out
		d.added = slices.DeleteFunc(d.added, func(a string) bool { return a == text })
	}
	d.rules = slices.Delete(d.rules, i, i+1)
	return nil
}

func (d *draft) createRole(r Role) error {
	if !roleName.MatchString(r.Name) {
		return fmt.Errorf("role name %q: lower case letters, digits and _, starting with a letter, at most 64", r.Name)
	}
	if slices.ContainsFunc(d.roles, func(x Role) bool { return x.Name == r.Name }) {
		return fmt.Errorf("role %s exists already", r.Name)
	}
	if utf8.RuneCountInString(r.Description) > 500 {
		return fmt.Errorf("the description is longer than 500 characters")
	}
	d.roles = append(d.roles, r)
	d.newRole = append(d.newRole, r)
	d.added = append(d.added, "role "+r.Name)
	return nil
}

// check validates the policy the draft makes: no line it adds and no line
// that held before may be invalid in it, no deleted role may still be
// named, and someone who could change the policy still can.
func (d *draft) check(ctx context.Context, c *ent.Client, cur *Policy, changes []Change) error {
	for _, name := range d.goneRole {
		n := 0
		for _, r := range d.rules {
			if slices.Contains(r.line[1:min(len(r.line), 3)], name) {
				n++
			}
		}
		if n > 0 {
			i := slices.IndexFunc(changes, func(ch Change) bool { return ch.Op == DeleteRole && ch.Role.Name == name })
			return changeError(changes, i, fmt.Sprintf("%d lines still name the role: revoke and unassign them first", n))
		}
	}
	for _, r := range d.newRole {
		// A stored assignment of that subject was a user's (it may be left
		// out now that no user has the subject): as the new role's it
		// would pass that user's roles to every holder of the role.
		n := 0
		for _, l := range d.rules {
			if l.id != 0 && l.line[0] == "g" && len(l.line) >= 4 && l.line[1] == r.Name && l.line[2] != r.Name {
				n++
			}
		}
		if n > 0 {
			i := slices.IndexFunc(changes, func(ch Change) bool { return ch.Op == CreateRole && ch.Role.Name == r.Name })
			return changeError(changes, i, fmt.Sprintf("%d stored assignments give roles to the subject %q: unassign or discard them first", n, r.Name))
		}
	}
	lines := make([][]string, len(d.rules))
	for i, r := range d.rules {
		lines[i] = r.line
	}
	// The users and localities of the lines before the change too, to
	// decide who could change the policy before it.
	known, err := lookup(ctx, c, append(slices.Clone(lines), cur.lines...))
	if err != nil {
		return err
	}
	roles := map[string]bool{}
	for _, r := range d.roles {
		roles[r.Name] = true
	}
	reasons := check(roles, known, lines)
	wasValid := map[int]bool{}
	for _, r := range cur.rules {
		wasValid[r.id] = !slices.ContainsFunc(cur.Problems, func(p Problem) bool { return p.RuleID == r.id })
	}
	var valid [][]string
	for i, r := range d.rules {
		switch {
		case reasons[i] == "":
			if !expiredAt(lineExpiry(r.line), d.now) { // it holds no more
				valid = append(valid, r.line)
			}
		case r.id == 0:
			j := slices.IndexFunc(changes, func(ch Change) bool { return slices.Equal(changeLine(ch), r.line) })
			return changeError(changes, max(j, 0), reasons[i])
		case wasValid[r.id]:
			return setError(changes, "the changes would make the stored line %q invalid: %s", strings.Join(r.line, ", "), reasons[i])
		}
	}
	d.casbin, d.roleSet = casbinLines(valid, known, roles), roles
	had, err := anyPolicyAdmin(cur.casbin, cur.Assignments, known)
	if err != nil {
		return err
	}
	if !had {
		return nil
	}
	var assignments []Assignment
	for _, l := range valid {
		if l[0] == "g" {
			assignments = append(assignments, assignmentOf(l))
		}
	}
	has, err := anyPolicyAdmin(d.casbin, assignments, known)
	if err != nil {
		return err
	}
	if !has {
		return setError(changes, "the changes would leave no user who may change the access policy: assign %s (or another role that may update %s) to someone first",
			policy.AdminRole, policy.PolicyObject)
	}
	return nil
}

func changeLine(ch Change) []string {
	switch ch.Op {
	case Grant:
		return ch.Permission.line()
	case Assign:
		return ch.Assignment.line()
	case Group:
		return ch.FieldGroup.line()
	}
	return nil
}

// anyPolicyAdmin reports whether some user the lines assign a role may
// update the policy everywhere, as Casbin decides it.
func anyPolicyAdmin(lines [][]string, assignments []Assignment, known names) (bool, error) {
	e, err := policy.NewEnforcer(lines)
	if err != nil {
		return false, err
	}
	for _, a := range assignments {
		if !known.user(a.Subject) {
			continue
		}
		ok, err := e.Enforce(policy.UserSubject(a.Subject), "*", policy.PolicyObject, policy.ActionUpdate)
		if err != nil {
			return false, fmt.Errorf("decide who may change the policy: %w", err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// write stores the draft's changes.
func (d *draft) write(ctx context.Context, c *ent.Client) error {
	if d.fourEyes != nil {
		// The revision moves with it, so that an approval pinned to a
		// revision reviewed before the mode changed is reviewed again.
		if err := c.PolicyState.UpdateOneID(1).SetApproval(*d.fourEyes).AddRevision(1).Exec(ctx); err != nil {
			return fmt.Errorf("set four-eyes mode: %w", err)
		}
	}
	for _, id := range d.drop {
		if err := c.PolicyRule.DeleteOneID(id).Exec(ctx); err != nil {
			return fmt.Errorf("remove policy line %d: %w", id, err)
		}
	}
	if len(d.goneRole) > 0 {
		if _, err := c.PolicyRole.Delete().Where(policyrole.NameIn(d.goneRole...)).Exec(ctx); err != nil {
			return fmt.Errorf("remove roles: %w", err)
		}
	}
	var roles []*ent.PolicyRoleCreate
	for _, r := range d.newRole {
		roles = append(roles, c.PolicyRole.Create().SetName(r.Name).SetDescription(r.Description))
	}
	if len(roles) > 0 {
		if err := c.PolicyRole.CreateBulk(roles...).Exec(ctx); err != nil {
			return fmt.Errorf("store roles: %w", err)
		}
	}
	var rules []*ent.PolicyRuleCreate
	for _, r := range d.rules {
		if r.id == 0 {
			rules = append(rules, create(c, r.line))
		}
	}
	if len(rules) > 0 {
		if err := c.PolicyRule.CreateBulk(rules...).Exec(ctx); err != nil {
			return fmt.Errorf("store policy lines: %w", err)
		}
	}
	return nil
}

func create(c *ent.Client, line []string) *ent.PolicyRuleCreate {
	v := make([]string, 6)
	copy(v, line[1:])
	return c.PolicyRule.Create().SetPtype(line[0]).
		SetV0(v[0]).SetV1(v[1]).SetV2(v[2]).SetV3(v[3]).SetV4(v[4]).SetV5(v[5])
}

// requestID is the id of the request ctx serves, for an audit event, or
// nil outside a request.
func requestID(ctx context.Context) *string {
	if id := benkan.RequestID(ctx); id != "" {
		return &id
	}
	return nil
}
