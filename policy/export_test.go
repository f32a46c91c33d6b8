package policy

// SetJoinUpTo sets joinUpTo for a test and returns what restores it.
func SetJoinUpTo(n int) (restore func()) {
	old := joinUpTo
	joinUpTo = n
	return func() { joinUpTo = old }
}
