package policy_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/benkan-project/benkan/policy"
)

// Clip keeps audit text within the column's 255 bytes and valid UTF-8
// (PostgreSQL refuses a cut inside an accented letter, and the audit event
// would be lost).
func TestClip(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
	}{
		{"short", "preview as moussa", "preview as moussa"},
		{"255 bytes", strings.Repeat("a", 255), strings.Repeat("a", 255)},
		{"ascii", strings.Repeat("a", 300), strings.Repeat("a", 252) + "..."},
		{"accents on the cut", "a" + strings.Repeat("é", 200), "a" + strings.Repeat("é", 125) + "..."},
		{"accents off the cut", strings.Repeat("é", 200), strings.Repeat("é", 126) + "..."},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := policy.Clip(c.in)
			if got != c.want || len(got) > 255 || !utf8.ValidString(got) {
				t.Errorf("Clip = %q (%d bytes), want %q", got, len(got), c.want)
			}
		})
	}
}
