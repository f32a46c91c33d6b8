package audit_test

import (
	"context"
	"testing"

	"github.com/benkan-project/benkan/audit"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// BenchmarkAppend compares one transaction per append (each) with group
// commit (grouped, what Append does), with many goroutines appending one
// event each at once, as the responses of a busy server do:
//
//	go test ./audit -run '^$' -bench Append -cpu 2 -benchtime 3s
//
// ns/op is per append, across all goroutines; appends/s is its inverse.
func BenchmarkAppend(b *testing.B) {
	modes := []struct {
		name   string
		append func(context.Context, *ent.Client, ...*ent.AuditEventCreate) error
	}{{"each", audit.AppendEach}, {"grouped", audit.Append}}
	for _, d := range storagetest.Databases() {
		for _, mode := range modes {
			b.Run(d.Name+"/"+mode.name, func(b *testing.B) {
				db := d.Open(b, storage.Config{})
				ctx := context.Background()
				b.SetParallelism(16) // 16 goroutines per CPU
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := mode.append(ctx, db.Client, read(db.Client, 1)); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
				r, err := audit.Verify(ctx, db.Client)
				if err != nil || r.Problem != nil {
					b.Fatalf("the chain after the benchmark: %v %v", err, r.Problem)
				}
			})
		}
	}
}
