package store_test

import (
	"context"
	"testing"

	"github.com/benkan-project/benkan/demo"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// BenchmarkImpactEveryRole measures the impact of a change that touches
// every role but admin, on the demo data: a grant to a role that each of
// them holds.
// Its cost is one COUNT statement per subject and type (statements/op).
func BenchmarkImpactEveryRole(b *testing.B) {
	for _, d := range storagetest.Databases() {
		b.Run(d.Name, func(b *testing.B) {
			db := d.Open(b, storage.Config{})
			ctx := context.Background()
			sys := policy.SystemContext(ctx)
			if _, err := demo.Load(sys, db.Client); err != nil {
				b.Fatal(err)
			}
			s, err := store.Open(ctx, db, store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			op := store.AsOperator(ctx, "bench")
			as, err := demo.Assignments(sys, db.Client)
			if err != nil {
				b.Fatal(err)
			}
			var held []store.Assignment
			for _, a := range as {
				held = append(held, store.Assignment{Subject: a.Subject, Role: a.Role, Domain: a.Domain})
			}
			if err := s.EnsureAssigned(op, "demo users", held); err != nil {
				b.Fatal(err)
			}
			changes := []store.Change{{Op: store.CreateRole, Role: store.Role{Name: "everyone", Description: "held by every role"}}}
			for _, r := range policy.Roles[1:] { // admin reads everything already (and the demo's admin user shares its name)
				changes = append(changes, store.Change{Op: store.Assign, Assignment: store.Assignment{Subject: r, Role: "everyone", Domain: "*"}})
			}
			if _, err := s.Apply(op, changes, "a role every role holds"); err != nil {
				b.Fatal(err)
			}
			change := []store.Change{{Op: store.Grant, Permission: store.Permission{Role: "everyone", Domain: "*", Object: "Incident", Action: "read", Scope: "reported"}}}
			var im *store.Impact
			b.ResetTimer()
			for b.Loop() {
				if im, err = s.Impact(op, change); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(im.Subjects)), "subjects/op")
			b.ReportMetric(float64(im.Statements), "statements/op")
		})
	}
}
