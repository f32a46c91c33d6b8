package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/benkan-project/benkan/storage"
)

// newFlagSet returns the flag set of command name ("token", "policy grant"):
// its --help prints, to stdout, the synopsis, the summary and, for each
// flag, the environment variable that also sets it. The flag package itself
// prints nothing: parse turns its errors into one usageError.
func newFlagSet(name, summary string, stdout io.Writer) *flag.FlagSet {
	return newFlagSetEnv(name, "[flags]", summary, stdout, allFlags)
}

// newFlagSetEnv is newFlagSet with the synopsis written after the name and
// env choosing the flags that environment variables set.
func newFlagSetEnv(name, synopsis, summary string, stdout io.Writer, env func(*flag.Flag) bool) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: benkan %s %s\n\n%s\n", name, synopsis, summary)
		header := "\nFlags:"
		fs.VisitAll(func(f *flag.Flag) {
			if env(f) {
				header = "\nFlags (those with a variable shown are also read from it):"
			}
		})
		n := 0
		fs.VisitAll(func(f *flag.Flag) {
			if n++; n == 1 {
				fmt.Fprintln(stdout, header)
			}
			v := ""
			if env(f) {
				v = " (" + envName(f.Name) + ")"
			}
			fmt.Fprintf(stdout, "  --%s%s\n    \t%s", f.Name, v, f.Usage)
			if f.DefValue != "" {
				fmt.Fprintf(stdout, " (default %q)", f.DefValue)
			}
			fmt.Fprintln(stdout)
		})
	}
	return fs
}

// allFlags selects every flag: each is also read from its environment
// variable. noFlags selects none, for commands whose flags are read from
// the command line only.
func allFlags(*flag.Flag) bool { return true }

func noFlags(*flag.Flag) bool { return false }

// envName is the environment variable for a flag: --data-dir is BENKAN_DATA_DIR.
func envName(flagName string) string {
	return "BENKAN_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// usageError is a command line (or an environment variable) that does not
// say what to do: main prints it as one line, "benkan CMD: msg", with a
// hint to run --help, and exits 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// usagef makes a usageError.
func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// parse reads environment variables into the flags they name, then the
// command line, so that a flag on the command line wins; it takes no
// positional arguments. --help prints the help to stdout and returns
// flag.ErrHelp (exit 0); every other error is a usageError saying what was
// expected.
func parse(fs *flag.FlagSet, args []string) error {
	return parseEnv(fs, args, allFlags)
}

// parseEnv is parse for a command whose flags the environment sets only
// where env says so.
func parseEnv(fs *flag.FlagSet, args []string, env func(*flag.Flag) bool) error {
	pos, err := parseArgs(fs, args, env, false)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	return nil
}

// parseArgs is parse for commands that take positional arguments, and whose
// flags the environment sets only where env says so: with interleave,
// flags and arguments come in any order ("--" ends the flags); without,
// the arguments are what follows the flags. It returns the positional
// arguments.
func parseArgs(fs *flag.FlagSet, args []string, env func(*flag.Flag) bool, interleave bool) ([]string, error) {
	if err := fromEnv(fs, env); err != nil {
		return nil, err
	}
	fs.VisitAll(func(f *flag.Flag) {
		if l, ok := f.Value.(interface{ envRead() }); ok {
			l.envRead() // a list on the command line replaces the environment's
		}
	})
	help := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = help }()
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				help()
				return nil, flag.ErrHelp
			}
			return nil, flagError(fs, err)
		}
		rest := fs.Args()
		if !interleave || len(rest) == 0 {
			return append(pos, rest...), nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// flagError turns an error of the flag package into a usageError that
// names the flag and says what it expects: `--ttl: "forever" is not a
// duration (e.g. 12h, 30m)` instead of the package's "invalid value ...
// parse error". The flag package gives its errors as text only; a message
// it has not written before is passed on as it is.
func flagError(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return usagef("unknown flag --%s", name)
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return usagef("--%s needs a value: %s", name, expected(fs.Lookup(name)))
	}
	if m := invalidValue.FindStringSubmatch(msg); m != nil {
		v, qerr := strconv.Unquote(m[1])
		if f := fs.Lookup(m[2]); f != nil && qerr == nil {
			return usageError{"--" + f.Name + ": " + badValue(f, v, m[3])}
		}
	}
	return usageError{msg}
}

// invalidValue matches the flag package's "invalid value %q for flag -%s:
// %v" and "invalid boolean value %q for -%s: %v".
var invalidValue = regexp.MustCompile(`^invalid (?:boolean )?value ("(?:[^"\\]|\\.)*") for (?:flag )?-([^:]+): (.*)$`)

// badValue says that v is not what flag f takes, and what it takes.
func badValue(f *flag.Flag, v, why string) string {
	if kind := kindOf(f); kind != "" {
		return fmt.Sprintf("%q is not %s", v, kind)
	}
	// A flag.Value of benkan's own: its error says what it expects.
	return fmt.Sprintf("%q: %s", v, why)
}

// kindOf says what values a flag of a standard type takes ("a duration (e.g.
// 12h, 30m)"), "" for other flags.
func kindOf(f *flag.Flag) string {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return ""
	}
	switch g.Get().(type) {
	case bool:
		return "a boolean (true or false)"
	case time.Duration:
		return "a duration (e.g. 12h, 30m, 90s)"
	case int, int64:
		return "a whole number"
	case uint, uint64:
		return "a whole number, 0 or more"
	case float64:
		return "a number"
	}
	return ""
}

// expected says what a flag takes, for "--ttl needs a value".
func expected(f *flag.Flag) string {
	if f == nil {
		return "see --help"
	}
	if k := kindOf(f); k != "" {
		return k
	}
	return f.Usage
}

// fromEnv sets each flag that which selects from its environment variable,
// if that is set: a bad value is a usageError naming the variable,
// `BENKAN_DEMO: "yes" is not a boolean (true or false)`.
func fromEnv(fs *flag.FlagSet, which func(*flag.Flag) bool) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if !which(f) || err != nil {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			if e := f.Value.Set(v); e != nil {
				if kind := kindOf(f); kind != "" {
					err = usagef("%s: %q is not %s", envName(f.Name), v, kind)
				} else {
					err = usagef("%s: %q: %v", envName(f.Name), v, e)
				}
			}
		}
	})
	return err
}

// databaseFlags registers the flags that choose the database.
func databaseFlags(fs *flag.FlagSet) *storage.Config {
	cfg := &storage.Config{}
	fs.StringVar(&cfg.DatabaseURL, "database-url", "", "PostgreSQL URL (postgres://user@host:5432/db?sslmode=disable); when empty, the embedded SQLite database in --data-dir is used")
	fs.StringVar(&cfg.DataDir, "data-dir", "benkan-data", "directory of the embedded database")
	return cfg
}

// logFlags registers --log-level and --log-format and returns a function
// that builds the logger once flags are parsed.
func logFlags(fs *flag.FlagSet, stderr io.Writer) func() (*slog.Logger, error) {
	level := fs.String("log-level", "info", "log level: debug, info, warn or error")
	format := fs.String("log-format", "text", "log format: text or json")
	return func() (*slog.Logger, error) {
		var l slog.Level
		if err := l.UnmarshalText([]byte(*level)); err != nil {
			return nil, usagef("--log-level: %q is not a level (debug, info, warn or error)", *level)
		}
		opts := &slog.HandlerOptions{Level: l}
		switch *format {
		case "text":
			return slog.New(slog.NewTextHandler(stderr, opts)), nil
		case "json":
			return slog.New(slog.NewJSONHandler(stderr, opts)), nil
		}
		return nil, usagef("--log-format: %s is not a format (text or json)", strconv.Quote(*format))
	}
}

// describe names the database for logs without its password.
func describe(cfg *storage.Config) string {
	if cfg.DatabaseURL == "" {
		return "embedded SQLite in " + cfg.DataDir
	}
	return "PostgreSQL"
}
