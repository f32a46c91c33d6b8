package server

import (
	"net/http"

	"github.com/benkan-project/benkan"
)

// requestIDHeader carries a request's id, in and out.
const requestIDHeader = "X-Request-ID"

// requestID gives every request an id: the client's X-Request-ID when it
// sent a sane one (so that a gateway's id follows the request through),
// else a fresh random one. The id is in the request's context (every log
// line of the request names it, see benkan.Logger), in the X-Request-ID
// response header, and in the extensions of INTERNAL and UNAVAILABLE
// errors, so that a client can quote it and an operator find its lines.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(requestIDHeader)
		if !benkan.ValidRequestID(id) {
			id = benkan.NewRequestID()
		}
		w.Header().Set(requestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(benkan.WithRequestID(r.Context(), id)))
	})
}
