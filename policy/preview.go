package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/audit"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/ent/organization"
	"github.com/benkan-project/benkan/gid"
)

// PreviewTarget is who an administrator previews a request as: a user, by
// token subject, or a role held in a domain by a user that does not exist
// (yet), optionally of an organization.
type PreviewTarget struct {
	// Subject is the token subject of an existing user; empty for a role.
	Subject string
	// Role and Domain are the hypothetical assignment when Subject is
	// empty: a role of the policy, held in "*" or a locality's id.
	Role, Domain string
	// Organization is the hypothetical user's organization, if any: it
	// decides own_unit scopes and the pseudonyms the user would see.
	Organization gid.ID
}

// String describes t as the audit trail and error messages name it.
func (t PreviewTarget) String() string {
	if t.Subject != "" {
		return t.Subject
	}
	s := "role=" + t.Role + "; domain=" + t.Domain
	if t.Organization != "" {
		s += "; organization=" + string(t.Organization)
	}
	return s
}

// previewSubject is the Casbin subject of a hypothetical user. It has no
// "user:" prefix, so it is nobody's UserSubject, and no role name has a
// ":", so it is no role either: only the assignment line added for it
// gives it anything.
const previewSubject = "preview:hypothetical"

// userPrefix is the prefix of users' ids (ent/schema/user.go).
const userPrefix = "usr"

// Preview returns the viewer a request previewed by the administrator by
// runs with: exactly the viewer target would have (built by Casbin from
// the policy in force, like any other), marked as previewed by by, so that
// the audit trail names by and never forges an entry in target's name. It
// records the preview as a PREVIEW AuditEvent before returning.
//
// It is FORBIDDEN unless by may update the policy (a preview shows what
// everyone may read, so it is an administrator's tool), NOT_FOUND for a
// subject no user has, a role the policy does not know, or a domain or
// organization that does not exist. Preview decides nothing about the
// request itself: the caller refuses mutations (see server/preview.go).
func (e *Engine) Preview(ctx context.Context, by *Viewer, target PreviewTarget) (*Viewer, error) {
	if !by.MayPolicy(ActionUpdate) {
		return nil, benkan.Errorf(benkan.EFORBIDDEN, "only a user who may update the access policy may preview as another user")
	}
	var v *Viewer
	var err error
	if target.Subject != "" {
		v, err = e.build(ctx, target.Subject)
		if be := (*benkan.Error)(nil); errors.As(err, &be) && be.Code == benkan.EUNAUTHENTICATED {
			err = benkan.Errorf(benkan.ENOTFOUND, "no user has the subject %q to preview as", target.Subject)
		}
	} else {
		v, err = e.hypothetical(ctx, target)
	}
	if err != nil {
		return nil, err
	}
	v.previewedBy = by.Subject
	objectType := "User"
	if target.Subject == "" {
		objectType = "Role"
	}
	decision := Clip(fmt.Sprintf("allowed: %s may update Policy; previewed as %s, holding %s", by.Subject, target, rolesOrNone(v)))
	err = audit.Append(ctx, e.client, e.client.AuditEvent.Create().
		SetSubject(by.Subject).
		SetAction(auditevent.ActionPREVIEW).
		SetObjectType(objectType).
		SetObjectID(Clip(target.String())).
		SetDecision(decision).
		SetNillableRequestID(requestIDOf(ctx)))
	if err != nil {
		return nil, fmt.Errorf("record the preview: %w", err)
	}
	return v, nil
}

// hypothetical builds the viewer of a user who would hold target.Role in
// target.Domain and nothing else: Casbin decides it from a copy of the
// policy's lines with that one assignment added, so that the preview of a
// role is the policy's answer, not benkan's reading of it.
func (e *Engine) hypothetical(ctx context.Context, target PreviewTarget) (*Viewer, error) {
	e.mu.RLock()
	lines, groups, domains, loaded := e.lines, e.groups, e.domains, e.loaded
	e.mu.RUnlock()
	if !loaded {
		return nil, benkan.Errorf(benkan.EUNAVAILABLE, "the access policy is not loaded yet")
	}
	if !slices.Contains(rolesOf(lines), target.Role) {
		return nil, benkan.Errorf(benkan.ENOTFOUND, "the access policy has no role %q to preview as", target.Role)
	}
	sys := SystemContext(ctx)
	if target.Domain != "*" {
		ok, err := e.client.Locality.Query().Where(locality.ID(gid.ID(target.Domain))).Exist(sys)
		if err != nil {
			return nil, fmt.Errorf("look up the preview's domain: %w", err)
		}
		if !ok {
			return nil, benkan.Errorf(benkan.ENOTFOUND, "no locality has the id %q: a domain is \"*\" or a locality's id", target.Domain)
		}
	}
	if target.Organization != "" {
		ok, err := e.client.Organization.Query().Where(organization.ID(target.Organization)).Exist(sys)
		if err != nil {
			return nil, fmt.Errorf("look up the preview's organization: %w", err)
		}
		if !ok {
			return nil, benkan.Errorf(benkan.ENOTFOUND, "no organization has the id %q", target.Organization)
		}
	}
	return e.holder(ctx, target, lines, groups, domains)
}

// holder builds the viewer of a user who would hold target.Role in
// target.Domain (of target.Organization, if set) and nothing else, from
// lines with that one assignment added, Casbin deciding.
func (e *Engine) holder(ctx context.Context, target PreviewTarget, lines [][]string, groups Groups, domains []string) (*Viewer, error) {
	// A fresh user id that no row holds: the hypothetical user has
	// collected nothing and is nobody's "self", as a new user would be.
	v := &Viewer{UserID: gid.New(userPrefix), Subject: target.String(), OrganizationID: target.Organization}
	with := append(slices.Clip(lines), []string{"g", previewSubject, target.Role, target.Domain})
	enforcer, err := NewEnforcer(with)
	if err != nil {
		return nil, fmt.Errorf("policy with the hypothetical assignment: %w", err)
	}
	return e.complete(ctx, v, enforcer, previewSubject, groups, domains)
}

// rolesOf returns the roles lines name: those permission lines grant to and
// those assignments give.
func rolesOf(lines [][]string) []string {
	var out []string
	for _, l := range lines {
		var r string
		switch l[0] {
		case "p":
			r = l[1]
		case "g":
			r = l[2]
		default:
			continue
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

func rolesOrNone(v *Viewer) string {
	roles := v.Roles()
	if len(roles) == 0 {
		return "no role"
	}
	return "roles " + fmt.Sprint(roles)
}

// Clip cuts s to the 255 bytes audit columns hold, on a character
// boundary: a cut inside an accented letter is invalid UTF-8, which
// PostgreSQL refuses, and the preview would go unrecorded.
func Clip(s string) string {
	if len(s) <= 255 {
		return s
	}
	cut := 252
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// PreviewedBy returns the token subject of the administrator previewing a
// request as v, or "" when v acts for its own user: whoever writes the
// audit trail names that administrator, who is the one reading.
func (v *Viewer) PreviewedBy() string {
	if v == nil {
		return ""
	}
	return v.previewedBy
}

// requestIDOf is the id of the request ctx serves, for an audit event, or
// nil outside a request.
func requestIDOf(ctx context.Context) *string {
	if id := benkan.RequestID(ctx); id != "" {
		return &id
	}
	return nil
}
