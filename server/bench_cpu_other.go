//go:build !unix

package server

// processCPU is 0 where getrusage does not exist: the harness then reports
// no CPU per request.
func processCPU() float64 { return 0 }
