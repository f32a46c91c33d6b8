package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/benkan-project/benkan"
)

// Media types of GraphQL over HTTP responses.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// post is gqlgen's POST transport (transport.POST: the same requests, status
// codes and content types) with a cheaper response writer. gqlgen writes a
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
	var params graphql.RawParams
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&params); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{badRequest("the request body is not a JSON GraphQL request")}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	oc, opErr := exec.CreateOperationContext(ctx, &params)
	if opErr != nil {
		w.WriteHeader(statusFor(contentType, opErr))
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, oc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	resp := responses(ctx)
	unavailableStatus(w, resp)
	writeResponse(w, resp)
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

// unavailableStatus answers 503 Service Unavailable with Retry-After when
// an error of resp is UNAVAILABLE (the database could not serve it), so that
// clients, proxies and load balancers retry rather than take it as an
// answer; other responses keep their 200.
func unavailableStatus(w http.ResponseWriter, resp *graphql.Response) {
	if resp == nil {
		return
	}
	for _, e := range resp.Errors {
		if e.Extensions["code"] == benkan.EUNAVAILABLE {
			w.Header().Set("Retry-After", retryAfter)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
	}
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

// statusFor is the HTTP status of an operation refused before it ran: a
// protocol error (a query that does not parse or validate) is 422 in
// application/json and 400 in application/graphql-response+json; other
// errors are 200 with the errors in the body.
func statusFor(contentType string, errs gqlerror.List) int {
	if errcode.GetErrorKind(errs) != errcode.KindProtocol {
		return http.StatusOK
	}
	if contentType == mediaGraphQLResponse {
		return http.StatusBadRequest
	}
	return http.StatusUnprocessableEntity
}

// writeResponse writes resp as JSON, as json.Marshal would but for the
// data, which the executor wrote as JSON already and is copied unchanged.
func writeResponse(w io.Writer, resp *graphql.Response) {
	if resp == nil {
		resp = &graphql.Response{}
	}
	var buf bytes.Buffer
	buf.Grow(len(resp.Data) + 256)
	buf.WriteByte('{')
	if len(resp.Errors) > 0 {
		member(&buf, "errors", resp.Errors)
		buf.WriteByte(',')
	}
	buf.WriteString(`"data":`)
	if len(resp.Data) == 0 {
		buf.WriteString("null")
	} else {
		buf.Write(resp.Data)
	}
	if resp.Label != "" {
		buf.WriteByte(',')
		member(&buf, "label", resp.Label)
	}
	if len(resp.Path) > 0 {
		buf.WriteByte(',')
		member(&buf, "path", resp.Path)
	}
	if resp.HasNext != nil {
		buf.WriteByte(',')
		member(&buf, "hasNext", *resp.HasNext)
	}
	if len(resp.Extensions) > 0 {
		buf.WriteByte(',')
		member(&buf, "extensions", resp.Extensions)
	}
	buf.WriteByte('}')
	_, _ = w.Write(buf.Bytes())
}

// member writes "name":value. A value encoding/json cannot write (none of
// gqlgen's response types) becomes null rather than a broken response.
func member(buf *bytes.Buffer, name string, value any) {
	buf.WriteString(`"` + name + `":`)
	b, err := json.Marshal(value)
	if err != nil {
		b = []byte("null")
	}
	buf.Write(b)
}
