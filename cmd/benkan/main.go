// Command benkan runs benkan's GraphQL API server and its maintenance tasks.
//
//	benkan [serve] [flags]   run the server (the default)
//	benkan migrate [flags]   create or update the database schema
//	benkan seed [flags]      load the demo data into an empty database
//	benkan token --user SUB  print a signed token for a user (development)
//	benkan bench [flags]     run the benchmark harness (BENCHMARKS.md)
//	benkan policy SUBCOMMAND read, change, export or import the access policy
//	benkan audit verify      check the audit trail's hash chain
//
// Every flag can also be set with an environment variable BENKAN_<FLAG>,
// e.g. BENKAN_DATABASE_URL for --database-url; a flag wins over a variable.
// Run `benkan <command> --help` for the flags of a command.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		var code exitCode
		if errors.As(err, &code) {
			os.Exit(int(code))
		}
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "benkan:", err)
		}
		os.Exit(2)
	}
}

// commands maps a subcommand to what runs it.
var commands = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) error{
	"serve":   serve,
	"migrate": migrateCmd,
	"seed":    seed,
	"token":   token,
	"bench":   benchCmd,
	"policy":  policyCmd,
	"audit":   auditCmd,
}

// exitCode is an error the command has reported already, on stderr: main
// exits with the code and prints nothing more. `benkan policy` uses it to
// print its refusals as "benkan policy grant: ..." and to exit 1 when
// `validate` finds problems.
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit status %d", int(c)) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	name := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	if name == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", name)
	}
	if err := useAuditKey(); err != nil {
		return err
	}
	return cmd(ctx, args, stdout, stderr)
}

const usage = `benkan: a GraphQL API through which the partners of a human-rights
monitoring project share data, each seeing only what it may see.

Usage:
  benkan [serve] [flags]   run the server (the default command)
  benkan migrate [flags]   create or update the database schema
  benkan seed [flags]      load the demo data into an empty database
  benkan token --user SUB  print a signed token for a user (BENKAN_JWT_SECRET)
  benkan bench [flags]     run the benchmark harness (see BENCHMARKS.md)
  benkan policy ...        list, change, validate, export or import the access
                           policy ('benkan policy help' lists its subcommands)
  benkan audit verify      check the audit trail's hash chain (BENKAN_AUDIT_KEY)
  benkan help              this text

Run 'benkan <command> --help' for the flags of a command. Every flag can
also be set with an environment variable: --database-url is
BENKAN_DATABASE_URL, --data-dir is BENKAN_DATA_DIR, and so on.
`
