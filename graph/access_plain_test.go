package graph_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/graph"
	"github.com/benkan-project/benkan/graph/generated"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// plainCompared counts the queries of queryPlainBothWays whose first
// answer wrote plain fields directly.
var plainCompared atomic.Int64

// queryPlainBothWays sends q as srv's user twice, with plain fields
// written directly (the default) and with every field through the field
// interceptor, and fails unless both answers are the same bytes and wrote
// the same audit events. It returns the first answer.
func queryPlainBothWays(t *testing.T, db *storage.DB, srv *apitest.Server, q string, vars map[string]any) *apitest.Response {
	t.Helper()
	fast, direct := plainBothWays(t, db, srv, q, vars, nil)
	if direct {
		plainCompared.Add(1)
	}
	return fast
}

// plainBothWays is queryPlainBothWays, also saying whether the first
// answer wrote plain fields directly; afterFast, when not nil, is called
// between the two queries with the audit's last seq before the first, to
// read what the first alone recorded.
func plainBothWays(t *testing.T, db *storage.DB, srv *apitest.Server, q string, vars map[string]any, afterFast func(seq int64)) (fast *apitest.Response, direct bool) {
	t.Helper()
	mark := lastAuditSeq(t, db)
	before := graph.PlainServedDecisions()
	fast = srv.Query(t, q, vars)
	direct = graph.PlainServedDecisions() > before
	fastEvents := auditEventsAfter(t, db, mark)
	if afterFast != nil {
		afterFast(mark)
	}
	mark = lastAuditSeq(t, db)
	graph.SetPlainFields(false)
	slow := srv.Query(t, q, vars)
	graph.SetPlainFields(true)
	slowEvents := auditEventsAfter(t, db, mark)
	if fast.Status != slow.Status || !bytes.Equal(fast.Body, slow.Body) {
		t.Errorf("plain fields change the answer to %s\nwith:    %d %s\nwithout: %d %s", q, fast.Status, fast.Body, slow.Status, slow.Body)
	}
	if !slices.Equal(fastEvents, slowEvents) {
		t.Errorf("plain fields change the audit of %s\nwith:    %q\nwithout: %q", q, fastEvents, slowEvents)
	}
	return fast, direct
}

func lastAuditSeq(t *testing.T, db *storage.DB) int64 {
	t.Helper()
	e, err := db.Client.AuditEvent.Query().Where(auditevent.SeqNotNil()).Order(ent.Desc(auditevent.FieldSeq)).First(accSys())
	if ent.IsNotFound(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return *e.Seq
}

// auditEventsAfter returns what the events after seq say, in order:
// everything but their time, request id, position and hashes.
func auditEventsAfter(t *testing.T, db *storage.DB, seq int64) []string {
	t.Helper()
	events, err := db.Client.AuditEvent.Query().Where(auditevent.SeqGT(seq)).Order(ent.Asc(auditevent.FieldSeq)).All(accSys())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range events {
		out = append(out, fmt.Sprintf("%s %s %s %q %q %q %q %q", e.Subject, e.Action, e.ObjectType, e.ObjectID, e.ObjectIds, e.Fields, e.FieldGroups, e.Decision))
	}
	return out
}

// TestPlainFieldsOnlyWhereGenerated reads the generated code: the only
// field functions with a direct branch are those of the plain fields, one
// each, with the index of their own name; every other field of an object
// type goes through resolveField, hence through the field interceptors;
// and every plain field is, in the served schema, a scalar or enum field
// without arguments.
func TestPlainFieldsOnlyWhereGenerated(t *testing.T) {
	src, err := os.ReadFile("generated/generated.go")
	if err != nil {
		t.Fatal(err)
	}
	plain := generated.PlainFields()
	if len(plain) < 50 {
		t.Fatalf("only %d plain fields", len(plain))
	}
	index := map[string]int{}
	for i, f := range plain {
		index[f.Type+"."+f.Field] = i
	}
	funcs := regexp.MustCompile(`(?m)^func \(ec \*executionContext\) _(__[A-Za-z]+|[A-Za-z][A-Za-z0-9]*)_(\w+)\(ctx context\.Context, field graphql\.CollectedField, obj [^)]+\) \(ret graphql\.Marshaler\) \{\n((?:\t.*\n|\n)*?)\}\n`)
	branch := regexp.MustCompile(`servesPlain\(ctx, (\d+)\)`)
	seen := map[string]bool{}
	for _, m := range funcs.FindAllSubmatch(src, -1) {
		name, body := string(m[1])+"."+string(m[2]), m[3]
		b := branch.FindAllSubmatch(body, -1)
		i, isPlain := index[name]
		switch {
		case !isPlain && len(b) > 0:
			t.Errorf("%s is not a plain field but has a direct branch", name)
		case isPlain && (len(b) != 1 || string(b[0][1]) != strconv.Itoa(i)):
			t.Errorf("%s: want one branch with index %d, found %q", name, i, b)
		}
		if !bytes.Contains(body, []byte("\treturn resolveField(\n")) {
			t.Errorf("%s does not go through resolveField", name)
		}
		seen[name] = true
	}
	for _, f := range plain {
		if !seen[f.Type+"."+f.Field] {
			t.Errorf("plain field %s.%s has no function", f.Type, f.Field)
		}
	}
	if n := len(branch.FindAll(src, -1)); n != len(plain) {
		t.Errorf("%d direct branches in the generated code, %d plain fields", n, len(plain))
	}
	s := graph.ServedSchema()
	for _, f := range plain {
		def := s.Types[f.Type].Fields.ForName(f.Field)
		if def == nil || len(def.Arguments) > 0 || def.Type.Elem != nil {
			t.Errorf("plain field %s.%s is not a field without arguments of a named type", f.Type, f.Field)
			continue
		}
		if k := s.Types[def.Type.Name()].Kind; k != "SCALAR" && k != "ENUM" {
			t.Errorf("plain field %s.%s is a %s", f.Type, f.Field, k)
		}
	}
}

// TestPlainFieldsDecidedByAccess enumerates every field of every object
// type of the served schema for every role of the acceptance matrix: a
// field is written without the interceptor only if it is a plain field
// and the Access extension's policy facts say that the viewer reads it on
// every row, unaudited, and that it tells no audited field of other rows;
// and never a field that DESIGN.md's matrix (accRole, which reads nothing
// of the policy) masks on some row for that role, nor an audited one.
func TestPlainFieldsDecidedByAccess(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		plain := map[string]bool{}
		for _, f := range generated.PlainFields() {
			plain[f.Type+"."+f.Field] = true
		}
		audited := map[string]bool{}
		for _, f := range []string{"Incident.narrative", "Incident.exactLocation", "Incident.source", "Actor.fullName", "Actor.contact", "Actor.address"} {
			audited[f] = true
		}
		s := graph.ServedSchema()
		for _, subject := range accRoleOrder {
			r := w.roles[subject]
			v, err := w.srv.Engine.Viewer(context.Background(), subject)
			if err != nil {
				t.Fatal(err)
			}
			masked := map[string]bool{} // Type.field masked on some row it sees
			for _, spec := range accIncidents {
				if !r.rows(spec) {
					continue
				}
				out := map[string]bool{}
				r.incidentMasks("Incident", spec, accSensitiveFields, out)
				for k := range out {
					masked[k] = true
				}
			}
			for _, a := range w.actorInfo {
				if !w.seesActor(r, a) {
					continue
				}
				out := map[string]bool{}
				r.actorMasks("Actor", a, accActorFieldList, out)
				for k := range out {
					masked[k] = true
				}
			}
			served := 0
			for _, name := range slices.Sorted(mapKeys(s.Types)) {
				typ := s.Types[name]
				if typ.Kind != "OBJECT" || strings.HasPrefix(name, "__") {
					continue
				}
				for _, f := range typ.Fields {
					key := name + "." + f.Name
					if !plain[key] {
						continue // a resolver, an edge, a list: InterceptField
					}
					if !graph.PlainServes(v, name, f.Name) {
						continue
					}
					served++
					switch {
					case audited[key] || v.Audited(name, f.Name):
						t.Errorf("%s: audited field %s written without the interceptor", subject, key)
					case masked[key]:
						t.Errorf("%s: %s, masked on some row, written without the interceptor", subject, key)
					case policyType(name) && f.Name != "id" && (!v.FullyReadable(name, f.Name) || !v.ReadsInverse(name, f.Name)):
						t.Errorf("%s: %s, not read on every row, written without the interceptor", subject, key)
					}
				}
			}
			if subject != accNoRole && served == 0 {
				t.Errorf("%s: no field written directly", subject)
			}
		}
	})
}

// policyType reports whether typ is a type of the data model, whose
// fields the policy decides.
func policyType(typ string) bool {
	switch typ {
	case "Incident", "Actor", "Involvement", "FollowUp", "Activity", "Recommendation", "Locality", "Organization", "User", "AuditEvent", "ViolationType":
		return true
	}
	return false
}

// fieldCounter is a field interceptor that counts the fields it sees.
type fieldCounter struct {
	mu   sync.Mutex
	seen map[string]int
}

func (*fieldCounter) ExtensionName() string                   { return "FieldCounter" }
func (*fieldCounter) Validate(graphql.ExecutableSchema) error { return nil }
func (c *fieldCounter) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	c.mu.Lock()
	c.seen[fc.Object+"."+fc.Field.Name]++
	c.mu.Unlock()
	return next(ctx)
}

// TestPlainFieldsSeenByOtherInterceptors: a server with another field
// interceptor than Access writes no field directly: the interceptor sees
// every plain field of every row, and the answer is the same.
func TestPlainFieldsSeenByOtherInterceptors(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		newFixture(t, db.Client, 5)
		c := &fieldCounter{seen: map[string]int{}}
		srv := apitest.StartWith(t, db, apitest.Options{Extensions: []graphql.HandlerExtension{c}})
		var page struct {
			Incidents struct {
				Edges []struct {
					Node struct{ ID, Reference string }
				}
			}
		}
		srv.Query(t, `{ incidents(first: 5) { edges { cursor node { id reference status locality { name } } } } }`, nil).OK(t, &page)
		n := len(page.Incidents.Edges)
		if n != 5 {
			t.Fatalf("%d incidents, want 5", n)
		}
		for _, f := range []string{"IncidentEdge.cursor", "Incident.id", "Incident.reference", "Incident.status", "Locality.name"} {
			if c.seen[f] != n {
				t.Errorf("the interceptor saw %s %d times, want %d (seen: %v)", f, c.seen[f], n, c.seen)
			}
		}
	})
}
