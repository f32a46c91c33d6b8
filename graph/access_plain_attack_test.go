package graph_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/graph"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// plainAttack is what one attack on the direct writing of plain fields
// answered, with plain fields written directly: the response, and the
// audited reads it recorded ("Type id field").
type plainAttack struct {
	resp  *apitest.Response
	reads []string
}

// attackPlain sends q as srv's user with plain fields written directly,
// then with every field through the Access extension's interceptor, and
// fails unless both answers are the same bytes and wrote the same audit
// events, and unless the first wrote at least one plain field directly
// (else the attack did not reach the path it attacks).
func attackPlain(t *testing.T, db *storage.DB, srv *apitest.Server, q string, vars map[string]any) plainAttack {
	t.Helper()
	var reads []string
	fast, direct := plainBothWays(t, db, srv, q, vars, func(seq int64) { reads = sensitiveReadsAfter(t, db, seq) })
	if !direct {
		t.Errorf("no plain field written directly for %s: the attack misses the path", q)
	}
	return plainAttack{resp: fast, reads: reads}
}

// sensitiveReadsAfter returns the reads the READ_SENSITIVE events after
// seq record, one "Type id field" each, sorted.
func sensitiveReadsAfter(t *testing.T, db *storage.DB, seq int64) []string {
	t.Helper()
	events, err := db.Client.AuditEvent.Query().
		Where(auditevent.SeqGT(seq), auditevent.ActionEQ(auditevent.ActionREAD_SENSITIVE)).All(accSys())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range events {
		ids := e.ObjectIds
		if len(ids) == 0 && e.ObjectID != "" {
			ids = []string{e.ObjectID}
		}
		for _, id := range ids {
			for _, f := range e.Fields {
				out = append(out, fmt.Sprintf("%s %s %s", e.ObjectType, id, f))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// wantPlainReads fails unless got are exactly want (in any order).
func wantPlainReads(t *testing.T, got []string, want ...string) {
	t.Helper()
	slices.Sort(want)
	want = slices.Compact(want)
	if !slices.Equal(got, want) {
		t.Errorf("READ_SENSITIVE reads:\n got  %q\n want %q", got, want)
	}
}

// mustNotContain fails if body holds any of the markers.
func mustNotContain(t *testing.T, body []byte, markers ...string) {
	t.Helper()
	for _, m := range markers {
		if bytes.Contains(body, []byte(m)) {
			t.Errorf("the answer holds %q, which must not reach this viewer: %s", m, body)
		}
	}
}

// mustContain fails unless body holds every marker (the attack reached
// the rows it meant to).
func mustContain(t *testing.T, body []byte, markers ...string) {
	t.Helper()
	for _, m := range markers {
		if !bytes.Contains(body, []byte(m)) {
			t.Errorf("the answer lacks %q: %s", m, body)
		}
	}
}

// incRead is the read of field of the fixture's incident key.
func (w *accWorld) incRead(key, field string) string {
	return fmt.Sprintf("Incident %s %s", w.incidents[key].ID, field)
}

// allIdentifying are the identifying markers of every person of the fixture.
func allIdentifying() []string {
	var out []string
	for _, s := range accIncidents {
		for _, p := range accPersons {
			out = append(out, accIdentifying(p.word, s.ref)...)
		}
	}
	return append(out, accIdentifying("ORPHAN", "")...)
}

// allSensitiveExcept are the sensitive markers of every incident but keys.
func allSensitiveExcept(keys ...string) []string {
	var out []string
	for _, s := range accIncidents {
		if !slices.Contains(keys, s.key) {
			out = append(out, accSensitive(s.ref)...)
		}
	}
	return out
}

// TestPlainFieldsAttacks attacks the direct writing of plain fields as the
// partners of DESIGN.md's matrix: each query mixes, in one response,
// fields the viewer reads on every row (written directly) with the same
// type's fields it reads on some rows only or whose reads are audited,
// reached through different parents, aliases, fragments and directives;
// each answer must equal the interceptor's, hold none of what the viewer
// may not read, and record exactly the audited reads the viewer made.
func TestPlainFieldsAttacks(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		id := func(key string) string { return string(w.incidents[key].ID) }
		person := func(key string, r involvement.Role) string { return string(w.persons[key][r].ID) }

		// A monitor reads the sensitive fields of its own submissions only:
		// one response where narrative is served on some rows and masked on
		// others, through the list, node, nodes (with an unknown id among
		// them), an alias twice, @include and @skip, and a fragment on Node.
		t.Run("monitor own submissions, many parents", func(t *testing.T) {
			srv := w.as(t, accMonNiono)
			q := `query($c: ID!, $a: ID!, $bogus: ID!, $yes: Boolean!) {
				list: incidents(first: 100) { edges { cursor node { id reference summary n1: narrative n2: narrative } } }
				other: node(id: $c) { __typename ... on Incident { reference summary narrative exactLocation @include(if: $yes) source @skip(if: $yes) } }
				many: nodes(ids: [$a, $bogus, $c]) { id ...N }
			}
			fragment N on Node { ... on Incident { status narrative @skip(if: false) exactLocation @include(if: true) } }`
			r := attackPlain(t, db, srv, q, map[string]any{"c": id("c"), "a": id("a"), "bogus": accUnknownID("inc"), "yes": true})
			mustContain(t, r.resp.Body, accSummary(accSpec("c").ref), accNarrative(accSpec("a").ref), accNarrative(accSpec("f").ref))
			mustNotContain(t, r.resp.Body, allSensitiveExcept("a", "b", "d", "f")...)
			mustNotContain(t, r.resp.Body, accLocation(accSpec("b").ref), accSource(accSpec("a").ref))
			// e, g, i...: not its rows at all.
			mustNotContain(t, r.resp.Body, accSummary(accSpec("e").ref), accSummary(accSpec("k").ref))
			masked := accMasked(r.resp)
			for _, p := range []string{"other.narrative", "other.exactLocation", "many[2].narrative", "many[2].exactLocation"} {
				if !masked[p] {
					t.Errorf("%s not masked (masked: %v)", p, masked)
				}
			}
			wantPlainReads(t, r.reads,
				w.incRead("a", "narrative"), w.incRead("b", "narrative"), w.incRead("d", "narrative"), w.incRead("f", "narrative"),
				w.incRead("a", "exactLocation"))
		})

		// The coordinator reads every field on every row, the audited ones
		// too: reading them is never written directly, and each read,
		// however reached (list, alias, edge, node), is recorded.
		t.Run("coordinator: audited fields read everywhere", func(t *testing.T) {
			srv := w.as(t, accCoord)
			orphan := string(w.orphan.ID)
			q := `query($o: ID!, $k: ID!) {
				incidents(first: 100) { edges { node { reference summary n: narrative
					involvements { actor { gender fullName } } } } }
				k: node(id: $k) { ... on Incident { exactLocation } }
				o: node(id: $o) { ... on Actor { contact } }
			}`
			r := attackPlain(t, db, srv, q, map[string]any{"o": orphan, "k": id("k")})
			var want []string
			for _, s := range accIncidents {
				want = append(want, w.incRead(s.key, "narrative"))
			}
			want = append(want, w.incRead("k", "exactLocation"), fmt.Sprintf("Actor %s contact", orphan))
			for _, a := range w.actorInfo {
				if a.id != orphan { // every actor involved, units included
					want = append(want, fmt.Sprintf("Actor %s fullName", a.id))
				}
			}
			wantPlainReads(t, r.reads, want...)
		})

		// A funder reads no sensitive or identifying field: involvements →
		// actor, node(id:) of a victim, and the same fields of Incident
		// written directly beside them.
		t.Run("funder through involvements and node", func(t *testing.T) {
			srv := w.as(t, accDIHR)
			q := `query($victim: ID!, $b: ID!) {
				incidents(first: 100) { edges { node { reference summary status narrative source
					involvements { role actor { id kind gender ageBracket fullName contact address } } } } }
				victim: node(id: $victim) { ... on Actor { gender fullName contact } }
				hidden: node(id: $b) { ... on Incident { reference summary } }
			}`
			r := attackPlain(t, db, srv, q, map[string]any{"victim": person("a", involvement.RoleVICTIM), "b": id("b")})
			mustContain(t, r.resp.Body, accSummary(accSpec("a").ref), accSummary(accSpec("h").ref))
			mustNotContain(t, r.resp.Body, allSensitiveExcept()...)
			mustNotContain(t, r.resp.Body, allIdentifying()...)
			// b has no consent, d is REPORTED: not the funder's rows.
			mustNotContain(t, r.resp.Body, accSummary(accSpec("b").ref), accSummary(accSpec("d").ref), accSpec("b").ref, accSpec("d").ref)
			wantPlainReads(t, r.reads)
		})

		// A liaison reads the kind of unit actors only (a per-row rule; the
		// actors it reaches are all units) and no demographics; aggregate
		// cells and their localities, and Incident.status beside
		// IncidentCell.status (two types, one field name), in one response.
		t.Run("liaison: per-row kind, cells, same field name on two types", func(t *testing.T) {
			srv := w.as(t, accFSINiono)
			q := `{
				incidents(first: 100) { edges { node { reference status summary narrative
					involvements { role actor { kind gender category fullName organization { name } } } } } }
				incidentAggregate(groupBy: [STATUS, LOCALITY]) { threshold cells { status count protected locality { name level } } }
			}`
			r := attackPlain(t, db, srv, q, nil)
			mustContain(t, r.resp.Body, accSummary(accSpec("a").ref))
			mustNotContain(t, r.resp.Body, allSensitiveExcept()...)
			mustNotContain(t, r.resp.Body, allIdentifying()...)
			for _, s := range accIncidents {
				if s.key != "a" {
					mustNotContain(t, r.resp.Body, accSummary(s.ref))
				}
			}
			for p := range accMasked(r.resp) {
				if strings.HasSuffix(p, ".kind") {
					t.Errorf("a unit's kind masked for the liaison: %s", p)
				}
			}
			if !bytes.Contains(r.resp.Body, []byte(`"gender":null`)) {
				t.Errorf("the liaison is served actors' gender: %s", r.resp.Body)
			}
			wantPlainReads(t, r.reads)
		})

		// Two roles: dihr_partner everywhere and amdh_monitor in Kayes; the
		// sensitive fields of its own submission only, and identifying
		// fields of the actors it recorded only.
		t.Run("two roles, columns per role's rows", func(t *testing.T) {
			srv := w.as(t, accMulti)
			q := `{ incidents(first: 100) { edges { node { id reference summary narrative exactLocation
				involvements { actor { id fullName gender } } } } } }`
			r := attackPlain(t, db, srv, q, nil)
			mustContain(t, r.resp.Body, accNarrative(accSpec("j").ref))
			mustNotContain(t, r.resp.Body, allSensitiveExcept("j")...)
			var want []string
			want = append(want, w.incRead("j", "narrative"), w.incRead("j", "exactLocation"))
			for _, a := range w.actorInfo {
				if a.collector == accMulti && a.word != "" {
					want = append(want, fmt.Sprintf("Actor %s fullName", a.id))
				}
			}
			wantPlainReads(t, r.reads, want...)
		})

		// An admin previewing as the funder gets the funder's answer.
		t.Run("preview as the funder", func(t *testing.T) {
			srv := w.srv.PreviewAs(accDIHR)
			q := `{ incidents(first: 100) { edges { node { reference summary narrative involvements { actor { gender fullName } } } } } }`
			r := attackPlain(t, db, srv, q, nil)
			mustContain(t, r.resp.Body, accSummary(accSpec("a").ref))
			mustNotContain(t, r.resp.Body, allSensitiveExcept()...)
			mustNotContain(t, r.resp.Body, allIdentifying()...)
			mustNotContain(t, r.resp.Body, accSummary(accSpec("b").ref))
			wantPlainReads(t, r.reads)
		})

		// A refused filter anywhere in the operation refuses it whole, the
		// fields written directly before it included.
		t.Run("refused filter beside plain fields", func(t *testing.T) {
			srv := w.as(t, accDIHR)
			for _, q := range []string{
				`{ incidents(first: 100) { edges { node { reference summary } } } byCollector: incidents(first: 5, where: {hasCollectedBy: true}) { totalCount } }`,
				`{ byCollector: incidents(first: 5, where: {hasCollectedBy: true}) { totalCount } incidents(first: 100) { edges { node { reference summary } } } }`,
			} {
				graph.SetPlainFields(true)
				mark := lastAuditSeq(t, db)
				resp := srv.Query(t, q, nil)
				resp.Code(t, "FORBIDDEN")
				mustNotContain(t, resp.Body, "SUMMARY-", "MARKER-")
				wantPlainReads(t, sensitiveReadsAfter(t, db, mark))
				graph.SetPlainFields(false)
				slow := srv.Query(t, q, nil)
				graph.SetPlainFields(true)
				if !bytes.Equal(resp.Body, slow.Body) {
					t.Errorf("plain fields change the refusal of %s\nwith:    %s\nwithout: %s", q, resp.Body, slow.Body)
				}
			}
		})

		// Introspection and __typename beside plain fields.
		t.Run("introspection and typename", func(t *testing.T) {
			srv := w.as(t, accFSIKayes)
			q := `{ __typename
				incidents(first: 100) { __typename edges { __typename cursor node { __typename id reference summary narrative } } pageInfo { endCursor startCursor } }
				__type(name: "Incident") { name fields { name args { name defaultValue } } } }`
			r := attackPlain(t, db, srv, q, nil)
			mustNotContain(t, r.resp.Body, allSensitiveExcept()...)
			wantPlainReads(t, r.reads)
		})

		// A mutation's payload: the monitor updates its own REPORTED
		// incident and reads it back, sensitive fields and all.
		t.Run("mutation payload", func(t *testing.T) {
			srv := w.as(t, accMonNiono)
			q := `mutation($d: ID!, $s: String!) { updateIncident(id: $d, input: {summary: $s}) { reference summary status narrative
				involvements { actor { fullName gender } } } }`
			r := attackPlain(t, db, srv, q, map[string]any{"d": id("d"), "s": accSummary(accSpec("d").ref)})
			mustContain(t, r.resp.Body, accNarrative(accSpec("d").ref))
			mustNotContain(t, r.resp.Body, allSensitiveExcept("d")...)
			var want []string
			want = append(want, w.incRead("d", "narrative"))
			for _, a := range w.actorInfo {
				if a.incident == "d" && a.word != "" {
					want = append(want, fmt.Sprintf("Actor %s fullName", a.id))
				}
			}
			wantPlainReads(t, r.reads, want...)
		})

		// Audit events as the funder, and follow-ups reached as a list, as
		// an incident's edge and through node.
		t.Run("audit events and follow-ups", func(t *testing.T) {
			srv := w.as(t, accDIHR)
			fu := string(w.followUps["a"].ID)
			q := `query($fu: ID!) {
				auditEvents(first: 50) { edges { node { subject action objectType objectID } } }
				followUps(first: 100) { edges { node { description incident { reference narrative } } } }
				fu: node(id: $fu) { ... on FollowUp { description incident { summary source } } }
			}`
			r := attackPlain(t, db, srv, q, map[string]any{"fu": fu})
			mustNotContain(t, r.resp.Body, allSensitiveExcept()...)
			mustNotContain(t, r.resp.Body, allIdentifying()...)
			// Follow-ups of incidents the funder may not read (b: no
			// consent) are not served, nor their incidents.
			mustContain(t, r.resp.Body, accFollowUp(accSpec("a").ref), `"reference":"`+accSpec("a").ref+`"`)
			mustNotContain(t, r.resp.Body, accSpec("b").ref, accSummary(accSpec("b").ref))
			wantPlainReads(t, r.reads)
		})

		// The policy's own types beside plain fields: the funder may not
		// read the policy, and reads the incidents it may in the same
		// response.
		t.Run("policy types", func(t *testing.T) {
			srv := w.as(t, accDIHR)
			q := `{ incidents(first: 100) { edges { node { reference summary } } } policy { roles { name description } } }`
			r := attackPlain(t, db, srv, q, nil)
			mustNotContain(t, r.resp.Body, "amdh_coordinator", accSummary(accSpec("b").ref))
		})

		// A policy change between two responses: a field written directly
		// in one response is masked in the next once the policy no longer
		// grants it, and served again once it does.
		t.Run("policy change between responses", func(t *testing.T) {
			srv := w.as(t, accFSINiono)
			q := `{ incidents(first: 100) { edges { node { reference summary status } } } }`
			r := attackPlain(t, db, srv, q, nil)
			mustContain(t, r.resp.Body, accSummary(accSpec("a").ref))
			perm := `{role: "fsi_liaison", object: "Incident:shareable", action: "read", scope: "verified&own_localities&consented"}`
			w.srv.Query(t, `mutation { revoke(permission: `+perm+`, reason: "plain attack") { id } }`, nil).OK(t, nil)
			graph.SetPlainFields(true)
			after := srv.Query(t, q, nil)
			mustNotContain(t, after.Body, accSummary(accSpec("a").ref), `"status":"VERIFIED"`)
			w.srv.Query(t, `mutation { grant(permission: `+perm+`, reason: "plain attack done") { id } }`, nil).OK(t, nil)
			again := srv.Query(t, q, nil)
			mustContain(t, again.Body, accSummary(accSpec("a").ref))
		})

		// A plain field the viewer reads on some rows only, unaudited: the
		// funder's shareable fields narrowed to VERIFIED incidents, while it
		// still sees REFERRED and CLOSED ones. In one response, the summary
		// (and reference, status…) of VERIFIED rows is served, that of the
		// others masked.
		t.Run("unaudited field read on some rows only", func(t *testing.T) {
			srv := w.as(t, accDIHR)
			wide := `{role: "dihr_partner", object: "Incident:shareable", action: "read", scope: "shared_status&consented"}`
			narrow := `{role: "dihr_partner", object: "Incident:shareable", action: "read", scope: "verified&consented"}`
			w.srv.Query(t, `mutation { revoke(permission: `+wide+`, reason: "plain attack") { id } }`, nil).OK(t, nil)
			w.srv.Query(t, `mutation { grant(permission: `+narrow+`, reason: "plain attack") { id } }`, nil).OK(t, nil)
			defer func() {
				w.srv.Query(t, `mutation { revoke(permission: `+narrow+`, reason: "plain attack done") { id } }`, nil).OK(t, nil)
				w.srv.Query(t, `mutation { grant(permission: `+wide+`, reason: "plain attack done") { id } }`, nil).OK(t, nil)
			}()
			q := `query($h: ID!) {
				incidents(first: 100) { edges { node { id reference summary status occurredAt } } }
				h: node(id: $h) { ... on Incident { summary status } }
			}`
			r := attackPlain(t, db, srv, q, map[string]any{"h": id("h")})
			mustContain(t, r.resp.Body, accSummary(accSpec("a").ref), accSummary(accSpec("e").ref), id("h"), id("g"))
			for _, k := range []string{"g", "h", "b", "d"} {
				mustNotContain(t, r.resp.Body, accSummary(accSpec(k).ref), accSpec(k).ref)
			}
			mustNotContain(t, r.resp.Body, `"REFERRED"`, `"CLOSED"`)
			if m := accMasked(r.resp); !m["h.summary"] || !m["h.status"] {
				t.Errorf("h's summary and status not masked: %v", m)
			}
			wantPlainReads(t, r.reads)
		})

		// The exports of server/export.go, which run GraphQL operations of
		// the same server: the funder's CSV of incidents.
		t.Run("export", func(t *testing.T) {
			srv := w.as(t, accDIHR)
			mark := lastAuditSeq(t, db)
			_, fast := srv.Get(t, "/export/incidents.csv")
			wantPlainReads(t, sensitiveReadsAfter(t, db, mark))
			graph.SetPlainFields(false)
			_, slow := srv.Get(t, "/export/incidents.csv")
			graph.SetPlainFields(true)
			// The first line tells when the export was written (to the second).
			_, fast, _ = bytes.Cut(fast, []byte("\n"))
			_, slow, _ = bytes.Cut(slow, []byte("\n"))
			if !bytes.Equal(fast, slow) {
				t.Errorf("plain fields change the export\nwith:    %s\nwithout: %s", fast, slow)
			}
			mustContain(t, fast, accSummary(accSpec("a").ref))
			mustNotContain(t, fast, allSensitiveExcept()...)
			mustNotContain(t, fast, accSummary(accSpec("b").ref))
		})
	})
}
