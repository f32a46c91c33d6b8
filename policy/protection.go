package policy

import (
	"fmt"
	"strconv"
	"strings"
)

// Disclosure control of counts is declared in the policy, as an atom of
// the scope of a permission to aggregate a type:
//
//	p, dihr_partner, *, Incident, aggregate, protected(5)
//
// counts the role's incidents under the cell key method (package
// aggregate) with threshold 5: a count under 5 is never published. The
// atom selects no rows (the rest of the scope does): it says how the rows
// are counted. A role without it on any of its lines counts exactly.

// Threshold bounds of protected(K): below 2 nothing is protected; above
// MaxProtection a dashboard would show almost nothing.
const (
	MinProtection = 2
	MaxProtection = 100
	// DefaultProtection is the threshold the default policy declares, the
	// one OCHA's guidance and DESIGN.md's matrix name ("cells under 5").
	DefaultProtection = 5
)

// ProtectionAtom writes the atom of threshold k, as the policy does.
func ProtectionAtom(k int) string { return "protected(" + strconv.Itoa(k) + ")" }

// isProtection reports whether an atom of a parsed scope is protected(K).
func isProtection(atom string) bool { return strings.HasPrefix(atom, "protected(") }

// parseProtection reads protected(K): ok says whether the atom is one at
// all, err whether K is a threshold it accepts.
func parseProtection(atom string) (k int, ok bool, err error) {
	inner, found := strings.CutPrefix(atom, "protected(")
	if !found {
		if atom == "protected" {
			return 0, true, fmt.Errorf("write protected(K), K the threshold under which no count is published, e.g. protected(%d)", DefaultProtection)
		}
		return 0, false, nil
	}
	digits, closed := strings.CutSuffix(inner, ")")
	n, convErr := strconv.Atoi(digits)
	if !closed || convErr != nil || digits != strconv.Itoa(n) {
		return 0, true, fmt.Errorf("%q: write protected(K), K a whole number, e.g. protected(%d)", atom, DefaultProtection)
	}
	if n < MinProtection || n > MaxProtection {
		return 0, true, fmt.Errorf("%q: the threshold must be from %d to %d", atom, MinProtection, MaxProtection)
	}
	return n, true, nil
}

// Aggregates reports whether v may count some rows of typ.
func (v *Viewer) Aggregates(typ string) bool {
	return v.Filter(ActionAggregate, typ) != never
}

// Protection returns the threshold under which v's counts of typ are
// protected, or 0 when v counts them exactly. The strictest wins: the
// largest K of the protected(K) atoms of the aggregate grants of typ of
// every assignment that counts rows of typ. A user holding an exact role
// and a protected one therefore counts under protection everywhere: the
// union of its rows is one record set, and publishing it exactly would
// give the protected role's small cells away.
func (v *Viewer) Protection(typ string) int {
	k := 0
	for _, a := range v.Assignments {
		if a.filters[ActionAggregate][typ] == never {
			continue
		}
		for _, g := range a.Grants {
			if g.Action == ActionAggregate && g.coversType(typ, false) {
				k = max(k, g.Scope.Protection())
			}
		}
	}
	return k
}

// MayAggregateField reports whether v may group or filter its counts of
// typ by field: for each of its aggregate grants of the type's rows, the
// same assignment grants aggregate on the field (directly, by "Type.*",
// through a field group, or as "*") with a scope at least as wide, as
// FullyReadable asks of read. A collector field (who recorded a row) is
// never aggregated, whatever the grants: counting by collector would
// point at the people who document abuses.
func (v *Viewer) MayAggregateField(typ, field string) bool {
	if isCollector(typ, field) {
		return false
	}
	seen := false
	for _, a := range v.Assignments {
		for _, row := range a.Grants {
			if row.Action != ActionAggregate || !row.coversType(typ, false) {
				continue
			}
			seen = true
			covered := false
			for _, f := range a.Grants {
				if f.Action == ActionAggregate && f.coversField(v.groups, typ, field) && f.Scope.within(row.Scope) {
					covered = true
					break
				}
			}
			if !covered {
				return false
			}
		}
	}
	return seen
}
