package graph_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestPolicyProposalsImpactForbiddenFirst: a coordinator reads the policy
// and its proposals but may not compute their impact (that is update on
// Policy). Asking for the impacts of 7 pending proposals, it gets
// FORBIDDEN for each, never TOO_MANY_IMPACTS: the limit would otherwise be
// answered first, past the fifth, and the refusal's code would count the
// proposals for a caller who may compute none of their impacts.
func TestPolicyProposalsImpactForbiddenFirst(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := apSetup(t, db, false)
		for i := range 7 {
			apProposed(t, w.srv, "one of many", fmt.Sprintf(`{createRole: {name: "many_%d", description: "r"}}`, i))
		}
		r := w.as(t, polCoord).Query(t, `{ policy { proposals(status: PENDING) { id a: impact { statements } b: impact { revision } } } }`, nil)
		var got struct {
			Policy struct {
				Proposals []struct {
					ID   int
					A, B *json.RawMessage
				}
			}
		}
		if err := json.Unmarshal(r.Data, &got); err != nil {
			t.Fatalf("%v: %s", err, r.Body)
		}
		if len(got.Policy.Proposals) != 7 {
			t.Fatalf("the coordinator lists %d proposals, want 7: %s", len(got.Policy.Proposals), r.Body)
		}
		for _, p := range got.Policy.Proposals {
			if p.A != nil || p.B != nil {
				t.Errorf("the coordinator is served the impact of proposal %d", p.ID)
			}
		}
		if len(r.Errors) != 14 {
			t.Errorf("%d errors, want one per impact asked (14): %s", len(r.Errors), r.Body)
		}
		for _, e := range r.Errors {
			if e.Code() != "FORBIDDEN" {
				t.Errorf("error %+v, want FORBIDDEN", e)
			}
		}
	})
}
