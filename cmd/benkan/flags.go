package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/benkan-project/benkan/storage"
)

// newFlagSet returns a flag set whose --help prints a description of the
// command and, for each flag, the environment variable that also sets it.
func newFlagSet(name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: benkan %s [flags]\n\n%s\n\nFlags (each also read from the environment variable shown):\n", name, summary)
		fs.VisitAll(func(f *flag.Flag) {
			fmt.Fprintf(stderr, "  --%s (%s)\n    \t%s", f.Name, envName(f.Name), f.Usage)
			if f.DefValue != "" {
				fmt.Fprintf(stderr, " (default %q)", f.DefValue)
			}
			fmt.Fprintln(stderr)
		})
	}
	return fs
}

// envName is the environment variable for a flag: --data-dir is BENKAN_DATA_DIR.
func envName(flagName string) string {
	return "BENKAN_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse reads environment variables into the flags they name, then the
// command line, so that a flag on the command line wins.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fromEnv(fs, func(*flag.Flag) bool { return true }); err != nil {
		return err
	}
	fs.VisitAll(func(f *flag.Flag) {
		if l, ok := f.Value.(interface{ envRead() }); ok {
			l.envRead() // a list on the command line replaces the environment's
		}
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// fromEnv sets each flag that which selects from its environment variable,
// if that is set.
func fromEnv(fs *flag.FlagSet, which func(*flag.Flag) bool) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if !which(f) || err != nil {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %w", envName(f.Name), v, e)
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
			return nil, fmt.Errorf("--log-level: %w", err)
		}
		opts := &slog.HandlerOptions{Level: l}
		switch *format {
		case "text":
			return slog.New(slog.NewTextHandler(stderr, opts)), nil
		case "json":
			return slog.New(slog.NewJSONHandler(stderr, opts)), nil
		}
		return nil, fmt.Errorf("--log-format must be text or json, not %s", strconv.Quote(*format))
	}
}

// describe names the database for logs without its password.
func describe(cfg *storage.Config) string {
	if cfg.DatabaseURL == "" {
		return "embedded SQLite in " + cfg.DataDir
	}
	return "PostgreSQL"
}
