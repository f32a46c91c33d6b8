package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/benkan-project/benkan/audit"
	"github.com/benkan-project/benkan/storage"
)

const auditUsage = `Usage: benkan audit verify [--anchor SEQ:HASH]... [flags]

Checks the audit trail's hash chain: every event's hash, each link to the
event before it, that seq has no gap, and that the head row names the last
event. Prints how many events it checked and the head, or names the first
broken event and what is wrong with it. It reads only: it does not migrate
the database. Set BENKAN_AUDIT_KEY as the servers that wrote the trail do.

The chain alone cannot tell a trail cut short (its last events deleted and
the head moved back) or wiped and started again from an intact one: keep
heads elsewhere (the server logs "audit head" with an anchor at start and
every --audit-head-every; this command prints the head it checked), and
give them back with --anchor SEQ:HASH: the event of that seq must still be
there with that hash.

The database is chosen as for serve: --database-url (BENKAN_DATABASE_URL),
or the embedded database in --data-dir (BENKAN_DATA_DIR).
Exit status: 0 intact, 1 broken (or unreadable), 2 wrong usage.
`

// auditCmd runs `benkan audit SUBCOMMAND`; verify is the one subcommand.
func auditCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) == 0:
		return usagef("a subcommand is needed: benkan audit verify")
	case isHelp(args[0]):
		fmt.Fprint(stdout, auditUsage)
		return nil
	case strings.HasPrefix(args[0], "-"):
		return usagef("unknown flag %s", args[0])
	case args[0] != "verify":
		return usagef("unknown subcommand %q: benkan audit verify", args[0])
	}
	fs := newFlagSet("audit verify", "Checks the audit trail's hash chain and names the first broken event (see 'benkan audit help').", stdout)
	dbCfg := databaseFlags(fs)
	var anchors []audit.Anchor
	fs.Func("anchor", "a head recorded earlier, SEQ:HASH (from the server's \"audit head\" log lines or an earlier verify): the event of that seq must still have that hash; repeat for several", func(s string) error {
		a, err := audit.ParseAnchor(s)
		if err != nil {
			return err
		}
		anchors = append(anchors, a)
		return nil
	})
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	// Read only: verify does not migrate what it checks.
	cfg := *dbCfg
	cfg.MustExist = true
	db, err := storage.Open(ctx, cfg)
	if errors.Is(err, storage.ErrNoDatabase) {
		return fmt.Errorf("%v (%s): there is no audit trail to verify", err, describe(dbCfg))
	}
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := audit.Verify(ctx, db.Client, anchors...)
	if err != nil {
		return err
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
	if r.HeadSeq > 0 {
		fmt.Fprintf(stdout, "  anchor: %d:%s (keep it elsewhere; give it back with --anchor)\n", r.HeadSeq, r.HeadHash)
	}
	for _, a := range anchors {
		fmt.Fprintf(stdout, "  anchor seq %d: holds\n", a.Seq)
	}
	return nil
}
