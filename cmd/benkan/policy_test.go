package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/ent/policyrule"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// runPolicy runs `benkan policy args...` in-process and returns what it
// printed and the exit status main would give it.
func runPolicy(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"policy"}, args...), &out, &errOut)
	var ec exitCode
	switch {
	case err == nil:
		code = 0
	case errors.As(err, &ec):
		code = int(ec)
	default:
		t.Fatalf("benkan policy %v: an error main would print raw: %v", args, err)
	}
	if strings.Contains(errOut.String(), "goroutine ") || strings.Contains(errOut.String(), "panic") {
		t.Fatalf("benkan policy %v printed a stack:\n%s", args, errOut.String())
	}
	return out.String(), errOut.String(), code
}

// TestPolicyUsage: what does not say what to do prints usage and exits 2,
// before any database is opened.
func TestPolicyUsage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "never")
	t.Setenv("BENKAN_DATA_DIR", dir)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // in stdout
		stderr string // in stderr
	}{
		{"no subcommand", nil, 2, "", "benkan policy: a subcommand is needed (approve, assign, diff, "},
		{"-h", []string{"-h"}, 0, "validate  FILE", ""},
		{"help", []string{"help"}, 0, "unassign  SUBJECT ROLE", ""},
		{"unknown subcommand", []string{"frob"}, 2, "", `benkan policy: unknown subcommand "frob"`},
		{"bad duration", []string{"expiring", "--within", "soon"}, 2, "", `benkan policy expiring: --within: "soon" is not a duration (e.g. 12h, 30m, 90s)`},
		{"flag without its value", []string{"versions", "--last"}, 2, "", `benkan policy versions: --last needs a value: a whole number`},
		{"subcommand -h", []string{"grant", "-h"}, 0, "Usage: benkan policy grant ROLE OBJECT ACTION", ""},
		{"subcommand --help", []string{"assign", "--help"}, 0, "--expires", ""},
		{"help subcommand", []string{"help", "revoke"}, 0, "Usage: benkan policy revoke ROLE OBJECT ACTION", ""},
		{"grant: too few arguments", []string{"grant", "admin", "Incident", "--reason", "r"}, 2, "", "benkan policy grant: 1 argument missing: benkan policy grant ROLE OBJECT ACTION"},
		{"grant: too many arguments", []string{"grant", "admin", "Incident", "read", "x", "--reason", "r"}, 2, "", `benkan policy grant: unexpected argument "x"`},
		{"grant without --reason", []string{"grant", "admin", "Incident", "read"}, 2, "", "benkan policy grant: --reason is required"},
		{"revoke with a blank --reason", []string{"revoke", "admin", "Incident", "read", "--reason", "  "}, 2, "", "benkan policy revoke: --reason is required"},
		{"assign without --reason", []string{"assign", "alice", "admin"}, 2, "", "benkan policy assign: --reason is required"},
		{"unassign: too few arguments", []string{"unassign", "alice", "--reason", "r"}, 2, "", "benkan policy unassign: 1 argument missing: benkan policy unassign SUBJECT ROLE"},
		{"assign has no --scope", []string{"assign", "alice", "admin", "--scope", "all", "--reason", "r"}, 2, "", "benkan policy assign: unknown flag --scope"},
		{"import without --reason", []string{"import", "p.csv"}, 2, "", "benkan policy import: --reason is required"},
		{"import without a file", []string{"import", "--reason", "r"}, 2, "", "benkan policy import: 1 argument missing: benkan policy import FILE"},
		{"validate without a file", []string{"validate"}, 2, "", "benkan policy validate: 1 argument missing: benkan policy validate FILE"},
		{"export: two files", []string{"export", "a", "b"}, 2, "", `unexpected argument "b"`},
		{"list: unknown kind", []string{"list", "--kind", "x"}, 2, "", `benkan policy list: --kind "x"`},
		{"unknown flag", []string{"list", "--bogus"}, 2, "", "benkan policy list: unknown flag --bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runPolicy(t, tt.args...)
			if code != tt.code || !strings.Contains(out, tt.stdout) || !strings.Contains(errOut, tt.stderr) {
				t.Fatalf("benkan policy %v: status %d, want %d\nstdout (want %q):\n%s\nstderr (want %q):\n%s", tt.args, code, tt.code, tt.stdout, out, tt.stderr, errOut)
			}
			// A usage error is one line saying what was expected, and
			// where to read more; never the whole usage.
			if code == 2 {
				lines := strings.Split(strings.TrimSpace(errOut), "\n")
				if len(lines) != 2 || !strings.HasPrefix(lines[1], "Run 'benkan policy") || strings.Contains(errOut, "Usage:") || out != "" {
					t.Errorf("a usage error is not one line and a hint:\n%s", errOut)
				}
			}
			if code == 0 && errOut != "" {
				t.Errorf("help printed to stderr:\n%s", errOut)
			}
		})
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a command refused for its usage opened the database in %s (%v)", dir, err)
	}
}

// TestPolicyValidate checks files without any database: none is named,
// and the one the environment would name is never created.
func TestPolicyValidate(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("BENKAN_DATA_DIR", filepath.Join(tmp, "never"))
	t.Setenv("BENKAN_DATABASE_URL", "")
	write := func(name, text string) string {
		path := filepath.Join(tmp, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("good.csv", policy.DefaultPolicy)
	// Lines 3 to 6 and 8 are wrong, each in its own way; 1, 2 and 7 are right.
	bad := write("bad.csv", strings.Join([]string{
		"# role auditor: reads incidents",
		"p, auditor, *, Incident, read, all",
		"p, auditor, *, Incident.narative, read, all",
		"p, auditor, *, Incident, raed, all",
		"g, alice, audtor, *",
		"p, auditor, *, Incident, read, own_localites",
		"g2, Incident.narrative, Incident:sensitive",
		"p, audtor, *, Incident, read, all",
	}, "\n"))
	empty := write("empty.csv", "# nothing but a comment\n")
	tests := []struct {
		name     string
		file     string
		code     int
		want     []string // in stdout and stderr
		notLines []string // lines of the file that must not be named
	}{
		{"the default policy", good, 0, []string{"good.csv: valid (5 roles)"}, nil},
		{"typos", bad, 1, []string{
			"bad.csv:3: p, auditor, *, Incident.narative, read, all: Incident has no field \"narative\"",
			"bad.csv:4: p, auditor, *, Incident, raed, all:",
			"bad.csv:5: g, alice, audtor, *: no role \"audtor\"",
			"bad.csv:6: p, auditor, *, Incident, read, own_localites:",
			"bad.csv:8: p, audtor, *, Incident, read, all: no role \"audtor\"",
			"benkan policy validate: " + bad + " has 5 invalid lines",
		}, []string{"bad.csv:1:", "bad.csv:2:", "bad.csv:7:"}},
		{"no policy line", empty, 1, []string{"benkan policy validate: the file holds no policy line"}, nil},
		{"no such file", filepath.Join(tmp, "missing.csv"), 1, []string{"benkan policy validate: read the policy file:"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runPolicy(t, "validate", tt.file)
			all := out + errOut
			if code != tt.code {
				t.Errorf("status %d, want %d", code, tt.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			for _, n := range tt.notLines {
				if strings.Contains(all, n) {
					t.Errorf("a valid line is named: %q", n)
				}
			}
			if t.Failed() {
				t.Logf("output:\n%s", all)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(tmp, "never")); !os.IsNotExist(err) {
		t.Errorf("validate opened a database (%v)", err)
	}
}

// policyDB is a test database the commands run on, and a store over it
// to see what they did.
type policyDB struct {
	flags []string // --data-dir or --database-url
	db    *storage.DB
	store *store.Store
}

func newPolicyDB(t *testing.T, db *storage.DB) *policyDB {
	t.Helper()
	// The commands must not pick up the database of the environment.
	t.Setenv("BENKAN_DATABASE_URL", "")
	t.Setenv("BENKAN_DATA_DIR", filepath.Join(t.TempDir(), "wrong"))
	cfg := storagetest.ConfigOf(t, db)
	flags := []string{"--data-dir", cfg.DataDir}
	if cfg.DatabaseURL != "" {
		flags = []string{"--database-url", cfg.DatabaseURL}
	}
	s, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &policyDB{flags: flags, db: db, store: s}
}

func (p *policyDB) load(t *testing.T) *store.Policy {
	t.Helper()
	pol, err := p.store.Load(store.AsOperator(context.Background(), "test"))
	if err != nil {
		t.Fatal(err)
	}
	return pol
}

func (p *policyDB) lastVersion(t *testing.T) store.Version {
	t.Helper()
	vs, err := p.store.Versions(store.AsOperator(context.Background(), "test"), 1)
	if err != nil || len(vs) != 1 {
		t.Fatalf("versions: %v, %v", vs, err)
	}
	return vs[0]
}

// policyStep is one command of a sequence on one database, and what it
// must print and leave stored.
type policyStep struct {
	name  string
	args  []string
	code  int
	noDB  bool     // run without the database flags
	want  []string // in stdout and stderr
	not   []string // not in them
	check func(t *testing.T, p *store.Policy)
}

func (p *policyDB) steps(t *testing.T, steps []policyStep) {
	t.Helper()
	for _, st := range steps {
		before := p.load(t).Revision
		args := slices.Clone(st.args)
		if !st.noDB {
			args = append(args, p.flags...)
		}
		out, errOut, code := runPolicy(t, args...)
		all := out + errOut
		if code != st.code {
			t.Errorf("%s: status %d, want %d", st.name, code, st.code)
		}
		for _, w := range st.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: output lacks %q", st.name, w)
			}
		}
		for _, n := range st.not {
			if strings.Contains(all, n) {
				t.Errorf("%s: output has %q", st.name, n)
			}
		}
		after := p.load(t)
		if st.code != 0 && after.Revision != before {
			t.Errorf("%s: refused, yet the revision went from %d to %d", st.name, before, after.Revision)
		}
		if st.check != nil {
			st.check(t, after)
		}
		if t.Failed() {
			t.Fatalf("%s: benkan policy %v:\n%s", st.name, st.args, all)
		}
	}
}

func hasPermission(p *store.Policy, x store.Permission) bool {
	return slices.Contains(p.Permissions, x)
}

func hasAssignment(p *store.Policy, x store.Assignment) bool {
	return slices.Contains(p.Assignments, x)
}

// TestPolicyChanges runs grant, revoke, assign, unassign and list, and
// their refusals, on each database.
func TestPolicyChanges(t *testing.T) {
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	actor := "cli:" + me.Username
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := newPolicyDB(t, db)
		ctx := policy.SystemContext(context.Background())
		for _, sub := range []string{"alice", "bob"} {
			if err := db.Client.User.Create().SetSubject(sub).SetDisplayName(sub).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		niono, err := db.Client.Locality.Create().SetName("Niono").SetLevel(locality.LevelCOMMUNE).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		loc := string(niono.ID)
		narrative := store.Permission{Role: "amdh_monitor", Domain: "*", Object: "Incident.narrative", Action: "read", Scope: "own_localities&verified"}
		aliceAdmin := store.Assignment{Subject: "alice", Role: "admin", Domain: "*"}
		bobAdmin := store.Assignment{Subject: "bob", Role: "admin", Domain: "*"}
		aliceMonitor := store.Assignment{Subject: "alice", Role: "amdh_monitor", Domain: loc}
		recorded := func(reason string) func(t *testing.T, pol *store.Policy) {
			return func(t *testing.T, pol *store.Policy) {
				v := p.lastVersion(t)
				if v.Actor != actor || v.Reason != reason || v.Revision != pol.Revision {
					t.Errorf("last version: actor %q, reason %q, revision %d; want %q, %q, %d", v.Actor, v.Reason, v.Revision, actor, reason, pol.Revision)
				}
			}
		}
		p.steps(t, []policyStep{
			{name: "list", args: []string{"list"}, want: []string{
				"access policy, revision ", "Roles (5)", "  amdh_monitor ", "Permissions (p)", "  dihr_partner ", "Actor.pseudonym",
				"Assignments (g) (0)", "Field groups (g2) (45)", "Incident:sensitive", "Problems: stored lines left out of the policy in force (0)",
			}},
			{name: "grant", args: []string{"grant", "amdh_monitor", "Incident.narrative", "read", "--scope", "own_localities&verified", "--reason", "monitors read narratives of verified incidents"},
				want: []string{"by " + actor + ": 1 added, 0 removed", "+ p, amdh_monitor, *, Incident.narrative, read, own_localities&verified"},
				check: func(t *testing.T, pol *store.Policy) {
					if !hasPermission(pol, narrative) {
						t.Error("the permission is not stored")
					}
					recorded("monitors read narratives of verified incidents")(t, pol)
				}},
			{name: "grant again", args: []string{"grant", "amdh_monitor", "Incident.narrative", "read", "--scope", "verified&own_localities", "--reason", "again"}, code: 1,
				want: []string{"benkan policy grant: grant p, amdh_monitor, *, Incident.narrative, read, verified&own_localities: already granted"}},
			{name: "grant a typo'd field", args: []string{"grant", "amdh_monitor", "Incident.narativ", "read", "--reason", "typo"}, code: 1,
				want: []string{"benkan policy grant: ", `Incident has no field "narativ"`}, not: []string{"BAD_USER_INPUT"}},
			{name: "grant to no role", args: []string{"grant", "amdh_monitr", "Incident", "read", "--reason", "typo"}, code: 1,
				want: []string{`benkan policy grant: grant p, amdh_monitr, *, Incident, read, all: no role "amdh_monitr"`}},
			{name: "grant a bad scope", args: []string{"grant", "amdh_monitor", "Incident", "read", "--scope", "own_localites", "--reason", "typo"}, code: 1,
				want: []string{"benkan policy grant: ", "own_localites"}},
			{name: "grant in no locality", args: []string{"grant", "amdh_monitor", "Incident", "read", "--domain", "nowhere", "--reason", "typo"}, code: 1,
				want: []string{`benkan policy grant: `, `domain "nowhere"`}},
			{name: "list a role", args: []string{"list", "--role", "amdh_monitor", "--kind", "p"}, want: []string{"Incident.narrative", "own_localities&verified", "  amdh_monitor "},
				not: []string{"  dihr_partner ", "Roles (", "Field groups"}},
			{name: "revoke", args: []string{"revoke", "amdh_monitor", "Incident.narrative", "read", "--scope", "own_localities&verified", "--reason", "back to the matrix"},
				want: []string{"0 added, 1 removed", "- p, amdh_monitor, *, Incident.narrative, read, own_localities&verified"},
				check: func(t *testing.T, pol *store.Policy) {
					if hasPermission(pol, narrative) {
						t.Error("the permission is still stored")
					}
					recorded("back to the matrix")(t, pol)
				}},
			{name: "revoke again", args: []string{"revoke", "amdh_monitor", "Incident.narrative", "read", "--scope", "own_localities&verified", "--reason", "again"}, code: 1,
				want: []string{"benkan policy revoke: ", "nothing to revoke"}},
			{name: "assign", args: []string{"assign", "alice", "admin", "--reason", "alice administers"},
				want: []string{"+ g, alice, admin, *"},
				check: func(t *testing.T, pol *store.Policy) {
					if !hasAssignment(pol, aliceAdmin) {
						t.Error("the assignment is not stored")
					}
					recorded("alice administers")(t, pol)
				}},
			{name: "assign in a locality", args: []string{"assign", "alice", "amdh_monitor", "--domain", loc, "--reason", "alice monitors Niono"},
				want:  []string{"+ g, alice, amdh_monitor, " + loc},
				check: func(t *testing.T, pol *store.Policy) { wantHeld(t, hasAssignment(pol, aliceMonitor)) }},
			{name: "assign no user", args: []string{"assign", "nobody", "admin", "--reason", "typo"}, code: 1,
				want: []string{`benkan policy assign: assign g, nobody, admin, *: no user has the subject "nobody"`}},
			{name: "assign no role", args: []string{"assign", "bob", "admn", "--reason", "typo"}, code: 1,
				want: []string{`benkan policy assign: `, `no role "admn"`}},
			{name: "unassign the last admin", args: []string{"unassign", "alice", "admin", "--reason", "alice leaves"}, code: 1,
				want: []string{"benkan policy unassign: the changes would leave no user who may change the access policy"},
				check: func(t *testing.T, pol *store.Policy) {
					if !hasAssignment(pol, aliceAdmin) {
						t.Error("the last admin was unassigned")
					}
				}},
			{name: "assign another admin", args: []string{"assign", "bob", "admin", "--reason", "bob takes over"},
				check: func(t *testing.T, pol *store.Policy) { wantHeld(t, hasAssignment(pol, bobAdmin)) }},
			{name: "list a subject", args: []string{"list", "--subject", "alice"}, want: []string{"Assignments (g) (2)", "  alice    admin", loc},
				not: []string{"Permissions", "Roles (", "Field groups", "  bob "}},
			{name: "unassign", args: []string{"unassign", "alice", "admin", "--reason", "alice leaves"},
				want: []string{"- g, alice, admin, *"},
				check: func(t *testing.T, pol *store.Policy) {
					if hasAssignment(pol, aliceAdmin) || !hasAssignment(pol, bobAdmin) {
						t.Errorf("assignments after unassign: %v", pol.Assignments)
					}
					recorded("alice leaves")(t, pol)
				}},
			{name: "unassign again", args: []string{"unassign", "alice", "admin", "--reason", "again"}, code: 1,
				want: []string{"benkan policy unassign: ", "nothing to unassign"}},
		})
	})
}

// TestPolicyExportImport: the export of the stored policy validates and
// imports as nothing to do; an import applies a file's removals, and a
// file with invalid lines is refused whole, naming each line.
func TestPolicyExportImport(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := newPolicyDB(t, db)
		ctx := policy.SystemContext(context.Background())
		if err := db.Client.User.Create().SetSubject("alice").SetDisplayName("alice").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		exported := filepath.Join(dir, "policy.csv")
		defaultFile := filepath.Join(dir, "default.csv")
		if err := os.WriteFile(defaultFile, []byte(policy.DefaultPolicy), 0o600); err != nil {
			t.Fatal(err)
		}
		pseudonym := store.Permission{Role: "dihr_partner", Domain: "*", Object: "Actor.pseudonym", Action: "read", Scope: "all"}
		pseudonymLine := "p, dihr_partner, *, Actor.pseudonym, read, all"

		p.steps(t, []policyStep{
			{name: "import the default policy", args: []string{"import", defaultFile, "--reason", "r"}, code: 1,
				want: []string{"benkan policy import: the stored policy is the file's already: nothing to import"}},
			{name: "export", args: []string{"export", exported}, want: []string{"to " + exported + ": 5 roles, "}},
		})
		text, err := os.ReadFile(exported)
		if err != nil {
			t.Fatal(err)
		}
		out, _, code := runPolicy(t, append([]string{"export"}, p.flags...)...)
		if code != 0 || out != string(text) {
			t.Errorf("export to stdout (status %d) is not the file:\n%s", code, out)
		}
		// The file exported (and the file validate accepts) writes every
		// line of the default policy and its roles.
		for _, l := range strings.Split(policy.DefaultPolicy, "\n") {
			if l = strings.TrimSpace(l); (strings.HasPrefix(l, "p,") || strings.HasPrefix(l, "g2,") || strings.HasPrefix(l, "# role ")) && !strings.Contains(string(text), l) {
				t.Errorf("the export lacks %q", l)
			}
		}
		// Each line's number in a file made of the export and more lines.
		withLines := func(extra ...string) (string, []int) {
			base := strings.Count(strings.TrimSuffix(string(text), "\n"), "\n") + 1
			var at []int
			for i := range extra {
				at = append(at, base+1+i)
			}
			return strings.TrimSuffix(string(text), "\n") + "\n" + strings.Join(extra, "\n") + "\n", at
		}
		write := func(name, s string) string {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
				t.Fatal(err)
			}
			return path
		}
		typos, typoAt := withLines(
			"g, alice, amdh_monitr, *",
			"g2, Incident.narative, Incident:sensitive",
			"p, amdh_monitor, *, Incident.narrative, read, own_localites",
		)
		typoFile := write("typos.csv", typos)
		nowhere := string(gid.New("loc")) // well formed, and no locality's
		unknown, unknownAt := withLines("g, nobody, admin, *", "g, alice, amdh_monitor, "+nowhere)
		unknownFile := write("unknown.csv", unknown)
		removed := write("removed.csv", strings.Replace(string(text), pseudonymLine+"\n", "", 1))
		if !strings.Contains(string(text), pseudonymLine+"\n") {
			t.Fatalf("the export lacks %q", pseudonymLine)
		}
		versions := func() int {
			vs, err := p.store.Versions(store.AsOperator(context.Background(), "test"), 1000)
			if err != nil {
				t.Fatal(err)
			}
			return len(vs)
		}
		nVersions := versions()
		lineOf := func(i int) string { return "line " + strconv.Itoa(typoAt[i]) + ": " }

		p.steps(t, []policyStep{
			{name: "validate the export", args: []string{"validate", exported}, noDB: true, want: []string{"valid (5 roles)"}},
			{name: "import the export", args: []string{"import", exported, "--reason", "no-op"}, code: 1,
				want: []string{"benkan policy import: the stored policy is the file's already: nothing to import"}},
			{name: "import typos", args: []string{"import", typoFile, "--reason", "typos"}, code: 1,
				want: []string{
					"benkan policy import: the file has 3 invalid lines:",
					lineOf(0) + "g, alice, amdh_monitr, *: no role \"amdh_monitr\"",
					lineOf(1) + "g2, Incident.narative, Incident:sensitive: ",
					lineOf(2) + "p, amdh_monitor, *, Incident.narrative, read, own_localites: ",
				}},
			{name: "import unknown users and localities", args: []string{"import", unknownFile, "--reason", "names"}, code: 1,
				want: []string{
					"benkan policy import: the file has 2 invalid lines",
					"line " + strconv.Itoa(unknownAt[0]) + ": g, nobody, admin, *: no user has the subject \"nobody\"",
					"line " + strconv.Itoa(unknownAt[1]) + ": g, alice, amdh_monitor, " + nowhere + ": domain \"" + nowhere + "\": no locality has this id",
				}},
			{name: "import a removal", args: []string{"import", removed, "--reason", "no pseudonyms for DIHR"},
				want: []string{"0 added, 1 removed", "- " + pseudonymLine},
				check: func(t *testing.T, pol *store.Policy) {
					if hasPermission(pol, pseudonym) {
						t.Error("the permission is still in the policy")
					}
					n, err := db.Client.PolicyRule.Query().Where(policyrule.V0("dihr_partner"), policyrule.V2("Actor.pseudonym")).Count(ctx)
					if err != nil || n != 0 {
						t.Errorf("policy_rules rows of the removed line: %d, %v", n, err)
					}
					if v := p.lastVersion(t); !slices.Equal(v.Removed, []string{pseudonymLine}) || len(v.Added) != 0 || v.Reason != "no pseudonyms for DIHR" {
						t.Errorf("version of the import: %+v", v)
					}
				}},
			{name: "export after the removal", args: []string{"export"}, not: []string{pseudonymLine}},
			{name: "import back", args: []string{"import", exported, "--reason", "pseudonyms again"},
				want:  []string{"1 added, 0 removed", "+ " + pseudonymLine},
				check: func(t *testing.T, pol *store.Policy) { wantHeld(t, hasPermission(pol, pseudonym)) }},
		})
		if n := versions(); n != nVersions+2 {
			t.Errorf("versions: %d after the imports, want %d (two applied, the refused ones none)", n, nVersions+2)
		}

		// A line written around the store (raw SQL, an old release) that
		// does not validate: list shows it, import discards it.
		ghost, err := db.Client.PolicyRule.Create().SetPtype("p").SetV0("ghost").SetV1("*").SetV2("Incident").SetV3("read").SetV4("all").Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p.steps(t, []policyStep{
			{name: "list problems", args: []string{"list", "--kind", "problems"},
				want: []string{"(1)", "  " + strconv.Itoa(ghost.ID) + "  ", "p, ghost, *, Incident, read, all", `no role "ghost"`},
				not:  []string{"Permissions", "Roles ("}},
			{name: "export leaves problems out", args: []string{"export"}, not: []string{"ghost"}},
			{name: "import discards problems", args: []string{"import", exported, "--reason", "discard the ghost"},
				want: []string{"0 added, 1 removed", "- p, ghost, *, Incident, read, all"},
				check: func(t *testing.T, pol *store.Policy) {
					if len(pol.Problems) != 0 {
						t.Errorf("problems after the import: %v", pol.Problems)
					}
				}},
		})
	})
}

func wantHeld(t *testing.T, held bool) {
	t.Helper()
	if !held {
		t.Error("the line is not in the stored policy")
	}
}
