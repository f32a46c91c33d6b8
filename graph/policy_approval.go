package graph

// optional is a string field that is null when empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
