package aggregate

import (
	"context"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/gid"
)

// checkIDs refuses a filter list holding a string that is not an id, or
// the id of another type than table's (an incident's id where a locality
// is expected): such a filter matches nothing, and a count of nothing
// answered to a mistyped id would read as a true zero. The type is the
// id's prefix (ent.IDToType, which needs no query), so the check tells
// nothing of which rows exist.
func checkIDs(arg, table string, ids []gid.ID) error {
	for _, id := range ids {
		if id.Validate() != nil {
			return benkan.FieldErrorf(arg, "%q is not an id", id)
		}
		// IDToType reads the prefix alone; its context is unused.
		if t, err := ent.IDToType(context.Background(), id); err != nil || t != table {
			return benkan.FieldErrorf(arg, "%q is the id of another type", id)
		}
	}
	return nil
}
