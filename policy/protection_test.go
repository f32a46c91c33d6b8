package policy

import "testing"

// TestProtectionInScopes: protected(K) is an atom of the scope of a
// permission to aggregate a type, K from 2 to 100; anywhere else, or
// malformed, the line is refused with a reason.
func TestProtectionInScopes(t *testing.T) {
	for _, tt := range []struct {
		object, action, scope string
		k                     int
		ok                    bool
	}{
		{"Incident", ActionAggregate, "protected(5)", 5, true},
		{"Incident", ActionAggregate, "verified&own_localities&protected(5)", 5, true},
		{"Incident", ActionAggregate, "protected(5)&protected(9)", 9, true},
		{"Incident", ActionAggregate, "all", 0, true},
		{"Incident", ActionRead, "protected(5)", 0, false},
		{"Incident.status", ActionAggregate, "protected(5)", 0, false},
		{"*", ActionAggregate, "protected(5)", 0, false},
		{"Incident", ActionAggregate, "protected(1)", 0, false},
		{"Incident", ActionAggregate, "protected(101)", 0, false},
		{"Incident", ActionAggregate, "protected(05)", 0, false},
		{"Incident", ActionAggregate, "protected", 0, false},
		{"Incident", ActionAggregate, "protected(5", 0, false},
		{"Incident.cellKey", ActionRead, "all", 0, false},
	} {
		err := CheckPermission(tt.object, tt.action, tt.scope)
		if (err == nil) != tt.ok {
			t.Errorf("%s, %s, %s: %v", tt.object, tt.action, tt.scope, err)
			continue
		}
		if err == nil {
			s, _ := ParseScope("Incident", tt.scope)
			if got := s.Protection(); got != tt.k {
				t.Errorf("%s: threshold %d, want %d", tt.scope, got, tt.k)
			}
		}
	}
}
