package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestPolicyImpactCommand runs policy impact (one change, an import, a rollback)
// and diff --impact on a database of three incidents, whose counts are
// written by hand: dihr_partner sees none by default (none is consented);
// two are VERIFIED, one REPORTED.
func TestPolicyImpactCommand(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := newPolicyDB(t, db)
		ctx := policy.SystemContext(context.Background())
		c := db.Client
		niono, err := c.Locality.Create().SetName("Niono").SetLevel(locality.LevelCOMMUNE).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		vt, err := c.ViolationType.Create().SetCode("threats").SetLabelFr("Menaces").SetLabelEn("Threats").Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		for i, st := range []incident.Status{incident.StatusVERIFIED, incident.StatusVERIFIED, incident.StatusREPORTED} {
			err := c.Incident.Create().SetReference("NIO-2024-000" + strconv.Itoa(i+1)).SetOccurredAt(at).SetReportedAt(at).
				SetStatus(st).SetSummary("s").SetLocality(niono).AddViolationTypes(vt).Exec(ctx)
			if err != nil {
				t.Fatal(err)
			}
		}
		run := func(args ...string) (string, string, int) {
			t.Helper()
			return runPolicy(t, append(args, p.flags...)...)
		}
		versions := func() int {
			n, err := c.PolicyVersion.Query().Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		before, revision := versions(), p.load(t).Revision

		out, errOut, code := run("impact", "grant", "dihr_partner", "Incident:sensitive", "read", "--scope", "verified")
		if code != 0 {
			t.Fatalf("impact: status %d\n%s", code, errOut)
		}
		for _, want := range []string{
			"impact: 1 added, 0 removed, 1 subjects touched,", fmt.Sprintf(", on policy revision %d\n", revision),
			"  + p, dihr_partner, *, Incident:sensitive, read, verified\n",
			"SENSITIVE: the change makes identifying or sensitive fields readable",
			"\nrole dihr_partner in * (SENSITIVE)\n",
			// No row grant covers the verified incidents: no row changes,
			// but the fields are readable on some (none) of the rows.
			"  Incident.narrative readable: none -> some  SENSITIVE\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("impact output lacks %q:\n%s", want, out)
			}
		}

		out, _, code = run("impact", "grant", "dihr_partner", "Incident", "read", "--scope", "verified")
		if code != 0 || strings.Contains(out, "SENSITIVE") {
			t.Fatalf("impact of a row grant: status %d\n%s", code, out)
		}
		// type, before, after, +, -: the two VERIFIED incidents.
		if !strings.Contains(out, "  Incident       0      2  +2  -0") {
			t.Errorf("impact output lacks the incidents' row:\n%s", out)
		}

		// A change grant would refuse is refused the same way.
		_, impactErr, code := run("impact", "grant", "nosuchrole", "Incident", "read")
		_, grantErr, grantCode := run("grant", "nosuchrole", "Incident", "read", "--reason", "x")
		if code != 1 || grantCode != 1 || strings.TrimPrefix(impactErr, "benkan policy impact grant: ") != strings.TrimPrefix(grantErr, "benkan policy grant: ") {
			t.Errorf("impact refusal (%d) %q, grant's (%d) %q", code, impactErr, grantCode, grantErr)
		}
		if _, _, code := run("impact"); code != 2 {
			t.Errorf("impact without a change: status %d, want 2", code)
		}
		if versions() != before || p.load(t).Revision != revision {
			t.Fatalf("impact wrote: %d versions, then %d", before, versions())
		}

		// The impact of importing a file: the exported policy with the
		// row grant added.
		exported, _, code := run("export")
		if code != 0 {
			t.Fatal("export failed")
		}
		file := filepath.Join(t.TempDir(), "policy.csv")
		if err := os.WriteFile(file, []byte(exported+"p, dihr_partner, *, Incident, read, verified\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		out, errOut, code = run("impact", "--import", file)
		if code != 0 || !strings.Contains(out, "  Incident       0      2  +2  -0") {
			t.Errorf("impact --import: status %d\n%s%s", code, out, errOut)
		}

		// diff --impact, and the impact of rolling back.
		v1 := strconv.Itoa(p.lastVersion(t).ID)
		if _, errOut, code := run("grant", "dihr_partner", "Incident", "read", "--scope", "verified", "--reason", "verified"); code != 0 {
			t.Fatal(errOut)
		}
		v2 := strconv.Itoa(p.lastVersion(t).ID)
		out, _, code = run("diff", v1, v2, "--impact")
		if code != 0 || !strings.Contains(out, "  + p, dihr_partner, *, Incident, read, verified\n") || !strings.Contains(out, "  Incident       0      2  +2  -0") {
			t.Errorf("diff --impact: status %d\n%s", code, out)
		}
		out, _, code = run("impact", "--rollback", v1)
		if code != 0 || !strings.Contains(out, "  Incident       2      0  +0  -2") {
			t.Errorf("impact --rollback: status %d\n%s", code, out)
		}
	})
}
