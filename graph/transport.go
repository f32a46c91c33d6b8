package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/benkan-project/benkan"
)

// Media types of GraphQL over HTTP responses.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// post is gqlgen's POST transport (transport.POST: the same requests and
// content types) with the status codes of the GraphQL-over-HTTP spec (see
// statusFor) and a cheaper response writer. gqlgen writes a
// response with json.Marshal, which re-reads and re-validates the data the
// executor has just written as JSON: 8% of the server's CPU on a page of 50
// incidents at a million incidents (BENCHMARKS.md). writeResponse copies the
// data as it is and marshals only the errors and extensions.
type post struct {
	transport.POST
}

var _ graphql.Transport = post{}

// Do implements graphql.Transport.
func (post) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	contentType := responseType(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", contentType)
	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{badRequest("could not read the request body")}))
		return
	}
	var req struct {
		graphql.RawParams
		// DocumentID is a persisted document's id (GraphQL over HTTP's
		// persisted documents; see Operations).
		DocumentID string `json:"documentId"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{badRequest("the request body is not a JSON GraphQL request")}))
		return
	}
	params := req.RawParams
	ctx = withDocumentID(ctx, req.DocumentID)
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	oc, opErr := exec.CreateOperationContext(ctx, &params)
	if opErr != nil {
		respond(w, contentType, exec.DispatchError(graphql.WithOperationContext(ctx, oc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	respond(w, contentType, responses(ctx))
}

// badRequest is a BAD_REQUEST error: the body is not a GraphQL request.
// (server.guard refuses those before they get here; this is for the
// handler used on its own.) The body is never echoed.
func badRequest(message string) *gqlerror.Error {
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": benkan.EBADREQUEST}}
}

// retryAfter is the Retry-After of a 503: the seconds a client should wait
// before retrying a request the database could not serve.
const retryAfter = "2"

// respond writes resp, a GraphQL response, with the status the
// GraphQL-over-HTTP spec asks for (see statusFor).
func respond(w http.ResponseWriter, contentType string, resp *graphql.Response) {
	if resp == nil {
		resp = &graphql.Response{}
	}
	status := statusFor(contentType, resp)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", retryAfter)
	}
	w.WriteHeader(status)
	writeResponse(w, resp)
}

// statusFor is the HTTP status of resp, a GraphQL response of the given
// content type, as the GraphQL-over-HTTP spec has it:
//
//   - an UNAVAILABLE error (the database could not serve the request) is
//     503 Service Unavailable with Retry-After, in both media types, so
//     that clients, proxies and load balancers retry rather than take it
//     as an answer;
//   - in application/json, every other response is 200, a request error
//     (a document that does not parse or validate, variables that do not
//     coerce, a refused persisted query) included: the errors are in the
//     body, with their extensions.code;
//   - in application/graphql-response+json, a response without data (the
//     request failed before execution) is 400, and a response with data
//     (null included: an execution error) is 200.
//
// (gqlgen, and benkan before it, answered 422 to a request error in
// application/json, which the spec's SHOULD does not allow.)
func statusFor(contentType string, resp *graphql.Response) int {
	for _, e := range resp.Errors {
		if e.Extensions["code"] == benkan.EUNAVAILABLE {
			return http.StatusServiceUnavailable
		}
	}
	if contentType == mediaGraphQLResponse && len(resp.Data) == 0 {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// responseType is the content type of the response to a request with the
// Accept header accept, as gqlgen's transports choose it: the first media
// type named that benkan can answer with; application/json for none or any.
func responseType(accept string) string {
	if accept == "" {
		return mediaJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "*/*", "application/*", mediaJSON:
			return mediaJSON
		case mediaGraphQLResponse:
			return mediaGraphQLResponse
		}
	}
	return mediaGraphQLResponse
}

// writeResponse writes resp as JSON, as json.Marshal would but for the
// data, which the executor wrote as JSON already and is copied unchanged,
// and which is left out when resp has none: a request that failed before
// execution (it did not parse, validate or coerce) has no "data" entry, as
// the GraphQL spec asks, where json.Marshal would write "data": null. An
// execution error that nulls the whole result keeps its "data": null.
func writeResponse(w io.Writer, resp *graphql.Response) {
	if resp == nil {
		resp = &graphql.Response{}
	}
	var buf bytes.Buffer
	buf.Grow(len(resp.Data) + 256)
	buf.WriteByte('{')
	if len(resp.Errors) > 0 {
		member(&buf, "errors", resp.Errors)
	}
	if len(resp.Data) > 0 {
		raw(&buf, "data", resp.Data)
	}
	if resp.Label != "" {
		member(&buf, "label", resp.Label)
	}
	if len(resp.Path) > 0 {
		member(&buf, "path", resp.Path)
	}
	if resp.HasNext != nil {
		member(&buf, "hasNext", *resp.HasNext)
	}
	if len(resp.Extensions) > 0 {
		member(&buf, "extensions", resp.Extensions)
	}
	buf.WriteByte('}')
	_, _ = w.Write(buf.Bytes())
}

// member writes "name":value, after a comma unless it is the first. A
// value encoding/json cannot write (none of gqlgen's response types)
// becomes null rather than a broken response.
func member(buf *bytes.Buffer, name string, value any) {
	b, err := json.Marshal(value)
	if err != nil {
		b = []byte("null")
	}
	raw(buf, name, b)
}

// raw writes "name":value where value is JSON already.
func raw(buf *bytes.Buffer, name string, value []byte) {
	if buf.Len() > 1 {
		buf.WriteByte(',')
	}
	buf.WriteString(`"` + name + `":`)
	buf.Write(value)
}
