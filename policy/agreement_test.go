package policy

// The agreement test: for every request a policy can be asked, Casbin's
// Enforce over model.conf and benkan's compiled decision (Viewer.Holds of
// the viewer AssignmentsOf builds) say the same. model.conf is the
// documented meaning of a policy; the compiled viewer is what requests get.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/demo"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/gid"
)

// agreementViewer builds the viewer of subject from lines as Engine.Use and
// Engine.build do, without a database: the enforcer, the field groups and
// the permission domains of the lines.
func agreementViewer(t *testing.T, lines [][]string, subject string) *Viewer {
	t.Helper()
	e, err := NewEnforcer(lines)
	if err != nil {
		t.Fatalf("NewEnforcer: %v\n%s", err, dump(lines))
	}
	groups, domains := groupsAndDomains(lines)
	as, err := AssignmentsOf(e, UserSubject(subject), domains)
	if err != nil {
		t.Fatalf("AssignmentsOf(%s): %v\n%s", subject, err, dump(lines))
	}
	v := &Viewer{UserID: gid.New("usr"), Subject: subject, Assignments: as, groups: groups}
	v.compile()
	return v
}

// nameable are the fields of typ a policy line may name: those of the
// schema but the ones never served (unnamed).
func nameable(typ string) []string {
	return slices.DeleteFunc(slices.Clone(ent.Fields[typ]), func(f string) bool { return slices.Contains(unnamed[typ], f) })
}

// agreementObjects are every object a request may name: each type and
// Policy, each field, each "Type.*", each field group the lines name, "*".
func agreementObjects(lines [][]string) []string {
	objs := []string{"*", PolicyObject}
	for _, typ := range Types {
		objs = append(objs, typ, typ+".*")
		for _, f := range nameable(typ) {
			objs = append(objs, typ+"."+f)
		}
	}
	for _, l := range lines {
		if l[0] == "g2" && !slices.Contains(objs, l[2]) {
			objs = append(objs, l[2])
		}
		if l[0] == "p" && !slices.Contains(objs, l[3]) {
			objs = append(objs, l[3])
		}
	}
	return objs
}

// agree compares Enforce with Holds for every subject × domain × object ×
// action and returns the disagreements found (at most a few).
func agree(t *testing.T, lines [][]string, subjects, domains []string) []string {
	t.Helper()
	e, err := NewEnforcer(lines)
	if err != nil {
		t.Fatalf("NewEnforcer: %v\n%s", err, dump(lines))
	}
	objects := agreementObjects(lines)
	var out []string
	for _, s := range subjects {
		v := agreementViewer(t, lines, s)
		for _, d := range domains {
			for _, o := range objects {
				for _, a := range Actions {
					want, err := e.Enforce(UserSubject(s), d, o, a)
					if err != nil {
						t.Fatalf("Enforce(%s, %s, %s, %s): %v", s, d, o, a, err)
					}
					if got := v.Holds(d, o, a); got != want {
						out = append(out, fmt.Sprintf("request (%s, %s, %s, %s): Casbin %v, Holds %v", UserSubject(s), d, o, a, want, got))
						if len(out) >= 5 {
							return out
						}
					}
				}
			}
		}
	}
	return out
}

func dump(lines [][]string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(strings.Join(l, ", ") + "\n")
	}
	return b.String()
}

// TestAgreementDefaultPolicy: the default policy, with the demo users
// holding their demo roles (in made-up communes for the users held in
// localities), decides every request as Casbin does.
func TestAgreementDefaultPolicy(t *testing.T) {
	lines := Lines(DefaultPolicy)
	communes := map[string]string{}
	domains := []string{"*"}
	var subjects []string
	for _, u := range demo.Users {
		subjects = append(subjects, u.Subject)
		if len(u.Localities) == 0 {
			lines = append(lines, []string{"g", UserSubject(u.Subject), u.Role, "*"})
			continue
		}
		for _, name := range u.Localities {
			if communes[name] == "" {
				communes[name] = string(gid.New("loc"))
				domains = append(domains, communes[name])
			}
			lines = append(lines, []string{"g", UserSubject(u.Subject), u.Role, communes[name]})
		}
	}
	domains = append(domains, string(gid.New("loc"))) // a locality no line names
	subjects = append(subjects, "nobody")             // a user without a role
	if bad := agree(t, lines, subjects, domains); len(bad) > 0 {
		t.Fatalf("Casbin and Holds disagree on the default policy:\n%s\npolicy:\n%s", strings.Join(bad, "\n"), dump(lines))
	}
	// The test compares something: the demo users do hold what the policy
	// says, and not more.
	admin := agreementViewer(t, lines, "admin")
	monitor := agreementViewer(t, lines, "monitor.niono")
	if !admin.Holds("*", PolicyObject, ActionUpdate) || monitor.Holds("*", PolicyObject, ActionRead) ||
		!monitor.Holds(communes["Niono"], "Incident.narrative", ActionRead) || monitor.Holds(communes["Niono"], "Locality", ActionUpdate) {
		t.Fatalf("the demo viewers do not hold what the default policy grants them")
	}
}

// TestAgreementRandomPolicies: a few hundred random valid policies (roles,
// permissions in "*" or localities, objects of every kind, assignments in
// domains, roles holding roles, field groups) decide every request as
// Casbin does.
func TestAgreementRandomPolicies(t *testing.T) {
	seed := rand.Uint64()
	if s := os.Getenv("BENKAN_AGREEMENT_SEED"); s != "" { // to replay a failure
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("BENKAN_AGREEMENT_SEED: %v", err)
		}
	}
	t.Logf("seed %d (replay with BENKAN_AGREEMENT_SEED=%d)", seed, seed)
	n := 300
	if testing.Short() {
		n = 40
	}
	for i := range n {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			lines, subjects, domains := randomPolicy(rand.New(rand.NewPCG(seed, uint64(i))))
			if bad := agree(t, lines, subjects, domains); len(bad) > 0 {
				t.Fatalf("seed %d, policy %d (rand.NewPCG(seed, %d)): Casbin and Holds disagree:\n%s\npolicy:\n%s", seed, i, i, strings.Join(bad, "\n"), dump(lines))
			}
		})
	}
}

// randomPolicy returns a valid policy (as the store would hand it on: users
// written UserSubject), its users and the domains to ask about: "*", its
// localities and one no line names.
func randomPolicy(r *rand.Rand) (lines [][]string, subjects, domains []string) {
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	locs := []string{string(gid.New("loc")), string(gid.New("loc")), string(gid.New("loc"))}
	domain := func() string {
		if r.IntN(2) == 0 {
			return "*"
		}
		return pick(locs)
	}
	roles := make([]string, 1+r.IntN(4))
	for i := range roles {
		roles[i] = fmt.Sprintf("role%d", i)
	}
	subjects = make([]string, 1+r.IntN(3))
	for i := range subjects {
		subjects[i] = fmt.Sprintf("u%d", i)
	}
	add := func(l ...string) {
		if !slices.ContainsFunc(lines, func(x []string) bool { return slices.Equal(x, l) }) {
			lines = append(lines, l)
		}
	}
	// Field groups: a few fields of a few types in groups of their type.
	var groups []string
	for range r.IntN(6) {
		typ := pick(Types)
		if len(nameable(typ)) == 0 {
			continue
		}
		g := typ + ":" + pick([]string{"a", "b"})
		add("g2", typ+"."+pick(nameable(typ)), g)
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	object := func() string {
		typ := pick(Types)
		switch r.IntN(7) {
		case 0:
			return "*"
		case 1:
			return PolicyObject
		case 2:
			return typ + ".*"
		case 3:
			if len(groups) > 0 {
				return pick(groups)
			}
			return typ
		case 4, 5:
			if fs := nameable(typ); len(fs) > 0 {
				return typ + "." + pick(fs)
			}
			return typ
		}
		return typ
	}
	for range 1 + r.IntN(12) {
		obj := object()
		typ, _, _ := strings.Cut(strings.Replace(obj, ":", ".", 1), ".")
		scope := "all"
		if names := atomNames(typ); len(names) > 0 && r.IntN(2) == 0 {
			scope = pick(names)
			if r.IntN(3) == 0 {
				scope += "&" + pick(names)
			}
		}
		act := pick(Actions)
		if CheckPermission(obj, act, scope) != nil {
			scope = "all"
		}
		add("p", pick(roles), domain(), obj, act, scope)
	}
	// Users holding roles in domains.
	for range r.IntN(6) {
		add("g", UserSubject(pick(subjects)), pick(roles), domain())
	}
	// Roles holding roles.
	for range r.IntN(3) {
		a, b := pick(roles), pick(roles)
		if a != b {
			add("g", a, b, domain())
		}
	}
	domains = append([]string{"*"}, locs...)
	domains = append(domains, string(gid.New("loc")))
	return lines, append(subjects, "nobody"), domains
}

// TestAgreementDocumentedWrites pins what model.conf's comments say of
// fields created or updated, on both sides: a grant of a type covers its
// fields but the collector; only a grant naming the collector, or "*",
// covers it, not "Type.*" nor a field group.
func TestAgreementDocumentedWrites(t *testing.T) {
	groups := [][]string{
		{"g2", "Incident.narrative", "Incident:sensitive"},
		{"g2", "Incident.collectedBy", "Incident:sensitive"},
	}
	cases := []struct {
		grant, object, action string
		want                  bool
	}{
		{"Incident", "Incident.narrative", ActionUpdate, true},
		{"Incident", "Incident.collectedBy", ActionUpdate, false},
		{"Incident", "Incident.*", ActionUpdate, false},
		{"Incident", "Incident", ActionUpdate, true},
		{"Incident.*", "Incident.summary", ActionCreate, true},
		{"Incident.*", "Incident.collectedBy", ActionCreate, false},
		{"Incident.*", "Incident.*", ActionCreate, true},
		{"Incident:sensitive", "Incident.narrative", ActionUpdate, true},
		{"Incident:sensitive", "Incident.collectedBy", ActionUpdate, false},
		{"Incident:sensitive", "Incident.collectedBy", ActionRead, true},
		{"Incident.collectedBy", "Incident.collectedBy", ActionCreate, true},
		{"*", "Incident.collectedBy", ActionUpdate, true},
		{"Actor", "Actor.collectedBy", ActionCreate, false},
		{"Actor", "Actor.fullName", ActionCreate, true},
		{"ViolationType", "ViolationType.*", ActionCreate, true},
		{"ViolationType", "ViolationType.code", ActionUpdate, true},
		{"Incident", "Incident.narrative", ActionRead, false}, // reading a field needs a grant of it
		{"Incident", "Actor.fullName", ActionUpdate, false},
	}
	for _, c := range cases {
		lines := append(slices.Clone(groups),
			[]string{"p", "r", "*", c.grant, c.action, "all"},
			[]string{"g", UserSubject("u"), "r", "*"})
		e, err := NewEnforcer(lines)
		if err != nil {
			t.Fatal(err)
		}
		casbin, err := e.Enforce(UserSubject("u"), "*", c.object, c.action)
		if err != nil {
			t.Fatal(err)
		}
		holds := agreementViewer(t, lines, "u").Holds("*", c.object, c.action)
		if casbin != c.want || holds != c.want {
			t.Errorf("grant %s %s, request %s %s: Casbin %v, Holds %v, want %v", c.grant, c.action, c.object, c.action, casbin, holds, c.want)
		}
	}
}
