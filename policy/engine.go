package policy

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/ent/user"
	"github.com/benkan-project/benkan/gid"
)

//go:embed model.conf
var modelText string

// DefaultPolicy is the policy benkan starts with: DESIGN.md's matrix.
//
//go:embed default.csv
var DefaultPolicy string

// Roles are the roles of the default policy.
var Roles = []string{"admin", "amdh_coordinator", "amdh_monitor", "dihr_partner", "fsi_liaison"}

// Engine holds the Casbin policy and builds the viewers of requests.
// It is safe for concurrent use.
type Engine struct {
	client *ent.Client

	mu       sync.RWMutex
	enforcer *casbin.Enforcer
	groups   Groups
	version  uint64
	loaded   fingerprint // of the stored policy the enforcer was loaded from

	viewers    sync.Map // subject → cachedViewer
	viewerTTL  time.Duration
	localities localityTree
}

type cachedViewer struct {
	v       *Viewer
	version uint64
	at      time.Time
}

// NewEngine loads the policy stored in the database, storing DefaultPolicy
// first when the database holds no permission yet.
func NewEngine(ctx context.Context, client *ent.Client) (*Engine, error) {
	n, err := client.PolicyRule.Query().Count(SystemContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("count policy rules: %w", err)
	}
	if n == 0 {
		if err := seedDefault(ctx, client); err != nil {
			return nil, err
		}
	}
	e := &Engine{
		client:     client,
		viewerTTL:  2 * time.Second,
		localities: localityTree{client: client, ttl: 30 * time.Second},
	}
	if err := e.Reload(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// newEnforcer loads the stored policy into a new Casbin enforcer.
func newEnforcer(client *ent.Client) (*casbin.Enforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("load policy model: %w", err)
	}
	e, err := casbin.NewEnforcer(m, adapter{client: client})
	if err != nil {
		return nil, fmt.Errorf("load policy: %w", err)
	}
	return e, nil
}

// seedDefault stores DefaultPolicy's lines.
func seedDefault(ctx context.Context, client *ent.Client) error {
	var creates []*ent.PolicyRuleCreate
	for _, line := range strings.Split(DefaultPolicy, "\n") {
		fields := splitLine(line)
		if len(fields) == 0 {
			continue
		}
		creates = append(creates, create(client, fields[0], fields[1:]))
	}
	if err := client.PolicyRule.CreateBulk(creates...).Exec(SystemContext(ctx)); err != nil {
		return fmt.Errorf("store default policy: %w", err)
	}
	return nil
}

// splitLine splits a CSV policy line, or returns nil for a blank or comment.
func splitLine(line string) []string {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return nil
	}
	parts := strings.Split(line, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// checkPolicy validates every line of a loaded policy and returns its field
// groups; a policy benkan cannot read is refused whole (fail closed).
func checkPolicy(e *casbin.Enforcer) (Groups, error) {
	p, err := e.GetPolicy()
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	for _, line := range p {
		if _, err := parseLine(line); err != nil {
			return nil, fmt.Errorf("policy line %s: %w", strings.Join(line, ", "), err)
		}
	}
	g2, err := e.GetNamedGroupingPolicy("g2")
	if err != nil {
		return nil, fmt.Errorf("read field groups: %w", err)
	}
	groups := Groups{}
	for _, line := range g2 {
		if len(line) != 2 || !strings.Contains(line[0], ".") || !strings.Contains(line[1], ":") {
			return nil, fmt.Errorf("field group line %v: want Type.field, Type:group", line)
		}
		groups[line[0]] = append(groups[line[0]], line[1])
	}
	return groups, nil
}

// line is a parsed permission line.
type line struct {
	role, domain, object, action string
	scope                        Scope
}

func parseLine(l []string) (line, error) {
	if len(l) != 5 {
		return line{}, fmt.Errorf("want role, domain, object, action, scope")
	}
	out := line{role: l[0], domain: l[1], object: l[2], action: l[3]}
	typ := out.object
	if i := strings.IndexAny(typ, ".:"); i >= 0 {
		typ = typ[:i]
	}
	if typ != "*" && atoms[typ] == nil {
		return line{}, fmt.Errorf("unknown type %q", typ)
	}
	switch out.action {
	case ActionRead, ActionCreate, ActionUpdate:
	default:
		return line{}, fmt.Errorf("unknown action %q", out.action)
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
	version := e.version
	e.mu.RUnlock()
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
	defer e.mu.RUnlock()
	v.groups = e.groups
	assigned, err := e.enforcer.GetFilteredNamedGroupingPolicy("g", 0, subject)
	if err != nil {
		return nil, fmt.Errorf("read role assignments: %w", err)
	}
	for _, g := range assigned {
		if len(g) < 3 {
			continue
		}
		a := &Assignment{Role: g[1], Domain: g[2]}
		if a.Domain != "*" {
			if a.Localities, err = e.localities.below(ctx, gid.ID(a.Domain)); err != nil {
				return nil, err
			}
		}
		lines, err := e.enforcer.GetFilteredPolicy(0, a.Role)
		if err != nil {
			return nil, fmt.Errorf("read permissions of %s: %w", a.Role, err)
		}
		for _, l := range lines {
			pl, err := parseLine(l)
			if err != nil {
				return nil, fmt.Errorf("policy line %v: %w", l, err)
			}
			if pl.domain != "*" && pl.domain != a.Domain {
				continue
			}
			a.Grants = append(a.Grants, &Grant{Object: pl.object, Action: pl.action, Scope: pl.scope, assignment: a})
		}
		v.Assignments = append(v.Assignments, a)
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

// Assign gives subject the role in domain ("*" or a locality id).
// The change is stored, takes effect at once for new requests, and is
// written to the audit log with the acting viewer (or "benkan" itself).
func (e *Engine) Assign(ctx context.Context, subject, role, domain string) error {
	e.mu.Lock()
	added, err := e.enforcer.AddNamedGroupingPolicy("g", subject, role, domain)
	e.version++
	e.mu.Unlock()
	if err != nil {
		return fmt.Errorf("assign %s to %s in %s: %w", role, subject, domain, err)
	}
	if !added {
		return nil
	}
	actor := "benkan"
	if v := FromContext(ctx); !v.IsAnonymous() {
		actor = v.Subject
	}
	err = e.client.AuditEvent.Create().
		SetSubject(actor).
		SetAction(auditevent.ActionPOLICY_CHANGE).
		SetObjectType("Policy").
		SetObjectID(strings.Join([]string{"g", subject, role, domain}, ", ")).
		SetDecision("role assigned").
		Exec(SystemContext(ctx))
	if err != nil {
		return fmt.Errorf("audit role assignment: %w", err)
	}
	return nil
}
