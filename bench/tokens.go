package bench

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/benkan-project/benkan/auth"
)

// subjectsByRole finds, for each role, the user the harness acts as: the
// first subject (in order) holding that role, from the role assignments of
// the policy stored in the database. Roles without a user are left out.
func subjectsByRole(ctx context.Context, db *sql.DB) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT r.v1, MIN(r.v0) FROM policy_rules r
JOIN users u ON u.subject = r.v0
WHERE r.ptype = 'g' GROUP BY r.v1`)
	if err != nil {
		return nil, fmt.Errorf("find users per role: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var role, subject string
		if err := rows.Scan(&role, &subject); err != nil {
			return nil, err
		}
		out[role] = subject
	}
	return out, rows.Err()
}

// signTokens signs a token per role for its subject with an HS256 secret.
func signTokens(secret []byte, subjects map[string]string, ttl time.Duration) (map[string]string, error) {
	out := map[string]string{}
	for role, subject := range subjects {
		tok, err := auth.Sign(secret, auth.DefaultIssuer, auth.DefaultAudience, subject, ttl, time.Now())
		if err != nil {
			return nil, fmt.Errorf("sign a token for %s: %w", subject, err)
		}
		out[role] = tok
	}
	return out, nil
}

// readTokenFile reads "role token" lines (blank lines and # comments are
// skipped): tokens of a server that verifies them with a JWKS.
func readTokenFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		role, tok, ok := strings.Cut(line, " ")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want \"role token\"", path, n)
		}
		out[role] = strings.TrimSpace(tok)
	}
	return out, sc.Err()
}
