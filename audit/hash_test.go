package audit

import (
	"reflect"
	"testing"
	"time"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/auditevent"
)

// TestDigestCoversEveryColumn: changing any one column of an event (but
// the hash itself) changes its hash, so that no column of the schema,
// present or added later, escapes the chain; and the encoding does not let
// a value slide from one column into the next.
func TestDigestCoversEveryColumn(t *testing.T) {
	seq := int64(7)
	base := ent.AuditEvent{
		ID: "aud_1", At: time.Date(2026, 7, 1, 9, 14, 3, 123456000, time.UTC), Subject: "ab",
		Action: auditevent.ActionREAD_SENSITIVE, ObjectType: "c", ObjectID: "inc_1",
		Fields: []string{"narrative"}, Decision: "allowed by role admin", Seq: &seq, PrevHash: "00ff",
	}
	hash := func(e ent.AuditEvent) string {
		h, err := digest(nil, entityValues(&e))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	want := hash(base)
	for _, col := range hashed {
		e := base
		f := reflect.ValueOf(&e).Elem().Field(entityFields[col])
		switch v := f.Addr().Interface().(type) {
		case *time.Time:
			*v = v.Add(time.Microsecond)
		case *[]string:
			*v = []string{"narrative", "source"}
		case **int64:
			n := **v + 1
			*v = &n
		default:
			if f.Kind() != reflect.String {
				t.Fatalf("column %s: a test value of %s is missing here", col, f.Type())
			}
			f.SetString(f.String() + "x")
		}
		if hash(e) == want {
			t.Errorf("changing column %s leaves the hash unchanged", col)
		}
	}
	slid := base
	slid.Subject, slid.ObjectType = "a", "bc"
	if hash(slid) == want {
		t.Error(`subject "ab", object type "c" hash as subject "a", object type "bc"`)
	}
	keyed, err := digest([]byte("k"), entityValues(&base))
	if err != nil || keyed == want {
		t.Errorf("the keyed hash is the plain one (%v)", err)
	}
	// At microsecond precision: nanoseconds the databases do not keep do
	// not count.
	e := base
	e.At = e.At.Add(999 * time.Nanosecond)
	if hash(e) != want {
		t.Error("nanoseconds below the microsecond change the hash")
	}
}
