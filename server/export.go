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
	"runtime/debug"
	"strings"
	"time"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/graph"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/xlsx"
)

// export serves GET /export/FIELD.csv and GET /export/FIELD.xlsx: the rows
// of the root connection field FIELD (auditEvents, incidents, activities…)
// that the caller may see, as CSV or as an XLSX workbook, with the filter
// and ordering of the field's where and orderBy arguments given as JSON in
// query parameters of those names:
//
//	GET /export/auditEvents.csv?where={"subject":"dihr.officer","atGTE":"2026-12-01T00:00:00Z"}
//
// Each page is one GraphQL operation run by gql as the caller (see
// graph.Export), so an export shows exactly what the API shows: the same
// row rules and masking (a masked value is an empty cell; the columns
// that may be masked are named before the header in a CSV, on the
// "about" sheet of a workbook), the same errors (the API's own, before any
// byte of the file: see writeBenkanError), and the same audit of
// sensitive reads. Both formats are the same rows through a different
// sheetWriter. The answer streams page by page in constant memory and
// says at its end whether it is complete: an export that fails after its
// first page, its status sent, says it is incomplete instead and aborts
// its transfer (see cutShort). Each page has its own deadline, timeout,
// so a large export is not cut short by the deadline of one request.
func export(gql http.Handler, timeout time.Duration, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		field, format, ok := exportFormat(r.PathValue("file"))
		if !ok {
			writeError(w, http.StatusNotFound, benkan.ENOTFOUND, "exports are CSV or XLSX files: /export/FIELD.csv, /export/FIELD.xlsx")
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
		extendWrite(w, timeout)
		page, err := exportPage(ctx, gql, timeout, ex, "", vars)
		if err != nil {
			if benkan.ErrorCode(err) == benkan.EINTERNAL {
				log.ErrorContext(ctx, "export", "export", ex.Field, "err", err)
			}
			writeBenkanError(w, err)
			return
		}
		w.Header().Set("Content-Type", format.contentType)
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, ex.Field, format.ext))
		w.Header().Set("Cache-Control", "no-store")
		out, err := format.start(w, exportHead{
			Export: ex,
			At:     time.Now().UTC(),
			Masked: maskable(policy.FromContext(ctx), ex),
		})
		if err != nil {
			log.WarnContext(ctx, "export cut short", "export", ex.Field, "rows", 0, "err", err)
			return
		}
		rows := 0
		defer func() {
			// A panic once the status is sent: recoverer's JSON error would
			// be appended to the file (a last CSV line, bytes after a
			// workbook's), so the file says it is incomplete itself.
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.ErrorContext(ctx, "panic in export", "export", ex.Field, "rows", rows, "panic", p, "stack", string(debug.Stack()))
				cutShort(w, out, rows, internalError(ctx))
			}
		}()
		for {
			for _, row := range page.Rows {
				if err := out.Row(row); err != nil {
					log.WarnContext(ctx, "export cut short", "export", ex.Field, "rows", rows, "err", err)
					return // the client went away
				}
			}
			rows += len(page.Rows)
			if err := out.Flush(); err != nil {
				log.WarnContext(ctx, "export cut short", "export", ex.Field, "rows", rows, "err", err)
				return
			}
			_ = http.NewResponseController(w).Flush() // through the request log's and gzip's writers
			if page.Next == "" {
				break
			}
			extendWrite(w, timeout)
			if page, err = exportPage(ctx, gql, timeout, ex, page.Next, vars); err != nil {
				level := slog.LevelWarn
				if benkan.ErrorCode(err) == benkan.EINTERNAL {
					level = slog.LevelError // a fault of benkan's
				}
				log.Log(ctx, level, "export cut short", "export", ex.Field, "rows", rows, "err", err)
				cutShort(w, out, rows, err)
			}
		}
		_ = out.End(rows, nil)
	})
}

// cutShort ends an export that fails once its status and first rows are
// sent, twice over: the file ends saying it is incomplete, with err's code
// and message and the rows sent (out.End), and the transfer is then
// aborted (http.ErrAbortHandler: no last chunk of the chunked body, or an
// HTTP/2 stream reset), so that the download itself fails: curl exits
// with an error, a browser marks the download failed, an HTTP library
// reports an unexpected end. A file that ends cleanly is a whole export.
func cutShort(w http.ResponseWriter, out sheetWriter, rows int, err error) {
	func() {
		defer func() { _ = recover() }() // out may be what panicked
		_ = out.End(rows, err)
		_ = http.NewResponseController(w).Flush()
	}()
	panic(http.ErrAbortHandler)
}

// internalError is the error an export cut by a fault of benkan's
// reports: INTERNAL, with the request's id for the server's log.
func internalError(ctx context.Context) error {
	if id := benkan.RequestID(ctx); id != "" {
		return benkan.Errorf(benkan.EINTERNAL, "internal error (request %s)", id)
	}
	return benkan.Errorf(benkan.EINTERNAL, "internal error")
}

// exportWriteSlack is how long, past a page's own deadline, the client has
// to take that page before the connection is given up.
const exportWriteSlack = time.Minute

// extendWrite moves the connection's write deadline past the next page:
// its run (at most timeout) and exportWriteSlack to send it. The server's
// WriteTimeout (60 s in Run) would otherwise cut every export that lasts
// longer, a large one included, whatever the deadlines of its pages.
func extendWrite(w http.ResponseWriter, timeout time.Duration) {
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(timeout + exportWriteSlack))
}

// exportFormat splits the file name of an export into the field and the
// format its extension names.
func exportFormat(file string) (field string, f format, ok bool) {
	for _, f := range formats {
		if field, ok := strings.CutSuffix(file, "."+f.ext); ok {
			return field, f, true
		}
	}
	return "", format{}, false
}

// A format is a file type of exports.
type format struct {
	ext, contentType string
	// start writes what comes before the rows and returns the writer of
	// the rows.
	start func(w io.Writer, head exportHead) (sheetWriter, error)
}

// formats are the file types of exports, by extension.
var formats = []format{
	{ext: "csv", contentType: "text/csv; charset=utf-8", start: startCSV},
	{ext: "xlsx", contentType: xlsx.ContentType, start: startXLSX},
}

// exportHead is what a file says about its export before its rows.
type exportHead struct {
	*graph.Export
	// At is when the export began.
	At time.Time
	// Masked are the columns whose cells may be empty because the policy
	// hides them from the caller (see maskable).
	Masked []string
}

// A sheetWriter writes the rows of one export in one format.
type sheetWriter interface {
	// Row writes one row of the export's columns, JSON values as
	// graph.Page holds them (nil for a masked or missing value).
	Row(row []any) error
	// Flush sends what is written so far, at the end of a page.
	Flush() error
	// End ends the file, saying it is complete with rows rows, or, when
	// err is not nil, incomplete for err after rows rows.
	End(rows int, err error) error
}

// exportVariables reads the export's arguments from the query string:
// each parameter is one argument, its value JSON. Their names and types
// are checked by graph.Export and by the server's coercion.
func exportVariables(r *http.Request) (map[string]json.RawMessage, error) {
	vars := map[string]json.RawMessage{}
	for name, values := range r.URL.Query() {
		if len(values) != 1 {
			return nil, &benkan.Error{Code: benkan.EBADREQUEST, Field: name, Message: fmt.Sprintf("give the parameter %s once", name)}
		}
		if !json.Valid([]byte(values[0])) {
			return nil, &benkan.Error{Code: benkan.EBADREQUEST, Field: name, Message: fmt.Sprintf("the parameter %s is not JSON", name)}
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

// writeBenkanError answers err, an error before the export's first byte,
// with the HTTP status its code stands for, as a GraphQL response's
// errors: a page the API refused (a bad filter, a field the role may not
// filter on, a limit…) with the API's own errors, message, path and
// extensions (code, field, limit…) alike; an error of the export's own
// (an argument it does not take) with its code and, if it names one, its
// field.
func writeBenkanError(w http.ResponseWriter, err error) {
	var pe *graph.PageError
	if errors.As(err, &pe) {
		code, _ := pe.Errors[0].Extensions["code"].(string)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(exportStatus(code))
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": pe.Errors})
		return
	}
	var be *benkan.Error
	if !errors.As(err, &be) {
		writeError(w, http.StatusInternalServerError, benkan.EINTERNAL, "internal error")
		return
	}
	if be.Field != "" {
		writeFieldError(w, exportStatus(be.Code), be.Code, be.Field, be.Message)
		return
	}
	writeError(w, exportStatus(be.Code), be.Code, "%s", be.Message)
}

// writeFieldError is writeError for an error about one input, field,
// which it names in extensions.field as the API does.
func writeFieldError(w http.ResponseWriter, status int, code, field, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{
			"message":    message,
			"extensions": map[string]any{"code": code, "field": field},
		}},
	})
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
