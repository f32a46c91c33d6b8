package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/auditevent"
)

// MinKeyLen is the shortest audit key accepted: 32 bytes, SHA-256's size.
const MinKeyLen = 32

var processKey atomic.Pointer[[]byte]

// SetKey sets the key the trail is hashed with, for the whole process:
// cmd/benkan calls it at start with BENKAN_AUDIT_KEY, a secret of the
// environment (never of the repository). nil means plain SHA-256. Every
// process appending to one database, and the one verifying it, must use
// the same key: the chain records a fingerprint of it and Append refuses a
// different one.
func SetKey(key []byte) error {
	if key == nil {
		processKey.Store(nil)
		return nil
	}
	if len(key) < MinKeyLen {
		return fmt.Errorf("the audit key must be at least %d bytes", MinKeyLen)
	}
	k := slices.Clone(key)
	processKey.Store(&k)
	return nil
}

func currentKey() []byte {
	if k := processKey.Load(); k != nil {
		return *k
	}
	return nil
}

// keyID is the fingerprint of key kept in the head row ("" for no key). It
// is an HMAC of a constant: it tells keys apart and reveals nothing of the
// key that the events' own HMACs do not.
func keyID(key []byte) string {
	if key == nil {
		return ""
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("benkan audit key id v1"))
	return hex.EncodeToString(mac.Sum(nil))[:32]
}

// hashVersion starts every encoding: a hash of this format can be told
// from any other.
const hashVersion = "benkan audit event v1\x00"

// timeLayout is how times are hashed: UTC, microseconds, the precision
// PostgreSQL keeps (Append truncates "at" to it before writing, so that
// both databases give back the value hashed).
const timeLayout = "2006-01-02T15:04:05.000000Z"

// hashed are the columns the hash covers: all of them but the hash itself,
// in name order. They come from the generated schema, so that a column
// added to AuditEvent is covered without anyone remembering to add it.
var hashed = func() []string {
	cols := slices.Clone(auditevent.Columns)
	cols = slices.DeleteFunc(cols, func(c string) bool { return c == auditevent.FieldHash })
	slices.Sort(cols)
	return cols
}()

// digest is the hash of an event, given the value of each column: HMAC-
// SHA256 with key, or SHA-256 without one, of hashVersion followed by, for
// each column of hashed in order whose value is not empty, its name, a
// letter for the kind of value and the value, each length-prefixed
// (uvarint), so that no two different events have the same encoding. An
// empty value (an empty string or list, a zero number or time, NULL) is
// left out: a column added to the schema later is empty in the events
// written before it, which keep their hashes.
func digest(key []byte, values map[string]any) (string, error) {
	b := make([]byte, 0, 1024)
	b = append(b, hashVersion...)
	for _, name := range hashed {
		kind, enc, err := encode(values[name])
		if err != nil {
			return "", fmt.Errorf("hash audit event column %s: %w", name, err)
		}
		if kind == 0 {
			continue
		}
		b = appendString(b, name)
		b = append(b, kind)
		b = appendBytes(b, enc)
	}
	var sum []byte
	if key != nil {
		mac := hmac.New(sha256.New, key)
		mac.Write(b)
		sum = mac.Sum(nil)
	} else {
		s := sha256.Sum256(b)
		sum = s[:]
	}
	return hex.EncodeToString(sum), nil
}

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// appendString is appendBytes of a string, without copying it first.
func appendString(b []byte, v string) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

var timeType = reflect.TypeFor[time.Time]()

// encode returns the kind and bytes of a value, kind 0 for an empty one.
func encode(v any) (byte, []byte, error) {
	r := reflect.ValueOf(v)
	for r.IsValid() && r.Kind() == reflect.Pointer {
		if r.IsNil() {
			return 0, nil, nil
		}
		r = r.Elem()
	}
	if !r.IsValid() || r.IsZero() {
		return 0, nil, nil
	}
	switch {
	case r.Type() == timeType:
		return 't', []byte(r.Interface().(time.Time).UTC().Format(timeLayout)), nil
	case r.Kind() == reflect.String:
		return 's', []byte(r.String()), nil
	case r.CanInt():
		return 'i', strconv.AppendInt(nil, r.Int(), 10), nil
	case r.CanUint():
		return 'i', strconv.AppendUint(nil, r.Uint(), 10), nil
	case r.Kind() == reflect.Bool:
		return 'b', []byte{1}, nil
	case r.Kind() == reflect.Slice && r.Type().Elem().Kind() == reflect.String:
		if r.Len() == 0 {
			return 0, nil, nil
		}
		size := binary.MaxVarintLen64
		for i := range r.Len() {
			size += binary.MaxVarintLen64 + r.Index(i).Len()
		}
		b := binary.AppendUvarint(make([]byte, 0, size), uint64(r.Len()))
		for i := range r.Len() {
			b = appendString(b, r.Index(i).String())
		}
		return 'l', b, nil
	}
	j, err := json.Marshal(r.Interface())
	if err != nil {
		return 0, nil, err
	}
	if string(j) == "null" || string(j) == "[]" || string(j) == "{}" {
		return 0, nil, nil
	}
	return 'j', j, nil
}

// mutationValues are the columns of an event about to be created.
func mutationValues(m *ent.AuditEventMutation) map[string]any {
	values := map[string]any{}
	if id, ok := m.ID(); ok {
		values[auditevent.FieldID] = id
	}
	for _, name := range m.Fields() {
		values[name], _ = m.Field(name)
	}
	return values
}

// entityFields maps each column of AuditEvent to the index of its field
// in ent's struct, by the json tags ent generates from the column names.
var entityFields = func() map[string]int {
	t := reflect.TypeFor[ent.AuditEvent]()
	fields := map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if slices.Contains(auditevent.Columns, name) {
			fields[name] = i
		}
	}
	if len(fields) != len(auditevent.Columns) {
		panic(fmt.Sprintf("audit: ent.AuditEvent has fields for %d of the %d columns of audit_events", len(fields), len(auditevent.Columns)))
	}
	return fields
}()

// entityValues are the columns of an event read from the database.
func entityValues(e *ent.AuditEvent) map[string]any {
	r := reflect.ValueOf(e).Elem()
	values := make(map[string]any, len(entityFields))
	for name, i := range entityFields {
		values[name] = r.Field(i).Interface()
	}
	return values
}
