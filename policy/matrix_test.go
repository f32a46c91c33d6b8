package policy

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README's roles section from the default policy")

const (
	beginMarker = "<!-- roles:begin (generated from policy/default.csv by `go test ./policy -run TestREADME -update`) -->\n"
	endMarker   = "<!-- roles:end -->"
)

// TestREADMEAgreesWithPolicy fails when the README's section "Roles and what
// they see" says something else than the default policy.
func TestREADMEAgreesWithPolicy(t *testing.T) {
	want, err := Matrix(DefaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	i, j := strings.Index(readme, beginMarker), strings.Index(readme, endMarker)
	if i < 0 || j < i {
		t.Fatalf("README.md has no roles section between %q and %q", beginMarker, endMarker)
	}
	got := readme[i+len(beginMarker) : j]
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile("../README.md", []byte(readme[:i+len(beginMarker)]+want+readme[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("README.md's roles section disagrees with policy/default.csv; run: go test ./policy -run TestREADME -update\n--- want\n%s", want)
}

// TestDefaultPolicyParses checks every line of the default policy.
func TestDefaultPolicyParses(t *testing.T) {
	roles := map[string]bool{}
	for _, raw := range strings.Split(DefaultPolicy, "\n") {
		f := Line(raw)
		if len(f) == 0 || f[0] != "p" {
			continue
		}
		l, err := parseLine(f[1:])
		if err != nil {
			t.Errorf("%q: %v", raw, err)
			continue
		}
		roles[l.role] = true
	}
	for _, r := range Roles {
		if !roles[r] {
			t.Errorf("role %s has no permission in the default policy", r)
		}
	}
	if len(roles) != len(Roles) {
		t.Errorf("default policy roles %v, want %v", roles, Roles)
	}
}
