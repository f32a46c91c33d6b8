package audit_test

import (
	"testing"
	"time"

	"github.com/benkan-project/benkan/audit"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/auditevent"
)

// TestDigestIsStable: the encoding that hashes an event never changes, or
// every trail written before would stop verifying. The hashes below were
// computed by the encoding of session 5 (commit 406b4c3).
func TestDigestIsStable(t *testing.T) {
	seq := int64(42)
	reqID := "req-1"
	e := &ent.AuditEvent{
		ID: "aud_aaaaaaaaaaaaaaaaaaaaaaaaaa", At: time.Date(2026, 12, 1, 9, 30, 15, 123456000, time.UTC),
		Subject: "amdh.niono", Action: auditevent.ActionREAD_SENSITIVE, ObjectType: "Incident",
		ObjectIds: []string{"inc_bbbbbbbbbbbbbbbbbbbbbbbbbb", "inc_cccccccccccccccccccccccccc"},
		Fields:    []string{"narrative", "source"}, FieldGroups: []string{"Incident:sensitive"},
		RequestID: reqID, Decision: "allowed by role amdh_monitor", Seq: &seq, PrevHash: "ff00",
	}
	if got, want := audit.HashWithoutKey(e), "6ce41a1c5e60ca50b71172ce26852b681edd1290e6f4770f144f757145029f5f"; got != want {
		t.Errorf("SHA-256 of the event: %s, want %s (the encoding changed: old trails would no longer verify)", got, want)
	}
	useKey(t, testKey)
	if got, want := audit.HashOf(e), "a6a61a7d046c447ed920a615f50f326f15fc382570f6c14b61960922b33b4b2e"; got != want {
		t.Errorf("HMAC of the event: %s, want %s (the encoding changed: old trails would no longer verify)", got, want)
	}
}
