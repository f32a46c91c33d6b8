package gqldoc

import "testing"

func TestFirstSentence(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"When the alleged events took place.", "When the alleged events took place."},
		{"Reference code, unique: place code, year, number, e.g. NIO-2023-0042. Left out of a create, the server assigns one.", "Reference code, unique: place code, year, number, e.g. NIO-2023-0042."},
		{"When the allegation was reported to a data collector; never before occurredAt.", "When the allegation was reported to a data collector."},
		{"Title of the activity", "Title of the activity"},
		{"Version 1.2 of the term. Then more.", "Version 1.2 of the term."},
		{"", ""},
	} {
		if got := firstSentence(c.in); got != c.want {
			t.Errorf("firstSentence(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
