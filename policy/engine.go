package policy

import (
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/casbin/casbin/v2"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/user"
	"github.com/benkan-project/benkan/gid"
)

// DefaultPolicy is the policy benkan starts with: DESIGN.md's matrix. The
// policy store writes it into an empty database; from then on the stored
// policy is the one in force.
//
//go:embed default.csv
var DefaultPolicy string

// Roles are the roles of the default policy.
var Roles = []string{AdminRole, "amdh_coordinator", "amdh_monitor", "dihr_partner", "fsi_liaison"}

// Snapshot is a policy as the engine puts it in force: lines that the
// policy store has validated, ptype first as in Casbin's CSV, and the
// store's revision they were read at. The engine knows nothing of how a
// policy is stored or changed.
//
// In a snapshot's g lines a user is written UserSubject(subject) and a role
// by its name, so that Casbin, which has one namespace for both, never
// takes a user for the role of the same name (the demo's user "admin").
type Snapshot struct {
	// Revision is the store's revision of the policy.
	Revision int64
	// Lines are the policy's valid lines.
	Lines [][]string
}

// Engine holds the policy in force, as a Casbin enforcer, and builds the
// viewers of requests from it. It is safe for concurrent use.
type Engine struct {
	client *ent.Client

	mu       sync.RWMutex
	enforcer *casbin.Enforcer
	groups   Groups
	domains  []string   // the domains permission lines name, "*" aside
	lines    [][]string // the snapshot's lines, for viewers of hypothetical users (preview.go)
	revision int64
	loaded   bool
	version  uint64 // increased by every Use: viewers of an older one are dropped

	viewers    sync.Map // subject → cachedViewer
	viewerTTL  time.Duration
	localities localityTree
}

type cachedViewer struct {
	v       *Viewer
	version uint64
	at      time.Time
}

// NewEngine returns an engine that reads users and localities through
// client. It decides nothing until a snapshot is put in force with Use.
func NewEngine(client *ent.Client) *Engine {
	return &Engine{
		client:     client,
		viewerTTL:  2 * time.Second,
		localities: localityTree{client: client, ttl: 30 * time.Second},
	}
}

// Use puts s in force. No viewer built from an earlier snapshot is handed
// out once Use has returned.
func (e *Engine) Use(s *Snapshot) error {
	enforcer, err := NewEnforcer(s.Lines)
	if err != nil {
		return err
	}
	groups, domains := groupsAndDomains(s.Lines)
	e.mu.Lock()
	e.enforcer, e.groups, e.domains, e.revision, e.loaded = enforcer, groups, domains, s.Revision, true
	e.lines = s.Lines
	e.version++
	e.mu.Unlock()
	return nil
}

// groupsAndDomains returns the field groups of lines (g2) and the domains
// their permission lines name, "*" aside: what viewers are built from
// beside the enforcer.
func groupsAndDomains(lines [][]string) (Groups, []string) {
	groups := Groups{}
	var domains []string
	for _, l := range lines {
		switch l[0] {
		case "g2":
			groups[l[1]] = append(groups[l[1]], l[2])
		case "p":
			if l[2] != "*" && !slices.Contains(domains, l[2]) {
				domains = append(domains, l[2])
			}
		}
	}
	return groups, domains
}

// Revision returns the store revision of the snapshot in force, and
// whether one is.
func (e *Engine) Revision() (int64, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.revision, e.loaded
}

// UserSubject is how a user's token subject is written in the lines and
// requests Casbin sees. Role names have no ":", so no user is ever a role.
func UserSubject(subject string) string { return "user:" + subject }

// line is a parsed permission line.
type line struct {
	role, domain, object, action string
	scope                        Scope
}

// parseLine reads a permission line's values (role, domain, object, action,
// scope) for the grants it makes.
func parseLine(l []string) (line, error) {
	if len(l) != 5 {
		return line{}, fmt.Errorf("want role, domain, object, action, scope")
	}
	if err := CheckPermission(l[2], l[3], l[4]); err != nil {
		return line{}, err
	}
	out := line{role: l[0], domain: l[1], object: l[2], action: l[3]}
	typ := out.object
	if i := strings.IndexAny(typ, ".:"); i >= 0 {
		typ = typ[:i]
	}
	var err error
	if out.scope, err = ParseScope(typ, l[4]); err != nil {
		return line{}, err
	}
	return out, nil
}

// Viewer returns the viewer of the user whose token subject is subject,
// from a cache that a policy change or two seconds empty.
func (e *Engine) Viewer(ctx context.Context, subject string) (*Viewer, error) {
	e.mu.RLock()
	version, loaded := e.version, e.loaded
	e.mu.RUnlock()
	if !loaded {
		return nil, benkan.Errorf(benkan.EUNAVAILABLE, "the access policy is not loaded yet")
	}
	if c, ok := e.viewers.Load(subject); ok {
		cv := c.(cachedViewer)
		if cv.version == version && time.Since(cv.at) < e.viewerTTL {
			return cv.v, nil
		}
	}
	v, err := e.build(ctx, subject)
	if err != nil {
		return nil, err
	}
	e.viewers.Store(subject, cachedViewer{v: v, version: version, at: time.Now()})
	return v, nil
}

func (e *Engine) build(ctx context.Context, subject string) (*Viewer, error) {
	sys := SystemContext(ctx)
	u, err := e.client.User.Query().Where(user.Subject(subject)).WithOrganization().Only(sys)
	if ent.IsNotFound(err) {
		return nil, benkan.Errorf(benkan.EUNAUTHENTICATED, "the token names no user of benkan")
	}
	if err != nil {
		return nil, fmt.Errorf("load user: %w", err)
	}
	v := &Viewer{UserID: u.ID, Subject: u.Subject}
	if u.Edges.Organization != nil {
		v.OrganizationID = u.Edges.Organization.ID
	}
	e.mu.RLock()
	enforcer, groups, domains := e.enforcer, e.groups, e.domains
	e.mu.RUnlock()
	return e.complete(ctx, v, enforcer, UserSubject(subject), groups, domains)
}

// complete gives v the assignments Casbin says enforcer grants to
// casbinSubject, with their localities, and compiles it: the part of
// building a viewer that does not depend on who the user is.
func (e *Engine) complete(ctx context.Context, v *Viewer, enforcer *casbin.Enforcer, casbinSubject string, groups Groups, domains []string) (*Viewer, error) {
	var err error
	v.groups = groups
	if v.Assignments, err = AssignmentsOf(enforcer, casbinSubject, domains); err != nil {
		return nil, err
	}
	for _, a := range v.Assignments {
		if a.Domain != "*" {
			if a.Localities, err = e.localities.below(ctx, gid.ID(a.Domain)); err != nil {
				return nil, err
			}
		}
	}
	if v.OrganizationID != "" && v.usesAtom("Incident", "own_unit") {
		n, err := countUnitAllegations(ctx, e.client, v.OrganizationID)
		if err != nil {
			return nil, err
		}
		v.unitAllegations = &n
	}
	v.compile()
	return v, nil
}
