package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
)

// PreviewHeader is the request header that asks for a preview: the request
// runs as the user (or the role in a domain) it names, read-only, for an
// administrator who wants to see exactly what that user would receive.
// Its value is a token subject, or parameters separated by ";":
//
//	X-Benkan-Preview-As: dihr.officer
//	X-Benkan-Preview-As: user=dihr.officer
//	X-Benkan-Preview-As: role=amdh_monitor; domain=loc_…[; organization=org_…]
const PreviewHeader = "X-Benkan-Preview-As"

// Previews builds the viewer a previewed request runs with, and records
// the preview (policy.Engine implements it).
type Previews interface {
	Preview(ctx context.Context, by *policy.Viewer, target policy.PreviewTarget) (*policy.Viewer, error)
}

// preview runs a request that carries PreviewHeader as the user it names,
// once authenticate has put the caller's viewer in the context: the
// caller must be allowed to update the policy (Previews decides, and
// records the preview); the operation the request runs must be a query —
// decided on the parsed document and operationName, as gqlgen will pick
// it, so that nothing is written in anybody's name. A request without the
// header passes untouched.
func preview(previews Previews, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		values, asked := r.Header[http.CanonicalHeaderKey(PreviewHeader)]
		if !asked || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		by := policy.FromContext(ctx)
		if by.IsAnonymous() {
			w.Header().Set("WWW-Authenticate", `Bearer realm="benkan"`)
			writeError(w, http.StatusUnauthorized, benkan.EUNAUTHENTICATED, "a preview needs the token of a user who may update the access policy")
			return
		}
		if !by.MayPolicy(policy.ActionUpdate) {
			writeError(w, http.StatusForbidden, benkan.EFORBIDDEN, "only a user who may update the access policy may preview as another user")
			return
		}
		if len(values) != 1 {
			writeError(w, http.StatusBadRequest, benkan.EBADREQUEST, "send one %s header", PreviewHeader)
			return
		}
		target, err := ParsePreviewTarget(values[0])
		if err != nil {
			writeError(w, http.StatusBadRequest, benkan.EBADREQUEST, "%s: %s", PreviewHeader, err)
			return
		}
		if status, code, err := previewReadOnly(r); err != nil {
			writeError(w, status, code, "%s", err)
			return
		}
		if previews == nil {
			writeError(w, http.StatusForbidden, benkan.EFORBIDDEN, "previews are not enabled on this server")
			return
		}
		v, err := previews.Preview(ctx, by, target)
		var be *benkan.Error
		switch {
		case err == nil:
			log.InfoContext(ctx, "preview", "by", by.Subject, "as", target.String())
			next.ServeHTTP(w, r.WithContext(policy.NewContext(ctx, v)))
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			writeError(w, http.StatusServiceUnavailable, benkan.ETIMEOUT, "the request ran past its deadline")
		case errors.As(err, &be) && be.Code == benkan.EFORBIDDEN:
			writeError(w, http.StatusForbidden, be.Code, "%s", be.Message)
		case errors.As(err, &be) && be.Code == benkan.ENOTFOUND:
			writeError(w, http.StatusNotFound, be.Code, "%s", be.Message)
		case errors.As(err, &be) && be.Code == benkan.EUNAVAILABLE:
			log.WarnContext(ctx, "preview: unavailable", "err", err)
			w.Header().Set("Retry-After", "2")
			writeError(w, http.StatusServiceUnavailable, be.Code, "%s", be.Message)
		default:
			log.ErrorContext(ctx, "preview", "err", err)
			writeError(w, http.StatusInternalServerError, benkan.EINTERNAL, "internal error")
		}
	})
}

// ParsePreviewTarget reads a PreviewHeader value: a token subject alone,
// or "user=SUBJECT", or "role=ROLE; domain=DOMAIN" with an optional
// "organization=ID" (the hypothetical user's organization).
func ParsePreviewTarget(value string) (policy.PreviewTarget, error) {
	var t policy.PreviewTarget
	value = strings.TrimSpace(value)
	if value == "" {
		return t, fmt.Errorf("name a user's token subject, or role=ROLE; domain=DOMAIN")
	}
	if !strings.Contains(value, "=") {
		t.Subject = value
		return t, nil
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(value, ";") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if !ok || val == "" {
			return t, fmt.Errorf("%q is not KEY=VALUE", strings.TrimSpace(part))
		}
		if seen[key] {
			return t, fmt.Errorf("%s is given twice", key)
		}
		seen[key] = true
		switch key {
		case "user":
			t.Subject = val
		case "role":
			t.Role = val
		case "domain":
			t.Domain = val
		case "organization":
			t.Organization = gid.ID(val)
		default:
			return t, fmt.Errorf("unknown parameter %q: want user, or role, domain and organization", key)
		}
	}
	switch {
	case t.Subject != "" && (t.Role != "" || t.Domain != "" || t.Organization != ""):
		return t, fmt.Errorf("give either user, or role and domain, not both")
	case t.Subject == "" && (t.Role == "" || t.Domain == ""):
		return t, fmt.Errorf("a role preview needs both role and domain (\"*\" or a locality's id)")
	}
	return t, nil
}

// previewReadOnly refuses a previewed request unless the operation it
// runs is a query. It reads the document as gqlgen will: the query text
// of a GET's parameters or a POST's body (which guard has checked and
// left readable), and the operation operationName names — or, without
// one, every operation, since gqlgen runs the only one or refuses.
func previewReadOnly(r *http.Request) (status int, code string, err error) {
	var query, name string
	switch r.Method {
	case http.MethodGet:
		q := r.URL.Query()
		query, name = q.Get("query"), q.Get("operationName")
	default:
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return http.StatusBadRequest, benkan.EBADREQUEST, fmt.Errorf("could not read the request body")
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var req struct {
			Query         string `json:"query"`
			OperationName string `json:"operationName"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			return http.StatusBadRequest, benkan.EBADREQUEST, fmt.Errorf("the request body is not a GraphQL request")
		}
		query, name = req.Query, req.OperationName
	}
	if strings.TrimSpace(query) == "" {
		return http.StatusBadRequest, benkan.EBADREQUEST, fmt.Errorf("a preview must send the text of its query, not only a persisted query's hash")
	}
	doc, perr := parser.ParseQuery(&ast.Source{Input: query})
	if perr != nil {
		return 0, "", nil // gqlgen answers GRAPHQL_PARSE_FAILED and runs nothing
	}
	for _, op := range doc.Operations {
		if op.Operation != ast.Query && (name == "" || op.Name == name) {
			return http.StatusForbidden, benkan.EFORBIDDEN, fmt.Errorf("a preview is read-only: it may not run a %s", op.Operation)
		}
	}
	return 0, "", nil
}
