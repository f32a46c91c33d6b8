//go:build unix

package server

import "syscall"

// processCPU returns the user and system CPU time the process has used, in
// seconds (getrusage RUSAGE_SELF: every thread, the garbage collector's
// included).
func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return seconds(ru.Utime) + seconds(ru.Stime)
}

func seconds(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
