package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/gid"
)

// loader carries what one load has written so far, for the steps that
// follow to refer to, and the random source every step draws from in turn.
type loader struct {
	c   *ent.Client
	rng *rand.Rand

	// types are the violation types' ids, by code.
	types map[string]gid.ID
	// communes are the communes' ids, by name.
	communes map[string]gid.ID
	// orgs are the organizations' ids, by name.
	orgs map[string]gid.ID
	// users are the users' ids, by subject.
	users map[string]gid.ID

	// actors are the actors planned, and actorIDs their ids once written.
	actors   []actorPlan
	actorIDs []gid.ID
	// pools are the synthetic actors of each project site, by site code.
	pools map[string]*pool

	// plans are the incidents planned, in the order they occurred, and
	// incidentIDs their ids once written.
	plans       []*incidentPlan
	incidentIDs []gid.ID

	// activityIDs are the activities' ids, by key (see activitySpec.key).
	activityIDs map[string]gid.ID
}

// batchSize is the most rows one INSERT writes: far below the bound
// variables SQLite and PostgreSQL accept in a statement.
const batchSize = 400

// saveAll saves builders in batches of batchSize with save (a CreateBulk's
// Save) and returns the created entities in the builders' order.
func saveAll[B, E any](ctx context.Context, builders []B, save func(context.Context, []B) ([]E, error)) ([]E, error) {
	out := make([]E, 0, len(builders))
	for lo := 0; lo < len(builders); lo += batchSize {
		created, err := save(ctx, builders[lo:min(lo+batchSize, len(builders))])
		if err != nil {
			return nil, err
		}
		out = append(out, created...)
	}
	return out, nil
}

// idOf returns the id of the row named name in ids. Every name comes from
// this package's own tables, so a missing one is a typo in them, which
// the package's test catches: idOf panics on it.
func idOf(ids map[string]gid.ID, name string) gid.ID {
	v, ok := ids[name]
	if !ok {
		panic(fmt.Sprintf("demo: no row named %q was written", name))
	}
	return v
}
