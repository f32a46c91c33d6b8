package graph_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// connectionIDs pages through the root connection field over GraphQL as
// srv's user, with where (a JSON object or ""), and returns the ids it
// receives: what an export of field must hold.
func connectionIDs(t *testing.T, srv *apitest.Server, field, whereType, where string) []string {
	t.Helper()
	var ids []string
	var after any
	vars := map[string]any{}
	if where != "" {
		vars["where"] = jsonValue(t, where)
	}
	for {
		vars["after"] = after
		var page map[string]struct {
			Edges    []struct{ Node struct{ ID string } }
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
		}
		srv.Query(t, fmt.Sprintf(`query($after: Cursor, $where: %s) { %s(first: 100, after: $after, where: $where) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`, whereType, field),
			vars).OK(t, &page)
		for _, e := range page[field].Edges {
			ids = append(ids, e.Node.ID)
		}
		if !page[field].PageInfo.HasNextPage {
			slices.Sort(ids)
			return ids
		}
		after = page[field].PageInfo.EndCursor
	}
}

// TestExportAsEachRole: the incident, activity and recommendation lists,
// exported as CSV and as XLSX by the coordinator, DIHR and a
// security-force liaison, hold exactly the rows GraphQL gives each (with
// and without a filter), every marker DESIGN.md's matrix lets that role
// read and no other marker of the fixture; the columns a role may not
// read are named as masked, and only then; and the export's audit is the
// API's: the coordinator's export of incidents is audited, in its name,
// as reads of the sensitive fields of exactly the rows exported, and no
// other export writes a read event.
func TestExportAsEachRole(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		lists := []struct {
			field, whereType, filter string
			// allowed are the markers role r may find in the export.
			allowed func(r *accRole) []string
			// masked is whether the role may not read every column.
			masked func(r *accRole) bool
		}{
			{"incidents", "IncidentWhereInput", `{"statusIn":["VERIFIED"]}`,
				func(r *accRole) []string {
					var out []string
					for _, s := range accIncidents {
						if r.rows(s) {
							out = append(out, accSummary(s.ref))
							if r.sensitive(s) {
								out = append(out, accSensitive(s.ref)...)
							}
						}
					}
					return out
				},
				func(r *accRole) bool { return !r.sensitive(accIncidents[0]) }},
			{"activities", "ActivityWhereInput", `{"hasLocalityWith":[{"name":"Niono"}]}`,
				func(r *accRole) []string {
					var out []string
					for _, p := range r.activities {
						out = append(out, accActivityMarker(p))
					}
					return out
				},
				func(*accRole) bool { return false }},
			{"recommendations", "RecommendationWhereInput", `{"status":"PROPOSED"}`,
				func(r *accRole) []string {
					var out []string
					for _, p := range r.recos {
						out = append(out, accRecoMarker(p))
					}
					return out
				},
				func(*accRole) bool { return false }},
		}
		for _, subject := range []string{accCoord, accDIHR, accFSINiono} {
			role := w.roles[subject]
			srv := w.as(t, subject)
			for _, l := range lists {
				for _, format := range []string{"csv", "xlsx"} {
					t.Run(subject+"/"+l.field+"."+format, func(t *testing.T) {
						before := readEventIDs(t, db, subject)
						res, body := srv.Get(t, "/export/"+l.field+"."+format)
						if res.StatusCode != http.StatusOK {
							t.Fatalf("status %d: %s", res.StatusCode, body)
						}
						f := readFile(t, format, body)
						var ids []string
						for _, row := range f.rows {
							ids = append(ids, row["id"])
						}
						slices.Sort(ids)
						want := connectionIDs(t, srv, l.field, l.whereType, "")
						if !slices.Equal(ids, want) || f.outcome != fmt.Sprintf("complete: %d rows", len(want)) {
							t.Errorf("exported %v (%q), GraphQL gives %v", ids, f.outcome, want)
						}
						allowed := l.allowed(role)
						for _, m := range accUniverse() {
							has := strings.Contains(f.text, m)
							switch {
							case has && !slices.Contains(allowed, m):
								t.Errorf("the export shows %s, which %s may not read", m, subject)
							case !has && slices.Contains(allowed, m):
								t.Errorf("the export lacks %s, which %s reads in the API", m, subject)
							}
						}
						if named := f.masked != ""; named != l.masked(role) ||
							(named && !strings.Contains(f.masked, "narrative")) {
							t.Errorf("masked columns named: %q, want some: %v", f.masked, l.masked(role))
						}
						if l.masked(role) {
							for _, row := range f.rows {
								for _, c := range []string{"narrative", "exactLocation", "source"} {
									if row[c] != "" {
										t.Errorf("%s: %s %q exported", row["reference"], c, row[c])
									}
								}
							}
						}
						audited := newReadEvents(t, db, subject, before)
						if l.field == "incidents" && role.sensitive(accIncidents[0]) {
							slices.Sort(audited)
							audited = slices.Compact(audited)
							if !slices.Equal(audited, want) {
								t.Errorf("audited reads of %v, exported %v", audited, want)
							}
						} else if len(audited) > 0 {
							t.Errorf("an export reading nothing sensitive audited reads of %v", audited)
						}

						// The API's filter.
						_, body = srv.Get(t, "/export/"+l.field+"."+format+"?where="+url.QueryEscape(l.filter))
						f = readFile(t, format, body)
						ids = ids[:0]
						for _, row := range f.rows {
							ids = append(ids, row["id"])
						}
						slices.Sort(ids)
						if want := connectionIDs(t, srv, l.field, l.whereType, l.filter); !slices.Equal(ids, want) {
							t.Errorf("filtered export %v, GraphQL gives %v", ids, want)
						}
					})
				}
			}
		}
	})
}

// readEventIDs returns the ids of subject's READ_SENSITIVE events.
func readEventIDs(t *testing.T, db *storage.DB, subject string) map[string]bool {
	t.Helper()
	events, err := db.Client.AuditEvent.Query().Where(auditevent.ActionEQ(auditevent.ActionREAD_SENSITIVE), auditevent.Subject(subject)).All(accSys())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range events {
		out[fmt.Sprint(e.ID)] = true
	}
	return out
}

// newReadEvents returns the objects read in subject's READ_SENSITIVE events
// that are not in before.
func newReadEvents(t *testing.T, db *storage.DB, subject string, before map[string]bool) []string {
	t.Helper()
	events, err := db.Client.AuditEvent.Query().Where(auditevent.ActionEQ(auditevent.ActionREAD_SENSITIVE), auditevent.Subject(subject)).All(accSys())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range events {
		if !before[fmt.Sprint(e.ID)] {
			out = append(out, e.ObjectIds...)
		}
	}
	return out
}

// jsonValue decodes a JSON text, for a GraphQL variable.
func jsonValue(t *testing.T, text string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatal(err)
	}
	return v
}
