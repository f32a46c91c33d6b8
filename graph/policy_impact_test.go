package graph_test

// The impact of a policy change over HTTP: what policyImpact predicts is
// what the role's own token gets once the change is applied; nothing is
// written by it; a role that may not change the policy is refused; bad
// input gets applyPolicyChanges' errors; a diff between versions carries
// the same impact.

import (
	"slices"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

const polImpactFields = `{ added removed sensitive statements subjects { role domain user sensitive
	types { type before after gained lost sensitive fields { field before after sensitive } } } }`

type polImpact struct {
	Added, Removed []string
	Sensitive      bool
	Statements     int
	Subjects       []struct {
		Role, Domain, User *string
		Sensitive          bool
		Types              []struct {
			Type                        string
			Before, After, Gained, Lost int
			Sensitive                   bool
			Fields                      []struct {
				Field, Before, After string
				Sensitive            bool
			}
		}
	}
}

// polIncidentIDs returns the ids of the incidents srv's viewer reads, and
// how many narratives it reads.
func polIncidentIDs(t *testing.T, srv *apitest.Server) ([]string, int) {
	t.Helper()
	var got struct {
		Incidents struct {
			Edges []struct {
				Node struct {
					ID        string
					Narrative *string
				}
			}
		}
	}
	srv.Query(t, `{ incidents(first: 100) { edges { node { id narrative } } } }`, nil).OK(t, &got)
	var ids []string
	n := 0
	for _, e := range got.Incidents.Edges {
		ids = append(ids, e.Node.ID)
		if e.Node.Narrative != nil {
			n++
		}
	}
	return ids, n
}

func minus(a, b []string) int {
	n := 0
	for _, x := range a {
		if !slices.Contains(b, x) {
			n++
		}
	}
	return n
}

func TestPolicyImpact(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := polSetup(t, db)
		dihr := w.as(t, polDIHR)
		const changes = `[
			{revoke: {role: "dihr_partner", object: "Incident", action: "read", scope: "shared_status&consented"}},
			{grant: {role: "dihr_partner", object: "Incident", action: "read", scope: "verified"}},
			{grant: {role: "dihr_partner", object: "Incident:sensitive", action: "read", scope: "verified"}}]`

		before := polState(t, w)
		var got struct{ PolicyImpact polImpact }
		w.srv.Query(t, `{ policyImpact(changes: `+changes+`) `+polImpactFields+` }`, nil).OK(t, &got)
		polUnchanged(t, w, before) // an impact writes nothing

		idsBefore, narrBefore := polIncidentIDs(t, dihr)
		w.srv.Query(t, `mutation { applyPolicyChanges(reason: "verified, with narratives", changes: `+changes+`) { id } }`, nil).OK(t, nil)
		idsAfter, narrAfter := polIncidentIDs(t, dihr)
		if narrBefore != 0 || narrAfter == 0 {
			t.Fatalf("DIHR reads %d narratives before, %d after: the change should give some", narrBefore, narrAfter)
		}

		im := got.PolicyImpact
		if len(im.Subjects) != 1 || im.Subjects[0].Role == nil || *im.Subjects[0].Role != "dihr_partner" ||
			*im.Subjects[0].Domain != "*" || im.Subjects[0].User != nil {
			t.Fatalf("subjects %+v, want the role dihr_partner in *", im.Subjects)
		}
		if len(im.Added) != 2 || len(im.Removed) != 1 || !im.Sensitive || !im.Subjects[0].Sensitive || im.Statements == 0 {
			t.Errorf("impact %+v", im)
		}
		var found bool
		for _, ti := range im.Subjects[0].Types {
			if ti.Type != "Incident" {
				continue
			}
			found = true
			// What the impact counted is what DIHR's token gets.
			if ti.Before != len(idsBefore) || ti.After != len(idsAfter) ||
				ti.Gained != minus(idsAfter, idsBefore) || ti.Lost != minus(idsBefore, idsAfter) {
				t.Errorf("Incident %d→%d (+%d −%d); DIHR read %d then %d (+%d −%d)", ti.Before, ti.After, ti.Gained, ti.Lost,
					len(idsBefore), len(idsAfter), minus(idsAfter, idsBefore), minus(idsBefore, idsAfter))
			}
			if ti.Gained == 0 {
				t.Errorf("the fixture should show DIHR unconsented verified incidents")
			}
			narrative := false
			for _, f := range ti.Fields {
				if f.Field == "narrative" {
					narrative = f.Before == "none" && f.After != "none" && f.Sensitive
				}
			}
			if !narrative || !ti.Sensitive {
				t.Errorf("narrative not flagged as sensitive and made readable: %+v", ti.Fields)
			}
		}
		if !found {
			t.Fatalf("no Incident in %+v", im.Subjects[0].Types)
		}

		t.Run("the diff of the versions has the same impact", func(t *testing.T) {
			v := polLatest(t, w)
			var d struct {
				Policy struct{ Diff struct{ Impact polImpact } }
			}
			w.srv.Query(t, `query($from: Int!, $to: Int!) { policy { diff(from: $from, to: $to) { impact `+polImpactFields+` } } }`,
				map[string]any{"from": v - 1, "to": v}).OK(t, &d)
			di := d.Policy.Diff.Impact
			if !di.Sensitive || len(di.Subjects) != 1 || len(di.Subjects[0].Types) != len(im.Subjects[0].Types) {
				t.Fatalf("diff impact %+v, want %+v", di, im)
			}
			for i, ti := range di.Subjects[0].Types {
				want := im.Subjects[0].Types[i]
				// The data has not changed: the counts are the same.
				if ti.Type != want.Type || ti.Gained != want.Gained || ti.Lost != want.Lost || ti.Before != want.Before {
					t.Errorf("diff %+v, impact %+v", ti, want)
				}
			}
			var r struct {
				Policy struct{ RollbackImpact polImpact }
			}
			w.srv.Query(t, `query($v: Int!) { policy { rollbackImpact(toVersion: $v) `+polImpactFields+` } }`,
				map[string]any{"v": v - 1}).OK(t, &r)
			if ri := r.Policy.RollbackImpact; ri.Sensitive || len(ri.Subjects) != 1 || len(ri.Added) != 1 || len(ri.Removed) != 2 {
				t.Errorf("rollback impact %+v", ri)
			}
		})

		t.Run("a field whose reads would no longer be audited", func(t *testing.T) {
			var got struct {
				PolicyImpact struct {
					Sensitive bool
					Unaudited []string
				}
			}
			w.srv.Query(t, `{ policyImpact(changes: [{ungroup: {field: "Incident.narrative", group: "Incident:sensitive"}}]) { sensitive unaudited } }`, nil).OK(t, &got)
			if im := got.PolicyImpact; !im.Sensitive || !slices.Equal(im.Unaudited, []string{"Incident.narrative"}) {
				t.Errorf("taking the narrative out of Incident:sensitive: %+v", im)
			}
			// Moved to a group that is not audited: the same.
			w.srv.Query(t, `{ policyImpact(changes: [{ungroup: {field: "Incident.narrative", group: "Incident:sensitive"}},
				{group: {field: "Incident.narrative", group: "Incident:statistics"}}]) { sensitive unaudited } }`, nil).OK(t, &got)
			if im := got.PolicyImpact; !im.Sensitive || !slices.Equal(im.Unaudited, []string{"Incident.narrative"}) {
				t.Errorf("moving the narrative from Incident:sensitive to Incident:statistics: %+v", im)
			}
			// Moved into another audited group: still audited.
			w.srv.Query(t, `{ policyImpact(changes: [{ungroup: {field: "Incident.narrative", group: "Incident:sensitive"}},
				{group: {field: "Incident.narrative", group: "Incident:identifying"}}]) { sensitive unaudited } }`, nil).OK(t, &got)
			if im := got.PolicyImpact; len(im.Unaudited) != 0 {
				t.Errorf("moving the narrative to another audited group: %+v", im)
			}
		})

		t.Run("only who may change the policy", func(t *testing.T) {
			// The coordinator reads the policy, and may not change it.
			for _, who := range []string{polCoord, polDIHR} {
				w.as(t, who).Query(t, `{ policyImpact(changes: `+changes+`) { sensitive } }`, nil).Code(t, "FORBIDDEN")
			}
		})

		t.Run("bad input gets applyPolicyChanges' errors", func(t *testing.T) {
			before := polState(t, w)
			for _, bad := range []string{
				`[{grant: {role: "nosuchrole", object: "Incident", action: "read"}}]`,
				`[{grant: {role: "dihr_partner", object: "Incident", action: "read"}}, {grant: {role: "dihr_partner", object: "Incident.nope", action: "read"}}]`,
				`[{assign: {subject: "pol-dihr", role: "amdh_monitor", domain: "loc_nosuchlocality000000000"}}]`,
				`[]`,
			} {
				i := w.srv.Query(t, `{ policyImpact(changes: `+bad+`) { sensitive } }`, nil).Code(t, "BAD_USER_INPUT")
				a := w.srv.Query(t, `mutation { applyPolicyChanges(reason: "bad", changes: `+bad+`) { id } }`, nil).Code(t, "BAD_USER_INPUT")
				if i.Message != a.Message || i.Extensions["field"] != a.Extensions["field"] {
					t.Errorf("%s: impact says %q (%v), apply %q (%v)", bad, i.Message, i.Extensions["field"], a.Message, a.Extensions["field"])
				}
			}
			polUnchanged(t, w, before)
		})
	})
}
