package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/benkan-project/benkan/audit"
	"github.com/benkan-project/benkan/storage"
)

const auditUsage = `Usage: benkan audit verify [flags]

Checks the audit trail's hash chain: every event's hash, each link to the
event before it, that seq has no gap, and that the head row names the last
event. Prints how many events it checked and the head, or names the first
broken event and what is wrong with it. It reads only: it does not migrate
the database. Set BENKAN_AUDIT_KEY as the servers that wrote the trail do.

The database is chosen as for serve: --database-url (BENKAN_DATABASE_URL),
or the embedded database in --data-dir (BENKAN_DATA_DIR).
Exit status: 0 intact, 1 broken (or unreadable), 2 wrong usage.
`

// auditCmd runs `benkan audit SUBCOMMAND`; verify is the one subcommand.
func auditCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, auditUsage)
		return exitCode(2)
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, auditUsage)
		return nil
	case "verify":
	default:
		fmt.Fprintf(stderr, "benkan audit: unknown subcommand %q\n\n%s", args[0], auditUsage)
		return exitCode(2)
	}
	fs := newFlagSet("audit verify", "Checks the audit trail's hash chain and names the first broken event (see 'benkan audit help').", stderr)
	dbCfg := databaseFlags(fs)
	if err := parse(fs, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		fmt.Fprintf(stderr, "benkan audit verify: %v\n", err)
		return exitCode(2)
	}
	db, err := storage.Open(ctx, *dbCfg)
	if err != nil {
		fmt.Fprintf(stderr, "benkan audit verify: %v\n", err)
		return exitCode(1)
	}
	defer db.Close()
	r, err := audit.Verify(ctx, db.Client)
	if err != nil {
		fmt.Fprintf(stderr, "benkan audit verify: %v\n", err)
		return exitCode(1)
	}
	mode := "SHA-256, no key"
	if r.Keyed {
		mode = "HMAC-SHA256 with BENKAN_AUDIT_KEY"
	}
	if r.Problem != nil {
		fmt.Fprintf(stderr, "benkan audit verify: BROKEN at %s\n  %d events checked before it (%s)\n", r.Problem, r.Checked, mode)
		return exitCode(1)
	}
	fmt.Fprintf(stdout, "audit trail OK: %d events checked (%s); head seq %d hash %s\n", r.Checked, mode, r.HeadSeq, r.HeadHash)
	return nil
}
