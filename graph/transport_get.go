package graph

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/benkan-project/benkan"
)

// get is gqlgen's GET transport (transport.GET: queries in the URL, the
// same content types) with three changes: the status codes are the
// GraphQL-over-HTTP spec's, as on POST (see statusFor), a response whose
// database was unavailable is a 503 with Retry-After, as on POST, and every
// refusal (bad parameters, a mutation) goes through the error presenter
// with a code, where gqlgen writes bare messages.
type get struct {
	transport.GET
}

var _ graphql.Transport = get{}

// Do implements graphql.Transport.
func (get) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	contentType := responseType(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", contentType)
	refuse := func(status int, code, message string) {
		w.WriteHeader(status)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{{Message: message, Extensions: map[string]any{"code": code}}}))
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		refuse(http.StatusBadRequest, benkan.EBADREQUEST, "the URL's query string is malformed")
		return
	}
	raw := &graphql.RawParams{
		Query:         query.Get("query"),
		OperationName: query.Get("operationName"),
		Headers:       r.Header,
	}
	raw.ReadTime.Start = graphql.Now()
	for name, into := range map[string]*map[string]any{"variables": &raw.Variables, "extensions": &raw.Extensions} {
		if v := query.Get(name); v != "" {
			dec := json.NewDecoder(strings.NewReader(v))
			dec.UseNumber()
			if err := dec.Decode(into); err != nil {
				refuse(http.StatusBadRequest, benkan.EBADREQUEST, "the "+name+" parameter is not a JSON object")
				return
			}
		}
	}
	raw.ReadTime.End = graphql.Now()
	ctx = withDocumentID(ctx, query.Get("documentId"))
	oc, opErr := exec.CreateOperationContext(ctx, raw)
	if opErr != nil {
		respond(w, contentType, exec.DispatchError(graphql.WithOperationContext(ctx, oc), opErr))
		return
	}
	if oc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		refuse(http.StatusMethodNotAllowed, benkan.EBADREQUEST, "a "+string(oc.Operation.Operation)+" must be sent with POST")
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	respond(w, contentType, responses(ctx))
}
