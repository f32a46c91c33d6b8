package graph

// orEmpty returns *s, or "" for an argument left out: explain's optional
// arguments mean the same left out and empty.
func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
