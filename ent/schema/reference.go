package schema

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"

	"entgo.io/ent"

	"github.com/benkan-project/benkan"
	gen "github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/hook"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/policy"
)

// referenceAttempts bounds the draws of assignReference: with a million
// numbers per place and year, a second draw is already rare.
const referenceAttempts = 8

// assignReference gives an incident created without a reference one of
// referencePattern's shape: the place code of its locality, the year it
// occurred and a random six-digit number (NIO-2024-503817). A client that
// may not see every incident may not choose a reference (a collision would
// tell it that a hidden incident holds it, see package policy), so the
// server draws one that says nothing of other incidents: not their number,
// not their order. A drawn reference already taken is drawn again; the
// check runs in the mutation's transaction, as benkan itself.
func assignReference(next ent.Mutator) ent.Mutator {
	return hook.IncidentFunc(func(ctx context.Context, m *gen.IncidentMutation) (ent.Value, error) {
		if _, ok := m.Reference(); ok {
			return next.Mutate(ctx, m)
		}
		occurred, okOccurred := m.OccurredAt()
		loc, okLocality := m.LocalityID()
		if !okOccurred || !okLocality {
			return next.Mutate(ctx, m) // the missing required field is reported by validation
		}
		sys := policy.SystemContext(ctx)
		l, err := m.Client().Locality.Get(sys, loc)
		if err != nil {
			return nil, fmt.Errorf("assign reference: load locality: %w", err)
		}
		prefix := placeCode(l.Name)
		for range referenceAttempts {
			n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
			if err != nil {
				return nil, fmt.Errorf("assign reference: draw: %w", err)
			}
			ref := fmt.Sprintf("%s-%04d-%06d", prefix, occurred.Year(), n.Int64())
			taken, err := m.Client().Incident.Query().Where(incident.Reference(ref)).Exist(sys)
			if err != nil {
				return nil, fmt.Errorf("assign reference: check %s: %w", ref, err)
			}
			if !taken {
				m.SetReference(ref)
				return next.Mutate(ctx, m)
			}
		}
		return nil, fmt.Errorf("assign reference: %d draws for %s-%04d were all taken", referenceAttempts, prefix, occurred.Year())
	})
}

// keepReference refuses to remove an incident's reference: the field is
// optional in the schema only so that a create may leave it to
// assignReference.
func keepReference(next ent.Mutator) ent.Mutator {
	return hook.IncidentFunc(func(ctx context.Context, m *gen.IncidentMutation) (ent.Value, error) {
		if m.FieldCleared(incident.FieldReference) {
			return nil, benkan.FieldErrorf("reference", "an incident's reference cannot be removed")
		}
		return next.Mutate(ctx, m)
	})
}

// placeCode is the place code of references to a locality: the first three
// letters of its name, upper case, accents dropped (Niono NIO, Ségou SEG),
// or INC for a name with fewer than two letters.
func placeCode(name string) string {
	var b strings.Builder
	for _, r := range name {
		if b.Len() == 3 {
			break
		}
		if f, ok := foldLetter[r]; ok {
			r = f
		}
		r = []rune(strings.ToUpper(string(r)))[0]
		if r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		}
	}
	if b.Len() < 2 {
		return "INC"
	}
	return b.String()
}

// foldLetter maps the accented and Bambara letters of Malian place names
// to the Latin letter references use.
var foldLetter = map[rune]rune{
	'à': 'a', 'â': 'a', 'ä': 'a', 'À': 'A', 'Â': 'A',
	'é': 'e', 'è': 'e', 'ê': 'e', 'ë': 'e', 'É': 'E', 'È': 'E', 'ɛ': 'e', 'Ɛ': 'E',
	'î': 'i', 'ï': 'i', 'Î': 'I',
	'ô': 'o', 'ö': 'o', 'Ô': 'O', 'ɔ': 'o', 'Ɔ': 'O',
	'ù': 'u', 'û': 'u', 'ü': 'u',
	'ç': 'c', 'Ç': 'C', 'ɲ': 'n', 'Ɲ': 'N', 'ŋ': 'n', 'Ŋ': 'N',
}
