package policy

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"entgo.io/ent/entql"
	"github.com/casbin/casbin/v2/util"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/gid"
)

// ExplainQuery asks why a user, or a role held in a domain, may or may not
// do an action on an object, and optionally on one row.
type ExplainQuery struct {
	// Subject is an existing user's token subject; empty to explain a role.
	Subject string
	// Role is the role of a hypothetical user, when Subject is empty.
	Role string
	// Domain is, for a role, the domain it is held in ("*" if empty); for
	// a user, the domain the decision is asked in ("" for any domain the
	// user holds a role in).
	Domain string
	// Organization is the hypothetical user's organization, if any.
	Organization gid.ID
	// Object and Action are as permission lines write them.
	Object, Action string
	// ID is a row of the object's type to explain the decision on; empty
	// for none.
	ID gid.ID
}

// Explanation is why a decision is what it is: the decision, the
// assignments the viewer holds, and the permission lines that grant it, as
// the policy writes them. Every part comes from the code that decides
// requests (Holds, the compiled row filters, CanReadField), never from a
// second reading of the policy.
type Explanation struct {
	// Subject names who the decision is for: a token subject, or the role
	// and domain of a hypothetical user (as PreviewTarget writes it).
	Subject string
	// Object and Action are what was asked.
	Object, Action string
	// Domain is the domain the decision was asked in; nil for any domain
	// the viewer holds a role in.
	Domain *string
	// Allowed is the decision, as Holds makes it (and Casbin's Enforce,
	// which the agreement test keeps equal).
	Allowed bool
	// Assignments are every role the viewer holds, with the lines that
	// give it.
	Assignments []*ExplainedAssignment
	// Grants are the permission lines that allow the action; none for a
	// denial.
	Grants []*ExplainedGrant
	// Held are, for a denial, the viewer's lines for the same action on
	// the same type: what it may do instead.
	Held []*ExplainedGrant
	// Row is the decision on the row asked, if one was.
	Row *ExplainedRow
}

// ExplainedAssignment is a role a viewer holds in a domain.
type ExplainedAssignment struct {
	Role, Domain string
	// Lines are the g lines through which the viewer holds the role: the
	// user's assignment, then the roles it inherits through, in order.
	Lines []string
}

// ExplainedGrant is a permission line and how it covers the object asked.
type ExplainedGrant struct {
	// Role and Domain are the assignment the line belongs to.
	Role, Domain string
	// Line is the permission line as the policy writes it.
	Line string
	// Covers says how the line covers the object: one of the Covers
	// constants, "" for a line of Held.
	Covers string
	// Group is the g2 line that puts the field asked in the line's field
	// group, when Covers is CoversGroup.
	Group *string
}

// ExplainedRow is the decision on one row, and which scope atoms of which
// lines admit it, decided by the SQL predicates requests run.
type ExplainedRow struct {
	ID   gid.ID
	Type string
	// Visible reports whether the viewer's queries return the row.
	Visible bool
	// Allowed is the decision on the row: the row read (and, for a field,
	// the field not masked on it), or the row one the viewer may create or
	// update as it is.
	Allowed bool
	// Grants are the lines that decide the row, each with its verdict.
	Grants []*ExplainedRowGrant
	// Notes are what the verdicts alone do not say.
	Notes []string
}

// ExplainedRowGrant is one line's verdict on a row.
type ExplainedRowGrant struct {
	Role, Domain, Line string
	// Purpose is "object" for a line that grants the object asked, "row"
	// for a line that grants the rows a field is read on.
	Purpose string
	// Admitted reports whether the line's whole scope holds for the row,
	// with its parent (an involvement's incident) readable by the role.
	Admitted bool
	// RefusedBy are the scope's atoms that, each alone, refuse the row.
	RefusedBy []string
	// ParentRefused reports whether the row's parent (the incident of an
	// involvement or follow-up) is hidden from the same role.
	ParentRefused bool
}

// Purposes of an ExplainedRowGrant.
const (
	PurposeObject = "object"
	PurposeRow    = "row"
)

// Explain explains q against the policy in force: the viewer is the one a
// request of the user would run with (Viewer), or, for a role, that of a
// hypothetical user holding it (as Preview builds it). ctx decides which
// rows q.ID may name: a row the caller does not see is NOT_FOUND, as for
// one that does not exist, so that explain shows nothing of rows the
// caller could not read itself. Whether the caller may read the policy is
// the caller's to check (policy/store.Explain does).
//
// BAD_USER_INPUT for an object, action, field group or id the policy could
// not name; NOT_FOUND for a user, role, locality or organization that does
// not exist.
func (e *Engine) Explain(ctx context.Context, q ExplainQuery) (*Explanation, error) {
	typ, err := e.checkExplained(q)
	if err != nil {
		return nil, err
	}
	v, lines, casbinSubject, domain, err := e.explainedViewer(ctx, q)
	if err != nil {
		return nil, err
	}
	x := &Explanation{Subject: v.Subject, Object: q.Object, Action: q.Action}
	if domain != "" {
		x.Domain = &domain
	}
	if domain != "" {
		x.Allowed = v.Holds(domain, q.Object, q.Action)
	}
	_, field, _ := splitObject(q.Object)
	for _, a := range v.Assignments {
		x.Assignments = append(x.Assignments, &ExplainedAssignment{Role: a.Role, Domain: a.Domain, Lines: heldThrough(lines, casbinSubject, a.Role, a.Domain)})
		if domain != "" && a.Domain != domain && a.Domain != "*" {
			continue
		}
		if domain == "" && v.Holds(a.Domain, q.Object, q.Action) {
			x.Allowed = true // held in some domain
		}
		for _, g := range a.Grants {
			how := g.covers(v.groups, q.Object, q.Action)
			switch {
			case how != "":
				eg := explainedGrant(lines, g, how)
				if how == CoversGroup {
					s := fmt.Sprintf("g2, %s.%s, %s", typ, field, g.Object)
					eg.Group = &s
				}
				x.Grants = append(x.Grants, eg)
			case g.Action == q.Action && (objectTypeOf(g.Object) == typ || g.Object == "*"):
				x.Held = append(x.Held, explainedGrant(lines, g, ""))
			}
		}
	}
	if x.Allowed {
		x.Held = nil
	}
	if q.ID != "" {
		if x.Row, err = e.explainRow(ctx, v, lines, q, typ, x.Allowed); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// checkExplained checks the object, action and id of q, and returns the
// type the object names ("" for "*").
func (e *Engine) checkExplained(q ExplainQuery) (string, error) {
	if err := CheckObject(q.Object); err != nil {
		return "", &benkan.Error{Code: benkan.EINVALID, Field: "object", Message: err.Error()}
	}
	if err := CheckAction(q.Action); err != nil {
		return "", &benkan.Error{Code: benkan.EINVALID, Field: "action", Message: err.Error()}
	}
	typ := objectTypeOf(q.Object)
	if strings.Contains(q.Object, ":") && len(e.groupFields(q.Object)) == 0 {
		return "", benkan.FieldErrorf("object", "the access policy has no field group %q", q.Object)
	}
	if q.ID != "" && (typ == "*" || typ == PolicyObject) {
		return "", benkan.FieldErrorf("id", "%s has no rows: give an object of a type to explain a row", q.Object)
	}
	return typ, nil
}

// groupFields returns the fields (as "Type.field") of a field group in the
// policy in force.
func (e *Engine) groupFields(group string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []string
	for f, gs := range e.groups {
		if slices.Contains(gs, group) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// explainedViewer builds the viewer q is about, and returns it with the
// lines it was built from, its Casbin subject, and the domain the decision
// is asked in ("" for any).
func (e *Engine) explainedViewer(ctx context.Context, q ExplainQuery) (*Viewer, [][]string, string, string, error) {
	e.mu.RLock()
	lines, loaded := e.lines, e.loaded
	e.mu.RUnlock()
	if !loaded {
		return nil, nil, "", "", benkan.Errorf(benkan.EUNAVAILABLE, "the access policy is not loaded yet")
	}
	switch {
	case q.Subject != "" && q.Role != "":
		return nil, nil, "", "", benkan.FieldErrorf("role", "explain a user (subject) or a role, not both")
	case q.Subject != "":
		if q.Organization != "" {
			return nil, nil, "", "", benkan.FieldErrorf("organization", "a user's organization is the user's own: give one only with a role")
		}
		if err := e.domainExists(ctx, q.Domain); err != nil {
			return nil, nil, "", "", err
		}
		v, err := e.build(ctx, q.Subject)
		if be := (*benkan.Error)(nil); errors.As(err, &be) && be.Code == benkan.EUNAUTHENTICATED {
			err = benkan.Errorf(benkan.ENOTFOUND, "no user has the subject %q", q.Subject)
		}
		return v, lines, UserSubject(q.Subject), q.Domain, err
	case q.Role != "":
		domain := q.Domain
		if domain == "" {
			domain = "*"
		}
		v, err := e.hypothetical(ctx, PreviewTarget{Role: q.Role, Domain: domain, Organization: q.Organization})
		with := append(slices.Clip(lines), []string{"g", previewSubject, q.Role, domain})
		return v, with, previewSubject, domain, err
	}
	return nil, nil, "", "", benkan.FieldErrorf("subject", "give a user's subject, or a role (and a domain) to explain")
}

// domainExists returns NOT_FOUND unless domain is "", "*" or a locality's id.
func (e *Engine) domainExists(ctx context.Context, domain string) error {
	if domain == "" || domain == "*" {
		return nil
	}
	ok, err := e.client.Locality.Query().Where(locality.ID(gid.ID(domain))).Exist(SystemContext(ctx))
	if err != nil {
		return fmt.Errorf("look up the domain: %w", err)
	}
	if !ok {
		return benkan.Errorf(benkan.ENOTFOUND, "no locality has the id %q: a domain is \"*\" or a locality's id", domain)
	}
	return nil
}

// objectTypeOf returns the type an object names: "Incident" of
// "Incident", "Incident.summary" and "Incident:shareable"; "*" of "*".
func objectTypeOf(object string) string {
	if i := strings.IndexAny(object, ".:"); i >= 0 {
		return object[:i]
	}
	return object
}

func explainedGrant(lines [][]string, g *Grant, how string) *ExplainedGrant {
	return &ExplainedGrant{Role: g.assignment.Role, Domain: g.assignment.Domain, Line: writtenLine(lines, g), Covers: how}
}

// writtenLine returns the permission line g was made from as the policy
// writes it (Casbin hands a role's permissions with the domain asked in
// place of the line's own): the line of g's role, object and action whose
// domain matches the assignment's (keyMatch, as Casbin matches it) and
// whose scope is g's.
func writtenLine(lines [][]string, g *Grant) string {
	for _, l := range lines {
		if l[0] != "p" || l[1] != g.assignment.Role || l[3] != g.Object || l[4] != g.Action || !util.KeyMatch(g.assignment.Domain, l[2]) {
			continue
		}
		if s, err := ParseScope(objectTypeOf(g.Object), l[5]); err == nil && slices.Equal(s, g.Scope) {
			return strings.Join(l, ", ")
		}
	}
	return strings.Join([]string{"p", g.assignment.Role, g.assignment.Domain, g.Object, g.Action, g.Scope.String()}, ", ")
}

// heldThrough returns the g lines through which subject holds role in
// domain, shortest chain first found: the user's own assignment, then each
// role it inherits the next from. Domains match as Casbin's role manager
// matches them (keyMatch: a line of "*" holds in every domain).
func heldThrough(lines [][]string, subject, role, domain string) []string {
	type step struct {
		from string
		line []string
	}
	came := map[string]step{subject: {}}
	queue := []string{subject}
	for len(queue) > 0 && !slices.Contains(queue, role) {
		at := queue[0]
		queue = queue[1:]
		for _, l := range lines {
			if l[0] != "g" || l[1] != at || !util.KeyMatch(domain, l[3]) {
				continue
			}
			if _, seen := came[l[2]]; !seen {
				came[l[2]] = step{from: at, line: l}
				queue = append(queue, l[2])
			}
		}
	}
	if _, ok := came[role]; !ok || role == subject {
		return nil
	}
	var out []string
	for at := role; at != subject; at = came[at].from {
		l := slices.Clone(came[at].line)
		l[1] = writtenSubject(l[1])
		out = append([]string{strings.Join(l, ", ")}, out...)
	}
	return out
}

// writtenSubject is a Casbin subject as the stored policy writes it: a
// user by token subject, a role by name.
func writtenSubject(s string) string {
	if s == previewSubject {
		return "(hypothetical user)"
	}
	return strings.TrimPrefix(s, UserSubject(""))
}

// explainRow decides q on the row q.ID: whether the viewer sees it, the
// decision on it, and each deciding line's verdict, every one of them by
// running the SQL predicate requests add to their queries.
func (e *Engine) explainRow(ctx context.Context, v *Viewer, lines [][]string, q ExplainQuery, typ string, holds bool) (*ExplainedRow, error) {
	n, err := e.client.Noder(ctx, q.ID, ent.WithNodeType(ent.IDToType))
	if ent.IsNotFound(err) || err == nil && n == nil {
		return nil, &benkan.Error{Code: benkan.ENOTFOUND, Field: "id", Message: fmt.Sprintf("no row you may read has the id %q", q.ID)}
	}
	if err != nil {
		return nil, fmt.Errorf("load the row to explain: %w", err)
	}
	if got := reflect.TypeOf(n).Elem().Name(); got != typ {
		return nil, benkan.FieldErrorf("id", "%s is a %s, not a %s", q.ID, got, typ)
	}
	r := &ExplainedRow{ID: q.ID, Type: typ}
	exist := func(p entql.P) (bool, error) { return e.rowSatisfies(ctx, typ, q.ID, p) }
	if r.Visible, err = exist(v.Filter(ActionRead, typ)); err != nil {
		return nil, err
	}
	_, field, isField := splitObject(q.Object)
	c := &compiler{v: v}
	verdict := func(g *Grant, purpose string) (*ExplainedRowGrant, error) {
		a := g.assignment
		out := &ExplainedRowGrant{Role: a.Role, Domain: a.Domain, Line: writtenLine(lines, g), Purpose: purpose, RefusedBy: []string{}}
		var err error
		if out.Admitted, err = exist(and(c.scope(typ, g), c.parent(a, g.Action, typ))); err != nil {
			return nil, err
		}
		for _, name := range g.Scope {
			if isProtection(name) {
				continue // how rows are counted, not which: it refuses none
			}
			ok, err := exist(atoms[typ][name].sql(c, a))
			if err != nil {
				return nil, err
			}
			if !ok {
				out.RefusedBy = append(out.RefusedBy, name)
			}
		}
		if p := c.parent(a, g.Action, typ); p != nil {
			ok, err := exist(p)
			if err != nil {
				return nil, err
			}
			out.ParentRefused = !ok
		}
		return out, nil
	}
	objectAdmits := false
	for _, a := range v.Assignments {
		if q.Domain != "" && a.Domain != q.Domain && a.Domain != "*" {
			continue
		}
		var rows, objects []*Grant
		for _, g := range a.Grants {
			if g.covers(v.groups, q.Object, q.Action) != "" {
				objects = append(objects, g)
			} else if q.Action == ActionRead && q.Object != typ && g.Action == ActionRead && g.coversType(typ, false) {
				rows = append(rows, g)
			}
		}
		if len(objects) == 0 {
			continue
		}
		for _, g := range objects {
			gv, err := verdict(g, PurposeObject)
			if err != nil {
				return nil, err
			}
			objectAdmits = objectAdmits || gv.Admitted
			r.Grants = append(r.Grants, gv)
			if q.Action == ActionRead && !v.FullyReadable(typ, field) {
				for _, name := range g.Scope {
					if atoms[typ][name].row == nil {
						r.Notes = append(r.Notes, fmt.Sprintf("%s: atom %s is decided only in SQL, so a field it scopes counts as masked on rows where the field is not readable on every row the viewer sees", writtenLine(lines, g), name))
					}
				}
			}
		}
		for _, g := range rows {
			gv, err := verdict(g, PurposeRow)
			if err != nil {
				return nil, err
			}
			r.Grants = append(r.Grants, gv)
		}
	}
	switch {
	case q.Action == ActionRead && q.Object == typ:
		r.Allowed = r.Visible
	case q.Action == ActionRead:
		r.Allowed = r.Visible && holds
		for _, f := range e.fieldsOf(typ, field, isField, q.Object) {
			if !v.CanReadField(typ, f, n) {
				r.Allowed = false
				r.Notes = append(r.Notes, fmt.Sprintf("%s.%s is masked on this row", typ, f))
			}
		}
	default:
		leaves, err := exist(v.Filter(q.Action, typ))
		if err != nil {
			return nil, err
		}
		r.Allowed = holds && leaves && (q.Object == typ || objectAdmits) && (q.Action != ActionUpdate || r.Visible)
		if !leaves {
			r.Notes = append(r.Notes, fmt.Sprintf("the row is not one the viewer may %s: no %s line of %s admits it", q.Action, q.Action, typ))
		}
	}
	if r.Grants == nil {
		r.Grants = []*ExplainedRowGrant{}
	}
	return r, nil
}

// fieldsOf returns the fields a read object names: the field, every field
// of the type for "Type.*", or the fields of a group.
func (e *Engine) fieldsOf(typ, field string, isField bool, object string) []string {
	switch {
	case isField && field == "*":
		return ent.Fields[typ]
	case isField:
		return []string{field}
	}
	var out []string
	for _, f := range e.groupFields(object) {
		out = append(out, strings.TrimPrefix(f, typ+"."))
	}
	return out
}

// rowSatisfies reports whether the row id of typ satisfies p (nil: every
// row), read past the privacy rules with p applied explicitly, as the
// mutation checks read (see exists).
func (e *Engine) rowSatisfies(ctx context.Context, typ string, id gid.ID, p entql.P) (bool, error) {
	if p == never {
		return false, nil
	}
	return anyRow(ctx, e.client, typ, p, fmt.Sprintf("explain %s %s", typ, id), id)
}
