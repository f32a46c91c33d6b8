package policy

import (
	"fmt"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
)

// checkUnique refuses a create or update that sets (or clears) a field
// whose value is unique in the ent schema (ent.UniqueFields: an incident's
// reference, a violation type's code…), unless the viewer reads every row
// of the type and that field on each (SeesAll, FullyReadable). For such a
// viewer a CONFLICT says nothing it could not read; for any other, a
// collision would tell it that a row it may not see holds the value. The
// refusal is FORBIDDEN naming the field, whatever the value, so that it
// does not depend on what exists either. (An incident created without a
// reference gets one from the server.)
func (v *Viewer) checkUnique(m ent.Mutation) error {
	typ := m.Type()
	for _, f := range ent.UniqueFields[typ] {
		if _, set := m.Field(f); !set && !m.FieldCleared(f) {
			continue
		}
		name := benkan.GraphQLName(f)
		if v.SeesAll(typ) && v.FullyReadable(typ, name) {
			continue
		}
		return &benkan.Error{Code: benkan.EFORBIDDEN, Field: name,
			Message: fmt.Sprintf("you may not choose the %s of %s objects: it is unique, and you do not see every %s", name, typ, typ)}
	}
	return nil
}
