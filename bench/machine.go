package bench

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Machine describes the machine a run was taken on.
type Machine struct {
	CPUModel    string `json:"cpu_model"`
	NumCPU      int    `json:"nproc"`
	MemoryBytes int64  `json:"memory_bytes"`
	OS          string `json:"os"`
	GoVersion   string `json:"go_version"`
	PostgreSQL  string `json:"postgresql,omitempty"`
}

// thisMachine reads /proc/cpuinfo and /proc/meminfo (empty off Linux).
func thisMachine() Machine {
	m := Machine{NumCPU: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, GoVersion: runtime.Version()}
	m.CPUModel = procField("/proc/cpuinfo", "model name")
	if kb := procField("/proc/meminfo", "MemTotal"); kb != "" {
		if n, err := strconv.ParseInt(strings.Fields(kb)[0], 10, 64); err == nil {
			m.MemoryBytes = n * 1024
		}
	}
	return m
}

// procField returns the value of the first "name: value" line of a /proc file.
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
