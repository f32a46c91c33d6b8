package policy

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Matrix writes the permissions of a policy as Markdown, role by role: the
// section "Roles and what they see" of the README is this text for
// DefaultPolicy, and a test keeps the two in agreement.
func Matrix(policyText string) (string, error) {
	type entry struct{ object, action, scope string }
	byRole := map[string][]entry{}
	var roles []string
	groups := map[string][]string{}
	for _, raw := range strings.Split(policyText, "\n") {
		f := Line(raw)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "g2":
			groups[f[2]] = append(groups[f[2]], strings.SplitN(f[1], ".", 2)[1])
		case "p":
			l, err := parseLine(f[1:])
			if err != nil {
				return "", fmt.Errorf("policy line %q: %w", raw, err)
			}
			if _, ok := byRole[l.role]; !ok {
				roles = append(roles, l.role)
			}
			byRole[l.role] = append(byRole[l.role], entry{l.object, l.action, l.scope.String()})
		}
	}
	var b strings.Builder
	for _, role := range roles {
		fmt.Fprintf(&b, "#### %s\n\n| object | read | create | update | aggregate |\n|---|---|---|---|---|\n", role)
		cells := map[string]map[string][]string{}
		var objects []string
		for _, e := range byRole[role] {
			if cells[e.object] == nil {
				cells[e.object] = map[string][]string{}
				objects = append(objects, e.object)
			}
			cells[e.object][e.action] = append(cells[e.object][e.action], "`"+e.scope+"`")
		}
		for _, o := range objects {
			name := "`" + o + "`"
			if o == "*" {
				name = "everything (`*`)"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", name,
				cell(cells[o][ActionRead]), cell(cells[o][ActionCreate]), cell(cells[o][ActionUpdate]), cell(cells[o][ActionAggregate]))
		}
		b.WriteString("\n")
	}
	b.WriteString("Field groups:\n\n")
	var names []string
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	for _, g := range names {
		fmt.Fprintf(&b, "- `%s`: %s\n", g, strings.Join(groups[g], ", "))
	}
	b.WriteString("\nScopes (atoms joined by `&` must all hold; `all` is every row; several lines add up):\n\n")
	var types []string
	for t := range atoms {
		types = append(types, t)
	}
	slices.Sort(types)
	for _, t := range types {
		for _, n := range atomNames(t) {
			fmt.Fprintf(&b, "- `%s` on %s: %s\n", n, t, atoms[t][n].doc)
		}
	}
	fmt.Fprintf(&b, "- `protected(K)` in a permission to aggregate a type counted under cell keys (Incident, and Involvement, counted with its incident's key; refused on Activity and Recommendation): its counts are published under disclosure control with threshold K (%d to %d; see \"Counts and aggregates\"); the strictest of a user's grants wins\n", MinProtection, MaxProtection)
	return b.String(), nil
}

func cell(scopes []string) string {
	if len(scopes) == 0 {
		return "—"
	}
	return strings.Join(scopes, " or ")
}
