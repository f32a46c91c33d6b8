package policy

import (
	"strings"

	"entgo.io/ent/entql"

	"testing"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/actor"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/gid"
)

// viewerOf builds a viewer from the default policy without a database: each
// pair names a role and its domain localities (nil for everywhere).
func viewerOf(t *testing.T, user gid.ID, roles ...assignment) *Viewer {
	t.Helper()
	v := &Viewer{UserID: user, Subject: string(user), OrganizationID: gid.New("org"), groups: Groups{}}
	lines := map[string][]line{}
	for _, raw := range splitLines(DefaultPolicy) {
		switch raw[0] {
		case "g2":
			v.groups[raw[1]] = append(v.groups[raw[1]], raw[2])
		case "p":
			l, err := parseLine(raw[1:])
			if err != nil {
				t.Fatal(err)
			}
			lines[l.role] = append(lines[l.role], l)
		}
	}
	for _, r := range roles {
		a := &Assignment{Role: r.role, Domain: "*", Localities: r.localities}
		if r.localities != nil {
			a.Domain = string(r.localities[0])
		}
		for _, l := range lines[r.role] {
			a.Grants = append(a.Grants, &Grant{Object: l.object, Action: l.action, Scope: l.scope, assignment: a})
		}
		v.Assignments = append(v.Assignments, a)
	}
	v.compile()
	return v
}

type assignment struct {
	role       string
	localities []gid.ID
}

func splitLines(text string) [][]string {
	var out [][]string
	for _, l := range splitByNewline(text) {
		if f := Line(l); f != nil {
			out = append(out, f)
		}
	}
	return out
}

func splitByNewline(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func TestParseScope(t *testing.T) {
	tests := []struct {
		typ, scope, want string
		ok               bool
	}{
		{"Incident", "all", "all", true},
		{"Incident", "verified & own_localities", "own_localities&verified", true},
		{"Incident", "verified&verified", "verified", true},
		{"Incident", "units", "", false},
		{"Actor", "units", "units", true},
		{"*", "all", "all", true},
		{"*", "verified", "", false},
		{"Incident", "", "", false},
	}
	for _, tt := range tests {
		s, err := ParseScope(tt.typ, tt.scope)
		if (err == nil) != tt.ok {
			t.Errorf("ParseScope(%s, %q): err %v, want ok=%v", tt.typ, tt.scope, err, tt.ok)
			continue
		}
		if tt.ok && s.String() != tt.want {
			t.Errorf("ParseScope(%s, %q) = %s, want %s", tt.typ, tt.scope, s, tt.want)
		}
	}
}

func TestFullyReadable(t *testing.T) {
	niono := gid.New("loc")
	tests := []struct {
		name        string
		v           *Viewer
		typ, field  string
		fully, seen bool
	}{
		{"admin narrative", viewerOf(t, "u", assignment{"admin", nil}), "Incident", "narrative", true, true},
		{"monitor summary", viewerOf(t, "u", assignment{"amdh_monitor", []gid.ID{niono}}), "Incident", "summary", true, true},
		{"monitor narrative: own submissions only", viewerOf(t, "u", assignment{"amdh_monitor", []gid.ID{niono}}), "Incident", "narrative", false, true},
		{"dihr narrative: never", viewerOf(t, "u", assignment{"dihr_partner", nil}), "Incident", "narrative", false, true},
		{"dihr status", viewerOf(t, "u", assignment{"dihr_partner", nil}), "Incident", "status", true, true},
		{"fsi status", viewerOf(t, "u", assignment{"fsi_liaison", []gid.ID{niono}}), "Incident", "status", true, true},
		{"fsi gender: never", viewerOf(t, "u", assignment{"fsi_liaison", []gid.ID{niono}}), "Actor", "gender", false, true},
		{"dihr fullName: never", viewerOf(t, "u", assignment{"dihr_partner", nil}), "Actor", "fullName", false, true},
		{"dihr pseudonym", viewerOf(t, "u", assignment{"dihr_partner", nil}), "Actor", "pseudonym", true, true},
		{"dihr + monitor summary", viewerOf(t, "u", assignment{"dihr_partner", nil}, assignment{"amdh_monitor", []gid.ID{niono}}), "Incident", "summary", true, true},
		{"dihr + monitor narrative", viewerOf(t, "u", assignment{"dihr_partner", nil}, assignment{"amdh_monitor", []gid.ID{niono}}), "Incident", "narrative", false, true},
		{"no role", viewerOf(t, "u"), "Incident", "summary", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.v.FullyReadable(tt.typ, tt.field); got != tt.fully {
				t.Errorf("FullyReadable(%s.%s) = %v, want %v", tt.typ, tt.field, got, tt.fully)
			}
			if got := tt.v.Filter(ActionRead, tt.typ) != never; got != tt.seen {
				t.Errorf("rows of %s visible = %v, want %v", tt.typ, got, tt.seen)
			}
		})
	}
}

// TestRolesDoNotCombine: rows through one role and fields through another
// never add up to more than either grants.
func TestRolesDoNotCombine(t *testing.T) {
	niono, kayes := gid.New("loc"), gid.New("loc")
	me, other := gid.New("usr"), gid.New("usr")
	v := viewerOf(t, me, assignment{"dihr_partner", nil}, assignment{"amdh_monitor", []gid.ID{kayes}})
	mine := &ent.Incident{ID: gid.New("inc"), CollectedByID: me, LocalityID: kayes, Status: incident.StatusREPORTED}
	shared := &ent.Incident{ID: gid.New("inc"), CollectedByID: other, LocalityID: niono, Status: incident.StatusVERIFIED, ConsentToShare: true}
	tests := []struct {
		row   any
		field string
		want  bool
	}{
		{mine, "narrative", true},    // monitor: own submission
		{&mine, "narrative", true},   // as gqlgen hands list items
		{shared, "narrative", false}, // seen through dihr_partner only
		{shared, "summary", true},    // shareable through dihr_partner
		{shared, "collectedBy", false},
		{mine, "collectedBy", true},
	}
	for _, tt := range tests {
		if got := v.CanReadField("Incident", tt.field, tt.row); got != tt.want {
			t.Errorf("CanReadField(Incident.%s) on %T = %v, want %v", tt.field, tt.row, got, tt.want)
		}
	}
	victim := &ent.Actor{ID: gid.New("act"), Kind: actor.KindINDIVIDUAL, CollectedByID: other}
	recorded := &ent.Actor{ID: gid.New("act"), Kind: actor.KindINDIVIDUAL, CollectedByID: me}
	if v.CanReadField("Actor", "fullName", victim) {
		t.Error("an actor seen through dihr_partner shows its full name")
	}
	if !v.CanReadField("Actor", "fullName", recorded) {
		t.Error("the monitor does not see the full name of an actor it recorded")
	}
	if !v.CanReadField("Actor", "gender", victim) {
		t.Error("dihr_partner does not see an actor's gender")
	}
}

func TestAnonymousSeesNothing(t *testing.T) {
	v := Anonymous()
	for _, typ := range Types {
		for _, act := range Actions {
			if v.Filter(act, typ) != never {
				t.Errorf("anonymous may %s %s", act, typ)
			}
		}
	}
	if v.CanReadField("Incident", "summary", &ent.Incident{}) {
		t.Error("anonymous reads a summary")
	}
}

// TestFilterUnderLoads shows what an eager load leaves out of its row
// filter: only what repeats the filter of the rows it loads for, and only
// for a viewer with one assignment.
func TestFilterUnderLoads(t *testing.T) {
	str := func(p entql.P) string {
		switch p {
		case nil:
			return "every row"
		case never:
			return "no row"
		}
		return p.String()
	}
	dihr := viewerOf(t, gid.New("usr"), assignment{role: "dihr_partner"})
	fsi := viewerOf(t, gid.New("usr"), assignment{role: "fsi_liaison", localities: []gid.ID{gid.New("loc")}})
	monitor := viewerOf(t, gid.New("usr"), assignment{role: "amdh_monitor", localities: []gid.ID{gid.New("loc")}})
	both := viewerOf(t, gid.New("usr"), assignment{role: "dihr_partner"}, assignment{role: "amdh_monitor", localities: []gid.ID{gid.New("loc")}})
	tests := []struct {
		name        string
		v           *Viewer
		under, typ  string
		same        bool   // the same filter as a query of its own
		has, hasNot string // substrings of the filter
	}{
		{"dihr: an incident's involvements", dihr, "Incident", "Involvement", false, "", "has_edge(incident"},
		{"dihr: an involvement's actor", dihr, "Involvement", "Actor", false, "", "has_edge"},
		{"dihr: an incident's follow-ups", dihr, "Incident", "FollowUp", false, "", "has_edge(incident"},
		{"dihr: an involvement's incident", dihr, "Involvement", "Incident", true, "consent_to_share", ""},
		{"dihr: an actor's involvements", dihr, "Actor", "Involvement", true, "has_edge(incident", ""},
		{"fsi: an incident's involvements keep the role", fsi, "Incident", "Involvement", false, "ALLEGED_PERPETRATOR", "has_edge(incident"},
		{"fsi: an involvement's actor keeps units only (its involvements are all perpetrators)", fsi, "Involvement", "Actor", false, "UNIT", "has_edge"},
		{"monitor: an involvement's actor keeps perpetrators (it sees other involvements too)", monitor, "Involvement", "Actor", true, "has_edge(involvements", ""},
		{"two roles: nothing left out", both, "Incident", "Involvement", true, "has_edge(incident", ""},
		{"two roles: actors", both, "Involvement", "Actor", true, "has_edge(involvements", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			own, loaded := str(tt.v.Filter(ActionRead, tt.typ)), str(tt.v.filterUnder(tt.under, tt.typ))
			if (own == loaded) != tt.same {
				t.Errorf("same filter = %v, want %v\nown:    %s\nloaded: %s", own == loaded, tt.same, own, loaded)
			}
			if tt.has != "" && !strings.Contains(loaded, tt.has) {
				t.Errorf("loaded filter %s lacks %q", loaded, tt.has)
			}
			if tt.hasNot != "" && strings.Contains(loaded, tt.hasNot) {
				t.Errorf("loaded filter %s has %q", loaded, tt.hasNot)
			}
			if loaded == "no row" {
				t.Errorf("loaded filter denies every row")
			}
		})
	}
}

// TestPerpetratorsSaidOnce: an actor named as alleged perpetrator through
// an involvement the viewer reads needs "role is alleged perpetrator" once,
// not again inside the involvement's own filter (readAssuming), whatever
// else that filter allows (a monitor also reads its own submissions'
// involvements).
func TestPerpetratorsSaidOnce(t *testing.T) {
	v := viewerOf(t, gid.New("usr"), assignment{role: "amdh_monitor", localities: []gid.ID{gid.New("loc")}})
	f := v.Filter(ActionRead, "Actor").String()
	if n := strings.Count(f, "ALLEGED_PERPETRATOR"); n != 1 {
		t.Errorf("the role is named %d times in %s", n, f)
	}
	for _, part := range []string{"has_edge(involvements", "has_edge(incident", "status == \"VERIFIED\""} {
		if !strings.Contains(f, part) {
			t.Errorf("the actor filter lost %s: %s", part, f)
		}
	}
}
