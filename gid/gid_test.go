package gid

import (
	"bytes"
	"strings"
	"testing"
)

func TestNewIsWellFormedAndRandom(t *testing.T) {
	seen := make(map[ID]bool)
	for i := 0; i < 1000; i++ {
		id := New("inc")
		if err := id.Validate(); err != nil {
			t.Fatalf("New produced invalid id %q: %v", id, err)
		}
		if got := id.Prefix(); got != "inc" {
			t.Fatalf("Prefix() = %q, want inc", got)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
}

func TestValidate(t *testing.T) {
	good := New("loc")
	tests := []struct {
		name string
		id   ID
		ok   bool
	}{
		{"fresh", good, true},
		{"empty", "", false},
		{"integer", "42", false},
		{"no prefix", ID("_" + strings.Repeat("a", randomLen)), false},
		{"upper prefix", ID("LOC_" + strings.Repeat("a", randomLen)), false},
		{"short random", "loc_abc", false},
		{"bad alphabet", ID("loc_" + strings.Repeat("1", randomLen)), false},
		{"long prefix", ID("abcdefghi_" + strings.Repeat("a", randomLen)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.id.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate(%q) = %v, want ok=%v", tt.id, err, tt.ok)
			}
		})
	}
}

func TestGQLRoundTrip(t *testing.T) {
	id := New("act")
	var buf bytes.Buffer
	id.MarshalGQL(&buf)
	if want := `"` + string(id) + `"`; buf.String() != want {
		t.Fatalf("MarshalGQL = %s, want %s", buf.String(), want)
	}
	var back ID
	if err := back.UnmarshalGQL(string(id)); err != nil || back != id {
		t.Fatalf("UnmarshalGQL = %q, %v", back, err)
	}
	if err := back.UnmarshalGQL(12); err == nil {
		t.Fatal("UnmarshalGQL accepted a number")
	}
	if err := back.UnmarshalGQL(strings.Repeat("x", 10000)); err == nil || len(err.Error()) > 200 {
		t.Fatalf("UnmarshalGQL of a huge id: err=%v", err)
	}
}
