// Command benkan runs benkan's GraphQL API server and its maintenance tasks.
//
//	benkan [serve] [flags]   run the server (the default)
//	benkan migrate [flags]   create or update the database schema
//	benkan seed [flags]      load the demo data into an empty database
//	benkan token --user SUB  print a signed token for a user (development)
//	benkan schema            print the GraphQL schema the server serves
//	benkan bench [flags]     run the benchmark harness (BENCHMARKS.md)
//	benkan policy SUBCOMMAND read, change, export or import the access policy
//	benkan audit verify      check the audit trail's hash chain
//	benkan help [COMMAND]    list the commands, or the flags of one
//
// Every flag can also be set with an environment variable BENKAN_<FLAG>,
// e.g. BENKAN_DATABASE_URL for --database-url; a flag wins over a variable.
// Run `benkan <command> --help` for the flags of a command.
//
// Exit status: 0 done (and for help), 1 failed or refused, 2 wrong usage
// (one line on stderr says what was expected).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr), os.Stderr)
	stop()
	os.Exit(code)
}
