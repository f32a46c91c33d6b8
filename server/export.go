package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/graph"
	"github.com/benkan-project/benkan/policy"
)

// export serves GET /export/FIELD.csv: the rows of the root connection
// field FIELD (auditEvents, incidents, activities…) that the caller may
// see, as CSV, with the filter and ordering of the field's where and
// orderBy arguments given as JSON in query parameters of those names:
//
//	GET /export/auditEvents.csv?where={"subject":"dihr.officer","atGTE":"2026-12-01T00:00:00Z"}
//
// Each page is one GraphQL operation run by gql as the caller (see
// graph.Export), so an export shows exactly what the API shows: the same
// row rules and masking (a masked value is an empty cell; the columns
// that may be masked are named in a comment line before the header), the
// same errors, and the same audit of sensitive reads. The answer streams
// page by page in constant memory and ends with a "# complete" comment
// line; an export that fails after its first page ends with a
// "# incomplete" line instead, since its status has been sent. Each page
// has its own deadline, timeout, so a large export is not cut short by
// the deadline of one request.
func export(gql http.Handler, timeout time.Duration, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		field, ok := strings.CutSuffix(r.PathValue("file"), ".csv")
		if !ok {
			writeError(w, http.StatusNotFound, benkan.ENOTFOUND, "exports are CSV files: /export/FIELD.csv")
			return
		}
		if _, asked := r.Header[http.CanonicalHeaderKey(PreviewHeader)]; asked {
			writeError(w, http.StatusBadRequest, benkan.EBADREQUEST, "a preview runs GraphQL operations at /graphql, not exports")
			return
		}
		ex, err := graph.NewExport(field)
		if err != nil {
			writeBenkanError(w, err)
			return
		}
		vars, err := exportVariables(r)
		if err != nil {
			writeBenkanError(w, err)
			return
		}
		ctx := r.Context()
		page, err := exportPage(ctx, gql, timeout, ex, "", vars)
		if err != nil {
			if benkan.ErrorCode(err) == benkan.EINTERNAL {
				log.ErrorContext(ctx, "export", "export", ex.Field, "err", err)
			}
			writeBenkanError(w, err)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.csv"`, ex.Field))
		w.Header().Set("Cache-Control", "no-store")
		out := csv.NewWriter(w)
		comment(w, out, "benkan export of %s at %s", ex.Field, time.Now().UTC().Format(time.RFC3339))
		if masked := maskable(policy.FromContext(ctx), ex); len(masked) > 0 {
			comment(w, out, "masked: empty where the access policy hides them from you: %s", strings.Join(masked, ", "))
		}
		_ = out.Write(ex.Columns)
		rows := 0
		for {
			for _, row := range page.Rows {
				_ = out.Write(cells(row))
			}
			rows += len(page.Rows)
			out.Flush()
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			if page.Next == "" || out.Error() != nil {
				break
			}
			if page, err = exportPage(ctx, gql, timeout, ex, page.Next, vars); err != nil {
				log.WarnContext(ctx, "export cut short", "export", ex.Field, "rows", rows, "err", err)
				comment(w, out, "incomplete: %s after %d rows: %s", benkan.ErrorCode(err), rows, benkan.ErrorMessage(err))
				out.Flush()
				return
			}
		}
		comment(w, out, "complete: %d rows", rows)
		out.Flush()
	})
}

// exportVariables reads the export's arguments from the query string:
// each parameter is one argument, its value JSON. Their names and types
// are checked by graph.Export and by the server's coercion.
func exportVariables(r *http.Request) (map[string]json.RawMessage, error) {
	vars := map[string]json.RawMessage{}
	for name, values := range r.URL.Query() {
		if len(values) != 1 {
			return nil, benkan.Errorf(benkan.EBADREQUEST, "give the parameter %s once", name)
		}
		if !json.Valid([]byte(values[0])) {
			return nil, benkan.Errorf(benkan.EBADREQUEST, "the parameter %s is not JSON", name)
		}
		vars[name] = json.RawMessage(values[0])
	}
	return vars, nil
}

// exportPage runs the GraphQL operation of one page of ex as the caller.
func exportPage(ctx context.Context, gql http.Handler, timeout time.Duration, ex *graph.Export, after string, vars map[string]json.RawMessage) (*graph.Page, error) {
	body, err := ex.Request(after, vars)
	if err != nil {
		return nil, err
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/graphql", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("export page: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	var resp pageRecorder
	gql.ServeHTTP(&resp, req)
	return ex.ReadPage(resp.body.Bytes())
}

// pageRecorder is the http.ResponseWriter of one page's GraphQL request:
// it keeps the body, which carries errors as well as data.
type pageRecorder struct {
	header http.Header
	body   bytes.Buffer
}

func (p *pageRecorder) Header() http.Header {
	if p.header == nil {
		p.header = http.Header{}
	}
	return p.header
}
func (p *pageRecorder) Write(b []byte) (int, error) { return p.body.Write(b) }
func (p *pageRecorder) WriteHeader(int)             {}

// maskable lists the columns of ex that v may not read on every row it
// sees: those whose cells may be empty because the policy hides them.
func maskable(v *policy.Viewer, ex *graph.Export) []string {
	var masked []string
	for _, c := range ex.Columns {
		if c != "id" && !v.FullyReadable(ex.Type, c) {
			masked = append(masked, c)
		}
	}
	return masked
}

// comment writes a comment line, "# text", as it is: not a CSV record,
// which would be quoted when the text holds a comma.
func comment(w io.Writer, out *csv.Writer, format string, args ...any) {
	out.Flush()
	text := strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", " ")
	_, _ = fmt.Fprintf(w, "# %s\n", text)
}

// cells formats a row of JSON values as CSV cells: null is empty, a list
// is its items joined by "; ", and a text that a spreadsheet would run as
// a formula (=, +, -, @, tab, carriage return first) is quoted with a
// leading apostrophe, so that an exported value never executes.
func cells(row []any) []string {
	out := make([]string, len(row))
	for i, v := range row {
		out[i] = cell(v)
	}
	return out
}

func cell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			return "'" + v
		}
		return v
	case json.Number:
		return v.String()
	case bool:
		return fmt.Sprint(v)
	case []any:
		items := make([]string, len(v))
		for i, item := range v {
			items[i] = cell(item)
		}
		return strings.Join(items, "; ")
	default:
		b, _ := json.Marshal(v)
		return cell(string(b))
	}
}

// writeBenkanError answers err, an error before the export's first row,
// with the HTTP status its code stands for.
func writeBenkanError(w http.ResponseWriter, err error) {
	var be *benkan.Error
	if !errors.As(err, &be) {
		writeError(w, http.StatusInternalServerError, benkan.EINTERNAL, "internal error")
		return
	}
	writeError(w, exportStatus(be.Code), be.Code, "%s", be.Message)
}

func exportStatus(code string) int {
	switch code {
	case benkan.EUNAUTHENTICATED:
		return http.StatusUnauthorized
	case benkan.EFORBIDDEN:
		return http.StatusForbidden
	case benkan.ENOTFOUND:
		return http.StatusNotFound
	case benkan.EUNAVAILABLE, benkan.ETIMEOUT:
		return http.StatusServiceUnavailable
	case benkan.EINTERNAL:
		return http.StatusInternalServerError
	case benkan.ERATELIMITED:
		return http.StatusTooManyRequests
	default:
		return http.StatusBadRequest
	}
}
