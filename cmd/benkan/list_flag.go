package main

import (
	"flag"
	"strings"
)

// listFlag is a flag that may be given several times, each value possibly
// a comma-separated list (as its environment variable is). Values given
// on the command line replace those of the environment variable rather
// than add to them: a flag on the command line wins.
type listFlag struct {
	values  []string
	fromEnv bool // values came from the environment; the first flag replaces them
}

var _ flag.Value = (*listFlag)(nil)

func (l *listFlag) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(l.values, ",")
}

func (l *listFlag) Set(v string) error {
	if l.fromEnv {
		l.values, l.fromEnv = nil, false
	}
	l.values = append(l.values, v)
	return nil
}

// envRead marks the values set so far as the environment's (parse calls
// it between the environment and the command line).
func (l *listFlag) envRead() { l.fromEnv = len(l.values) > 0 }
