package graph_test

import (
	"net/http"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// refuseReadAudits installs a trigger that makes the database refuse every
// READ_SENSITIVE audit event (a real failure of the write, as a full disk,
// a revoked grant or a broken constraint would be), and returns a function
// that removes it.
func refuseReadAudits(t *testing.T, db *storage.DB) func() {
	t.Helper()
	var install, remove []string
	switch db.Dialect {
	case dialect.SQLite:
		install = []string{`CREATE TRIGGER refuse_read_audits BEFORE INSERT ON audit_events
			WHEN NEW.action = 'READ_SENSITIVE' BEGIN SELECT RAISE(ABORT, 'audit store refuses'); END`}
		remove = []string{`DROP TRIGGER refuse_read_audits`}
	case dialect.Postgres:
		install = []string{
			`CREATE FUNCTION refuse_read_audits() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'audit store refuses'; END $$`,
			`CREATE TRIGGER refuse_read_audits BEFORE INSERT ON audit_events FOR EACH ROW
			WHEN (NEW.action = 'READ_SENSITIVE') EXECUTE FUNCTION refuse_read_audits()`,
		}
		remove = []string{`DROP TRIGGER refuse_read_audits ON audit_events`, `DROP FUNCTION refuse_read_audits()`}
	default:
		t.Fatalf("dialect %s", db.Dialect)
	}
	exec := func(stmts []string) {
		for _, s := range stmts {
			if _, err := db.SQL.ExecContext(sysCtx(), s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
	exec(install)
	return func() { exec(remove) }
}

// wantWithheld fails unless r is the answer to a request whose reads could
// not be audited: 503, no data, one UNAVAILABLE error with a request id,
// and none of the markers of the fixture's sensitive values.
func wantWithheld(t *testing.T, r *apitest.Response) {
	t.Helper()
	if r.Status != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", r.Status)
	}
	if len(r.Errors) != 1 || r.Errors[0].Code() != "UNAVAILABLE" || !strings.Contains(r.Errors[0].Message, "audit") {
		t.Fatalf("want one UNAVAILABLE error about the audit: %s", r.Body)
	}
	if id, _ := r.Errors[0].Extensions["requestId"].(string); id == "" {
		t.Errorf("no request id to find the logged cause: %s", r.Body)
	}
	if r.Data != nil && string(r.Data) != "null" {
		t.Errorf("data served unaudited: %s", r.Body)
	}
	for _, m := range []string{"MARKER-", "audit store refuses", "audit_events"} {
		if strings.Contains(string(r.Body), m) {
			t.Errorf("the response holds %q: %s", m, r.Body)
		}
	}
}

// TestUnauditedReadsAreWithheld: when the database refuses the audit
// events of a response, the sensitive data is not served: queries,
// previews and mutations reading sensitive fields answer UNAVAILABLE, and
// such a mutation is rolled back (its response says it failed, and it did:
// nothing of it is committed). Requests reading nothing sensitive, the
// mutations among them, are served and committed as before; once the
// database accepts the events again, so are the sensitive reads.
func TestUnauditedReadsAreWithheld(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		inc := w.incidents["a"]
		restore := refuseReadAudits(t, db)

		wantWithheld(t, w.srv.Query(t, auditFeed, nil))
		wantWithheld(t, w.as(t, accMonNiono).Query(t, auditFeed, nil))
		wantWithheld(t, w.srv.PreviewAs(accCoord).Query(t, auditFeed, nil))
		w.srv.Query(t, `{ incidents(first: 5) { edges { node { reference summary } } } }`, nil).OK(t, nil)

		update := `mutation($id: ID!, $s: String!) { updateIncident(id: $id, input: {summary: $s}) { id summary %s } }`
		vars := func(s string) map[string]any { return map[string]any{"id": string(inc.ID), "s": s} }
		wantWithheld(t, w.srv.Query(t, strings.ReplaceAll(update, "%s", "narrative"), vars("WITHHELD-SUMMARY")))
		if got, err := db.Client.Incident.Get(sysCtx(), inc.ID); err != nil || got.Summary != inc.Summary {
			t.Fatalf("a mutation whose audit failed was committed: summary %q (err %v)", got.Summary, err)
		}
		w.srv.Query(t, strings.ReplaceAll(update, "%s", ""), vars("KEPT-SUMMARY")).OK(t, nil)
		if got, err := db.Client.Incident.Get(sysCtx(), inc.ID); err != nil || got.Summary != "KEPT-SUMMARY" {
			t.Fatalf("a mutation reading nothing sensitive was not committed: summary %q (err %v)", got.Summary, err)
		}
		n, err := db.Client.AuditEvent.Query().Where(auditevent.ActionEQ(auditevent.ActionREAD_SENSITIVE)).Count(sysCtx())
		if err != nil || n != 0 {
			t.Fatalf("%d read events recorded while the database refused them (err %v)", n, err)
		}

		restore()
		r := w.srv.Query(t, strings.ReplaceAll(update, "%s", "narrative"), vars("AUDITED-SUMMARY"))
		r.OK(t, nil)
		if !strings.Contains(string(r.Data), accNarrative(accSpec("a").ref)) {
			t.Fatalf("the mutation's narrative is missing: %s", r.Body)
		}
		evs, err := db.Client.AuditEvent.Query().Where(auditevent.ActionEQ(auditevent.ActionREAD_SENSITIVE)).All(sysCtx())
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || len(evs[0].ObjectIds) != 1 || evs[0].ObjectIds[0] != string(inc.ID) || strings.Join(evs[0].Fields, ",") != "narrative" {
			t.Fatalf("the mutation's read, committed with it, should be one event of %s narrative: %+v", inc.ID, evs)
		}
		if got, err := db.Client.Incident.Get(sysCtx(), inc.ID); err != nil || got.Summary != "AUDITED-SUMMARY" {
			t.Fatalf("summary %q (err %v)", got.Summary, err)
		}
	})
}
