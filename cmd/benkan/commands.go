package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one command of benkan. Each declares its name and a one-line
// summary, which `benkan help` lists; its run
// parses its own flags with newFlagSet and parse, so that --help prints
// to stdout and exits 0, and a wrong flag is one usageError line.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands are benkan's commands, in the order `benkan help` lists them.
// A new command adds its line here.
var commands = []command{
	{"serve", "run the server (the default command)", serve},
	{"migrate", "create or update the database schema", migrateCmd},
	{"seed", "load the demo data into an empty database", seed},
	{"token", "print a signed token for a user (BENKAN_JWT_SECRET)", token},
	{"schema", "print the GraphQL schema (SDL) the server serves", schemaCmd},
	{"bench", "run the benchmark harness (see BENCHMARKS.md)", benchCmd},
	{"policy", "list, change, validate, export or import the access policy ('benkan policy help' lists its subcommands)", policyCmd},
	{"audit", "check the audit trail's hash chain: benkan audit verify (BENKAN_AUDIT_KEY)", auditCmd},
}

// lookup finds a command by name.
func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// isHelp reports whether an argument asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "help", "-h", "-help", "--help":
		return true
	}
	return false
}

// run runs the command args name, serve when args start with a flag.
// `benkan help`, `benkan --help` print the commands; `benkan help CMD` is
// `benkan CMD --help`.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		if len(args) > 1 && args[0] == "help" {
			if c, ok := lookup(args[1]); ok {
				return c.run(ctx, []string{"--help"}, stdout, stderr)
			}
			return commandError{"", usagef("unknown command %q", args[1])}
		}
		writeUsage(stdout)
		return nil
	}
	name := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	c, ok := lookup(name)
	if !ok {
		return commandError{"", usagef("unknown command %q", name)}
	}
	if err := useAuditKey(); err != nil {
		return commandError{name, err}
	}
	if err := c.run(ctx, args, stdout, stderr); err != nil {
		return commandError{name, err}
	}
	return nil
}

// commandError is an error of command name ("" for benkan itself).
type commandError struct {
	name string
	err  error
}

func (e commandError) Error() string {
	if e.name == "" {
		return "benkan: " + e.err.Error()
	}
	return "benkan " + e.name + ": " + e.err.Error()
}

func (e commandError) Unwrap() error { return e.err }

// exit prints what run's error says, if the command has not printed it
// already, and returns the exit status: 0 done or help, 2 a usage error
// (one line saying what was expected, and where to read more), 1 any other
// failure.
func exit(err error, stderr io.Writer) int {
	var code exitCode
	var usage usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &code):
		return int(code)
	case errors.As(err, &usage):
		fmt.Fprintln(stderr, err)
		var ce commandError
		if errors.As(err, &ce) && ce.name != "" {
			fmt.Fprintf(stderr, "Run 'benkan %s --help' for its usage.\n", ce.name)
		} else {
			fmt.Fprintln(stderr, "Run 'benkan help' for the commands.")
		}
		return 2
	}
	fmt.Fprintln(stderr, err)
	return 1
}

// exitCode is an error the command has reported already, on stderr: main
// exits with the code and prints nothing more. `benkan policy` uses it to
// print its refusals as "benkan policy grant: ..." and to exit 1 when
// `validate` finds problems.
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit status %d", int(c)) }

// writeUsage prints `benkan help`: every command with its summary.
func writeUsage(w io.Writer) {
	fmt.Fprint(w, `benkan: a GraphQL API through which the partners of a human-rights
monitoring project share data, each seeing only what it may see.

Usage: benkan COMMAND [arguments] [flags]

Commands:
`)
	width := 0
	for _, c := range commands {
		width = max(width, len(c.name))
	}
	for _, c := range append(commands, command{name: "help", summary: "list the commands; 'benkan help COMMAND' prints the flags of one"}) {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, wrap(c.summary, 76, width+4))
	}
	fmt.Fprint(w, `
Run 'benkan COMMAND --help' for the flags of a command. Every flag can
also be set with an environment variable: --database-url is
BENKAN_DATABASE_URL, --data-dir is BENKAN_DATA_DIR, and so on; a flag on
the command line wins. Secrets come from the environment only:
BENKAN_JWT_SECRET, BENKAN_PSEUDONYM_KEY, BENKAN_AUDIT_KEY.

Exit status: 0 done, 1 failed or refused, 2 wrong usage.
`)
}

// wrap breaks s, which starts at column indent, into lines of at most
// width bytes, each further line indented as the first.
func wrap(s string, width, indent int) string {
	n := width - indent
	var b strings.Builder
	line := 0
	for i, word := range strings.Fields(s) {
		if i > 0 {
			if line+1+len(word) > n {
				b.WriteString("\n" + strings.Repeat(" ", indent))
				line = 0
			} else {
				b.WriteString(" ")
				line++
			}
		}
		b.WriteString(word)
		line += len(word)
	}
	return b.String()
}
