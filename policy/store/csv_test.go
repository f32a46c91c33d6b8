package store_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// Export, ParseFile and Import round trip; a file without a line removes
// it; a file with an invalid line is refused naming the line.
func TestImport(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		exported := w.policy().CSV()
		parse := func(text string) *store.File {
			t.Helper()
			f, err := store.ParseFile(text)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			return f
		}

		before := w.counts()
		_, err := w.store.Import(w.operator(), parse(exported), "round trip")
		if e := wantCode(t, err, benkan.EINVALID); !strings.Contains(e.Message, "nothing to import") {
			t.Fatalf("the round trip says %q", e.Message)
		}
		if got := w.counts(); got != before {
			t.Fatalf("the round trip wrote something: %+v, was %+v", got, before)
		}

		// An invalid line, refused with its line number.
		lines := strings.Split(exported, "\n")
		bad := slices.Insert(slices.Clone(lines), 3, "p, amdh_coordinator, *, Incident, delete, all")
		_, err = w.store.Import(w.operator(), parse(strings.Join(bad, "\n")), "bad file")
		if e := wantCode(t, err, benkan.EINVALID); !strings.Contains(e.Message, "line 4: p, amdh_coordinator, *, Incident, delete, all") {
			t.Fatalf("the error %q does not name line 4", e.Message)
		}
		if got := w.counts(); got != before {
			t.Fatalf("a refused import wrote something: %+v, was %+v", got, before)
		}

		// A file without a line removes it.
		const dropped = "p, amdh_coordinator, *, ViolationType, update, all"
		if !w.viewer(subjCoord).Holds("*", "ViolationType", policy.ActionUpdate) {
			t.Fatalf("the coordinator does not hold the line to drop")
		}
		kept := slices.DeleteFunc(slices.Clone(lines), func(l string) bool { return l == dropped })
		if len(kept) != len(lines)-1 {
			t.Fatalf("the export does not hold %q once", dropped)
		}
		v, err := w.store.Import(w.operator(), parse(strings.Join(kept, "\n")), "drop a line")
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		if !slices.Equal(v.Removed, []string{dropped}) || len(v.Added) != 0 {
			t.Fatalf("the import added %v and removed %v, want removed [%s]", v.Added, v.Removed, dropped)
		}
		if strings.Contains(w.policy().CSV(), dropped) {
			t.Fatalf("the line is still stored")
		}
		if w.viewer(subjCoord).Holds("*", "ViolationType", policy.ActionUpdate) {
			t.Fatalf("the coordinator still holds the dropped line")
		}
		if got := w.counts(); got.versions != before.versions+1 || got.audit != before.audit+1 || got.rules != before.rules-1 {
			t.Fatalf("after the import %+v, was %+v", got, before)
		}
	})
}

// Replicas starting at once on an empty database store the default policy
// once. A race shows only sometimes, so it is run on a few databases.
func TestSeedOnce(t *testing.T) {
	for _, d := range storagetest.Databases() {
		t.Run(d.Name, func(t *testing.T) {
			for range 5 {
				seedOnce(t, d.Open(t, storage.Config{}))
			}
		})
	}
}

func seedOnce(t *testing.T, db *storage.DB) {
	t.Helper()
	const replicas = 8
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = store.Open(context.Background(), db, store.Options{})
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
	}
	sys := policy.SystemContext(context.Background())
	want := len(policy.Lines(policy.DefaultPolicy))
	if n := must(db.Client.PolicyRule.Query().Count(sys)); n != want {
		t.Fatalf("%d lines stored, want the default policy's %d", n, want)
	}
	if n := must(db.Client.PolicyRole.Query().Count(sys)); n != len(policy.Roles) {
		t.Fatalf("%d roles stored, want %d", n, len(policy.Roles))
	}
	if n := must(db.Client.PolicyVersion.Query().Count(sys)); n != 1 {
		t.Fatalf("%d versions stored, want 1", n)
	}
	s, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatalf("open once more: %v", err)
	}
	p, err := s.Load(store.AsOperator(context.Background(), "test"))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if len(p.Problems) != 0 || len(p.Permissions)+len(p.FieldGroups) != want {
		t.Fatalf("the seeded policy: %d permissions, %d field groups, problems %+v", len(p.Permissions), len(p.FieldGroups), p.Problems)
	}
}
