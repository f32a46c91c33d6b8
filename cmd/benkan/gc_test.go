package main

import "testing"

func TestGCSettings(t *testing.T) {
	tests := []struct {
		name                 string
		env                  map[string]string
		setPercent, setLimit bool
	}{
		{"nothing set: both defaults", nil, true, true},
		{"GOGC set: the runtime's", map[string]string{"GOGC": "100"}, false, true},
		{"GOMEMLIMIT set: the runtime's", map[string]string{"GOMEMLIMIT": "1GiB"}, true, false},
		{"both set", map[string]string{"GOGC": "off", "GOMEMLIMIT": "1GiB"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			percent, setPercent, limit, setLimit := gcSettings(func(k string) string { return tt.env[k] })
			if setPercent != tt.setPercent || setLimit != tt.setLimit {
				t.Errorf("set percent %v, limit %v; want %v, %v", setPercent, setLimit, tt.setPercent, tt.setLimit)
			}
			if percent != 400 || limit != 192<<20 {
				t.Errorf("defaults %d%%, %d bytes", percent, limit)
			}
		})
	}
}
