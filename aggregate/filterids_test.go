package aggregate

import (
	"testing"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/gid"
)

// TestCheckIDs: a filter list of ids of the expected type passes; a
// malformed id, or one of another type, is BAD_USER_INPUT on its argument.
func TestCheckIDs(t *testing.T) {
	for _, tt := range []struct {
		name string
		ids  []gid.ID
		ok   bool
	}{
		{"none", nil, true},
		{"localities", []gid.ID{gid.New("loc"), gid.New("loc")}, true},
		{"malformed", []gid.ID{"nowhere"}, false},
		{"an incident's", []gid.ID{gid.New("inc")}, false},
		{"a locality then an incident's", []gid.ID{gid.New("loc"), gid.New("inc")}, false},
		{"an unknown prefix", []gid.ID{gid.New("zzz")}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := checkIDs("filter.localities", locality.Table, tt.ids)
			if tt.ok != (err == nil) {
				t.Fatalf("checkIDs(%v) = %v, want ok %v", tt.ids, err, tt.ok)
			}
			if err != nil && (benkan.ErrorCode(err) != benkan.EINVALID || err.(*benkan.Error).Field != "filter.localities") {
				t.Fatalf("checkIDs(%v) = %#v, want %s on filter.localities", tt.ids, err, benkan.EINVALID)
			}
		})
	}
}
