package graph

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"

	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
)

// pseudonym returns "P-" and 16 characters of HMAC-SHA256(key, audience ||
// actor id), where the audience is the viewer's organization (or the user
// when it has none): stable for one partner, unlinkable across partners,
// irreversible without the key.
func pseudonym(key []byte, v *policy.Viewer, actor gid.ID) string {
	audience := string(v.OrganizationID)
	if audience == "" {
		audience = "user:" + string(v.UserID)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(audience))
	mac.Write([]byte{0})
	mac.Write([]byte(actor))
	sum := mac.Sum(nil)
	return "P-" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:10])
}
