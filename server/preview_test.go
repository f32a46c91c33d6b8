package server_test

import (
	"strings"
	"testing"

	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/server"
)

// TestParsePreviewTarget: the header's value names a user, or a role in a
// domain (with an organization), and anything else is refused with a
// reason; what it runs as is tested over HTTP in graph/preview_test.go.
func TestParsePreviewTarget(t *testing.T) {
	for _, c := range []struct {
		value string
		want  policy.PreviewTarget
		err   string
	}{
		{value: "dihr.officer", want: policy.PreviewTarget{Subject: "dihr.officer"}},
		{value: "  dihr.officer ", want: policy.PreviewTarget{Subject: "dihr.officer"}},
		{value: "user=a=b", want: policy.PreviewTarget{Subject: "a=b"}},
		{value: "role=amdh_monitor; domain=loc_x", want: policy.PreviewTarget{Role: "amdh_monitor", Domain: "loc_x"}},
		{value: "domain=*;role=dihr_partner", want: policy.PreviewTarget{Role: "dihr_partner", Domain: "*"}},
		{value: "role=fsi_liaison; domain=loc_x; organization=org_y", want: policy.PreviewTarget{Role: "fsi_liaison", Domain: "loc_x", Organization: "org_y"}},
		{value: "", err: "name a user"},
		{value: "role=amdh_monitor", err: "needs both role and domain"},
		{value: "domain=*", err: "needs both role and domain"},
		{value: "organization=org_y", err: "needs both role and domain"},
		{value: "user=dihr; domain=*", err: "not both"},
		{value: "role=a; role=b; domain=*", err: "given twice"},
		{value: "role=; domain=*", err: "not KEY=VALUE"},
		{value: "role=a; domain", err: "not KEY=VALUE"},
		{value: "as=dihr", err: `unknown parameter "as"`},
	} {
		got, err := server.ParsePreviewTarget(c.value)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%q: %v", c.value, err)
		case c.err == "" && got != c.want:
			t.Errorf("%q: got %+v, want %+v", c.value, got, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: error %v, want one with %q", c.value, err, c.err)
		}
	}
}
