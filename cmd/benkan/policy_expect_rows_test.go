package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

const demoTests = "../../demo/expectations.csv"

// `benkan policy test` decides the lines on rows on the database's rows:
// the demo's hold on a demo database; a policy file or a change that
// breaks one fails naming the line, and a reference that names no row
// fails too, saying so.
func TestPolicyTestRows(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := newPolicyDB(t, db)
		if err := loadDemo(context.Background(), db, p.store, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
		n := len(must(readExpectations(demoTests)).List)
		missing := writeFile(t, "missing.csv", "user dihr.officer, *, Incident, read, deny, Incident NIO-2099-0001\n")
		stored := p.load(t).CSV()
		consentless := strings.Replace(stored, "p, dihr_partner, *, Incident, read, shared_status&consented", "p, dihr_partner, *, Incident, read, shared_status", 1)
		if consentless == stored {
			t.Fatal("the stored policy has no consent rule for dihr_partner")
		}
		leaky := writeFile(t, "leaky.csv", consentless)
		same := writeFile(t, "same.csv", stored)
		p.steps(t, []policyStep{
			{name: "the demo rows hold", args: []string{"test", demoTests}, want: []string{fmt.Sprintf("%s: %d expectations hold for the stored policy", demoTests, n)}},
			{name: "a missing row", args: []string{"test", missing}, code: 1,
				want: []string{missing + `:1: user dihr.officer, *, Incident, read, deny, Incident NIO-2099-0001: no Incident has the reference "NIO-2099-0001"`, "fails 1 of the 1 expectations"}},
			{name: "a policy file on the rows, holding", args: []string{"test", demoTests, "--policy", same},
				want: []string{fmt.Sprintf("%d expectations hold for %s", n, same)}},
			{name: "a policy file on the rows", args: []string{"test", demoTests, "--policy", leaky}, code: 1,
				want: []string{"user dihr.officer, *, Incident, read, deny, Incident NIO-2022-0015: got allow, want deny (Incident NIO-2022-0015 is inc_", "admitted by p, dihr_partner, *, Incident, read, shared_status)", "fails 2 of the"}},
			{name: "a grant breaking a row", args: []string{"grant", "dihr_partner", "Incident", "read", "--scope", "consented", "--reason", "r", "--policy-tests", demoTests}, code: 1,
				want: []string{"benkan policy grant: the changes break 3 policy tests", "user dihr.officer, *, Incident, read, deny, Incident KAY-2022-0029: got allow, want deny"}},
		})
		// A server started with tests on rows warns of those that fail.
		var logs bytes.Buffer
		if _, err := openServeStore(context.Background(), db, policy.NewEngine(db.Client), slog.New(slog.NewTextHandler(&logs, nil)), must(readExpectations(missing)), false); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(logs.String(), `no Incident has the reference \"NIO-2099-0001\"`) || !strings.Contains(logs.String(), "failing=1") {
			t.Errorf("no warning of the missing row:\n%s", logs.String())
		}
	})
}
