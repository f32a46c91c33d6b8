package policy

import (
	"slices"
	"testing"
)

// TestReachesCoversParentsAndAtoms: every type a row's visibility depends
// on (its parent, the types its atoms read under, and theirs in turn) is in
// Reaches, so that explain(id:) audits the reads it makes of them.
func TestReachesCoversParentsAndAtoms(t *testing.T) {
	for typ, parent := range parentType {
		if !slices.Contains(Reaches[typ], parent) {
			t.Errorf("Reaches[%s] lacks its parent %s", typ, parent)
		}
	}
	for typ, as := range atoms {
		for name, a := range as {
			if a.under == "" {
				continue
			}
			if !slices.Contains(Reaches[typ], a.under) {
				t.Errorf("Reaches[%s] lacks %s, which its atom %s reads", typ, a.under, name)
			}
			for _, next := range Reaches[a.under] {
				if !slices.Contains(Reaches[typ], next) {
					t.Errorf("Reaches[%s] lacks %s, which %s reaches", typ, next, a.under)
				}
			}
		}
	}
}
