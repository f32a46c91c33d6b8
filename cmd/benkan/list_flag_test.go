package main

import (
	"io"
	"strings"
	"testing"
)

// TestListFlag: a list flag is repeatable, its environment variable gives
// the list when the command line does not, and the command line replaces it.
func TestListFlag(t *testing.T) {
	tests := []struct {
		env  string // BENKAN_TEST_LIST; "" for unset
		args []string
		want string
	}{
		{"", nil, ""},
		{"", []string{"--test-list", "a", "--test-list", "b,c"}, "a|b,c"},
		{"x,y", nil, "x,y"},
		{"x,y", []string{"--test-list", "a"}, "a"},
	}
	for _, tt := range tests {
		if tt.env != "" {
			t.Setenv("BENKAN_TEST_LIST", tt.env)
		}
		fs := newFlagSet("test", "", io.Discard)
		l := &listFlag{}
		fs.Var(l, "test-list", "")
		if err := parse(fs, tt.args); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(l.values, "|"); got != tt.want {
			t.Errorf("env %q, args %q: %q, want %q", tt.env, tt.args, got, tt.want)
		}
	}
}
