package graph_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestInverseEdgeReadsAudited: User.collectedIncidents lists the incidents
// whose collectedBy (Incident:sensitive) is that user, so serving its rows
// reads Incident.collectedBy of each as surely as selecting collectedBy
// does: the response's audit names exactly the incidents served that way,
// and a count alone, which serves no row but counts them, is one read
// through the edge that names none (an empty page likewise). (To a role that
// does not read collectedBy on every incident, the edge is masked: see
// TestInverseEdgeMasked.)
func TestInverseEdgeReadsAudited(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		const query = `{ users(first: 50) { edges { node { subject
			collectedIncidents(first: 50) { edges { node { id reference } } } } } } }`
		for _, subject := range []string{apitest.Admin} {
			t.Run(subject, func(t *testing.T) {
				id := "inverse-" + subject
				r := queryWithRequestID(t, w.srv, subject, id, query)
				var data struct {
					Users accConn[struct {
						CollectedIncidents accConn[struct{ ID string }]
					}]
				}
				r.OK(t, &data)
				var want []string
				for _, u := range data.Users.nodes() {
					for _, n := range u.CollectedIncidents.nodes() {
						want = append(want, n.ID)
					}
				}
				if len(want) == 0 {
					t.Fatalf("%s was served no collected incident: the fixture tests nothing", subject)
				}
				slices.Sort(want)
				var evs []*ent.AuditEvent
				for _, e := range readEvents(t, db, id) {
					if e.ObjectID == "through a filter" {
						// The users who collected none were served an
						// empty page: that they collected none.
						if e.ObjectType != "Incident" || strings.Join(e.Fields, ",") != "collectedBy" || len(e.ObjectIds) != 0 {
							t.Errorf("event through the edge %s %v %v, want Incident [collectedBy] without ids", e.ObjectType, e.Fields, e.ObjectIds)
						}
						continue
					}
					evs = append(evs, e)
				}
				if len(evs) != 1 {
					t.Fatalf("%d events for a response serving the collector of %d incidents, want 1: %+v", len(evs), len(want), evs)
				}
				e := evs[0]
				if e.ObjectType != "Incident" || strings.Join(e.Fields, ",") != "collectedBy" || !slices.Equal(e.FieldGroups, []string{"Incident:sensitive"}) {
					t.Errorf("event %s %v %v, want Incident [collectedBy] [Incident:sensitive]", e.ObjectType, e.Fields, e.FieldGroups)
				}
				if !slices.Equal(e.ObjectIds, want) {
					t.Errorf("event ids %v\nwant the incidents served %v", e.ObjectIds, want)
				}
			})
		}
		// A count serves no row, but counts the incidents each user
		// collected: one event through the edge, naming no incident.
		id := "inverse-count"
		queryWithRequestID(t, w.srv, apitest.Admin, id, `{ users(first: 50) { edges { node { collectedIncidents { totalCount } } } } }`).OK(t, nil)
		if evs := readEvents(t, db, id); len(evs) != 1 || evs[0].ObjectID != "through a filter" || evs[0].ObjectType != "Incident" ||
			strings.Join(evs[0].Fields, ",") != "collectedBy" || len(evs[0].ObjectIds) != 0 {
			t.Errorf("a count of collected incidents wrote %+v, want one event of Incident [collectedBy] through the edge, without ids", evs)
		}
	})
}

// TestFilterReadsAudited: a filter on an audited edge answers it for every
// row it returns — incidents(where: {hasCollectedByWith: …}) says which
// incidents a user collected, with only their ids selected — so the rows
// served are audited as reads of it, exactly those, at the root and in a
// nested connection; a filter on shareable fields records nothing.
func TestFilterReadsAudited(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		for name, query := range map[string]string{
			"root": `{ page: incidents(first: 50, where: {hasCollectedByWith: {subject: "mon-niono"}}) { edges { node { id } } } }`,
			"nested": `{ users(first: 50, where: {subject: "coord"}) { edges { node { collected: collectedIncidents(first: 50, where: {hasCollectedByWith: {subjectIn: ["coord", "x"]}}) { ...ids } } } } }
				fragment ids on IncidentConnection { edges { node { id } } }`,
		} {
			t.Run(name, func(t *testing.T) {
				id := "filter-" + name
				r := queryWithRequestID(t, w.srv, apitest.Admin, id, query)
				r.OK(t, nil)
				want := accMarkerIDs.FindAllString(string(r.Body), -1)
				if len(want) == 0 {
					t.Fatalf("no incident served: %s", r.Body)
				}
				slices.Sort(want)
				evs := readEvents(t, db, id)
				if len(evs) != 1 || evs[0].ObjectType != "Incident" || strings.Join(evs[0].Fields, ",") != "collectedBy" || !slices.Equal(evs[0].ObjectIds, want) {
					t.Fatalf("events %+v\nwant one of Incident [collectedBy] on %v", evs, want)
				}
			})
		}
		id := "filter-shareable"
		queryWithRequestID(t, w.srv, apitest.Admin, id, `{ incidents(first: 50, where: {status: VERIFIED}) { edges { node { id } } } }`).OK(t, nil)
		if evs := readEvents(t, db, id); len(evs) != 0 {
			t.Errorf("a filter on shareable fields wrote %d events, want none", len(evs))
		}
	})
}

// accMarkerIDs finds the incident ids of a response.
var accMarkerIDs = regexp.MustCompile(`inc_[a-z0-9]+`)

// TestHiddenEdgeNotClaimed: a role that may read Incident.collectedBy but
// not the users it leads to is served null there (the edge to a row it may
// not see), so the audit records no read of it.
func TestHiddenEdgeNotClaimed(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		if err := w.srv.Apply(accSys(), "a test: the partner reads who collected",
			store.Change{Op: store.Grant, Permission: store.Permission{Role: "dihr_partner", Domain: "*", Object: "Incident.collectedBy", Action: "read", Scope: "all"}}); err != nil {
			t.Fatal(err)
		}
		id := "hidden-edge"
		r := queryWithRequestID(t, w.srv, accDIHR, id, `{ incidents(first: 50) { edges { node { id collectedBy { id } } } } }`)
		r.OK(t, nil)
		if !strings.Contains(string(r.Body), `"collectedBy":null`) || strings.Contains(string(r.Body), "usr_") {
			t.Fatalf("the partner should be served no collector: %s", r.Body)
		}
		if evs := readEvents(t, db, id); len(evs) != 0 {
			t.Errorf("%d events claim reads of collectors served as null: %+v", len(evs), evs[0])
		}
	})
}

// TestInverseEdgeMasked: to a role that does not read who collected every
// incident it sees, User.collectedIncidents is masked whole, count
// included, for its rows would say who collected them: a monitor (its own
// user only), and a liaison given a user directory (User and User.*), which
// would otherwise learn that mon-niono collected incidents whose
// collectedBy is masked to it. Nothing of it is audited, as nothing is
// served.
func TestInverseEdgeMasked(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		err := w.srv.Apply(context.Background(), "a user directory for liaisons",
			store.Change{Op: store.Grant, Permission: store.Permission{Role: "fsi_liaison", Domain: "*", Object: "User", Action: "read", Scope: "all"}},
			store.Change{Op: store.Grant, Permission: store.Permission{Role: "fsi_liaison", Domain: "*", Object: "User.*", Action: "read", Scope: "all"}})
		if err != nil {
			t.Fatal(err)
		}
		const query = `{ users(first: 50) { edges { node { subject
			collectedIncidents(first: 50) { totalCount edges { node { id } } } } } } }`
		for _, subject := range []string{accMonNiono, accFSINiono} {
			t.Run(subject, func(t *testing.T) {
				id := "inverse-masked-" + subject
				r := queryWithRequestID(t, w.srv, subject, id, query)
				var data struct {
					Users accConn[struct {
						Subject            string
						CollectedIncidents *accConn[struct{ ID string }]
					}]
				}
				r.OK(t, &data)
				var subjects []string
				for _, u := range data.Users.nodes() {
					subjects = append(subjects, u.Subject)
					if u.CollectedIncidents != nil {
						t.Errorf("%s is served the incidents %s collected: %+v", subject, u.Subject, u.CollectedIncidents)
					}
				}
				if !slices.Contains(subjects, accMonNiono) {
					t.Fatalf("%s sees the users %v, not %s: the fixture tests nothing", subject, subjects, accMonNiono)
				}
				masked, _ := r.Extensions["masked"].([]any)
				if len(masked) == 0 || !strings.Contains(fmt.Sprint(masked), "collectedIncidents") {
					t.Errorf("masked paths %v do not name collectedIncidents", masked)
				}
				if evs := readEvents(t, db, id); len(evs) != 0 {
					t.Errorf("%d events for a response that served no collected incident", len(evs))
				}
			})
		}
	})
}
