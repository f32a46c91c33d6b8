package bench

import (
	"bytes"
	"strings"
	"testing"
)

// A failed page-size check (the one-off feed of 200 answering TIMEOUT, as
// it did after long runs) leaves the report whole: the target says it is
// not met, the printed report says which request failed, and the run
// fails only through failures, which Run returns after writing --json.
func TestPageSizeCheckFailureKeepsReport(t *testing.T) {
	rep := &Report{PageSizes: []PageSizeCheck{
		{Role: "admin", Statements: map[int]int{10: 4, 50: 4, 200: 4}},
		{Role: "fsi_liaison", Statements: map[int]int{10: 4, 50: 4}, Errors: map[int]string{200: "TIMEOUT: deadline"}},
	}}
	var found bool
	for _, tg := range checkTargets(rep) {
		if strings.HasPrefix(tg.Name, "feed SQL statements") {
			found = true
			if tg.Met {
				t.Errorf("target met with a failed check: %+v", tg)
			}
			if !strings.Contains(tg.Measured, "fsi_liaison 4/4/failed (TIMEOUT: deadline)") {
				t.Errorf("measured %q does not tell the failure", tg.Measured)
			}
		}
	}
	if !found {
		t.Fatal("no statements target")
	}
	var out bytes.Buffer
	printReport(&out, rep)
	if !strings.Contains(out.String(), "fsi_liaison 4/4/failed;") {
		t.Errorf("report does not show the failed size:\n%s", out.String())
	}
	err := failures(rep)
	if err == nil || !strings.Contains(err.Error(), "feed of 200 as fsi_liaison: TIMEOUT") {
		t.Errorf("failures = %v, want the failed page size", err)
	}
	rep.PageSizes[1].Errors = nil
	if err := failures(rep); err != nil {
		t.Errorf("failures without errors = %v", err)
	}
}
