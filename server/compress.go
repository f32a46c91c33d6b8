package server

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// minCompressBytes is the smallest body compress compresses: below it,
// gzip's header and trailer (18 bytes) and the CPU cost outweigh the gain.
const minCompressBytes = 1024

// gzipLevel trades CPU for bytes, and the answers are made anew for each
// request: gzip.BestSpeed writes the feed's 28.7 KB answer (50 incidents)
// in 5.0 KB where level 6 writes 4.1 KB at nearly twice the CPU, and the
// playground's 1 MB GraphiQL bundle (cached a year by browsers) in 390 KB.
const gzipLevel = gzip.BestSpeed

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzipLevel) // gzipLevel is valid
	return w
}}

// compress gzips responses for clients that accept it (Accept-Encoding:
// gzip): GraphQL answers, CSV exports and the playground's page and
// scripts. Every response says Vary: Accept-Encoding, so that a cache
// keeps the two forms apart.
//
// It leaves alone a HEAD request, a request for a range (a range is of
// the uncompressed bytes), a body under minCompressBytes, a response that
// has no body (1xx, 204, 304) or is encoded already, and content types
// that do not shrink. A streamed body (an export flushing its pages) is
// compressed as it streams: Flush flushes the gzip writer, then the
// connection. A strong ETag becomes weak on a compressed response (the
// bytes differ, the content does not), so revalidation still matches it.
func compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
		if r.Method == http.MethodHead || r.Header.Get("Range") != "" || !acceptsGzip(r.Header.Values("Accept-Encoding")) {
			next.ServeHTTP(w, r)
			return
		}
		cw := &compressWriter{ResponseWriter: w}
		defer cw.close()
		next.ServeHTTP(cw, r)
	})
}

// acceptsGzip reports whether Accept-Encoding values accept gzip: gzip or
// * with a q-value above 0, and gzip not refused by name.
func acceptsGzip(values []string) bool {
	star := false
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			name = strings.ToLower(strings.TrimSpace(name))
			q := 1.0
			for p := range strings.SplitSeq(params, ";") {
				if k, val, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
						q = f
					}
				}
			}
			switch name {
			case "gzip", "x-gzip":
				return q > 0
			case "*":
				star = q > 0
			}
		}
	}
	return star
}

// compressible reports whether a body of contentType shrinks when gzipped.
func compressible(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	switch {
	case strings.HasPrefix(mt, "text/"):
		return true
	case mt == "application/json", mt == "application/graphql-response+json",
		mt == "application/javascript", mt == "image/svg+xml":
		return true
	}
	return false
}

// compressWriter holds back the status and the first bytes of a response
// until it knows whether to compress it: at minCompressBytes, at a Flush,
// or at the end (a short body goes out as it is).
type compressWriter struct {
	http.ResponseWriter
	status  int
	decided bool
	gz      *gzip.Writer // nil: not compressed
	buf     bytes.Buffer
}

// WriteHeader holds the status back until the body decides the encoding;
// a status without a body is sent at once, uncompressed.
func (c *compressWriter) WriteHeader(code int) {
	if c.decided || c.status != 0 {
		return // superfluous, as net/http would ignore it
	}
	if code < 200 {
		c.ResponseWriter.WriteHeader(code) // informational: passes through
		return
	}
	c.status = code
	if code == http.StatusNoContent || code == http.StatusNotModified || code == http.StatusPartialContent {
		c.decide(false)
	}
}

func (c *compressWriter) Write(b []byte) (int, error) {
	if !c.decided {
		c.buf.Write(b)
		if c.buf.Len() < minCompressBytes {
			return len(b), nil
		}
		if err := c.start(); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	if c.gz != nil {
		return c.gz.Write(b)
	}
	return c.ResponseWriter.Write(b)
}

// start decides on what the handler has set and sends what is held back.
func (c *compressWriter) start() error {
	h := c.Header()
	c.decide(h.Get("Content-Encoding") == "" && h.Get("Content-Range") == "" && compressible(h.Get("Content-Type")))
	if c.buf.Len() == 0 {
		return nil
	}
	var err error
	if c.gz != nil {
		_, err = c.gz.Write(c.buf.Bytes())
	} else {
		_, err = c.ResponseWriter.Write(c.buf.Bytes())
	}
	c.buf.Reset()
	return err
}

// decide writes the header, compressed or not.
func (c *compressWriter) decide(gz bool) {
	c.decided = true
	if gz {
		h := c.Header()
		h.Set("Content-Encoding", "gzip")
		h.Del("Content-Length")
		if etag := h.Get("ETag"); etag != "" && !strings.HasPrefix(etag, "W/") {
			h.Set("ETag", "W/"+etag)
		}
		c.gz = gzipWriters.Get().(*gzip.Writer)
		c.gz.Reset(c.ResponseWriter)
	}
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.ResponseWriter.WriteHeader(c.status)
}

// Flush sends what is held back and flushes the connection: a streamed
// export reaches the client page by page. A body is compressed from its
// first flush on if it holds minCompressBytes by then (a full page of an
// export does); a shorter one is sent as it is.
func (c *compressWriter) Flush() {
	_ = c.FlushError()
}

// FlushError is Flush for http.ResponseController.
func (c *compressWriter) FlushError() error {
	if !c.decided {
		if c.buf.Len() < minCompressBytes {
			c.decide(false)
			if _, err := c.ResponseWriter.Write(c.buf.Bytes()); err != nil {
				return err
			}
			c.buf.Reset()
		} else if err := c.start(); err != nil {
			return err
		}
	}
	if c.gz != nil {
		if err := c.gz.Flush(); err != nil {
			return err
		}
	}
	return http.NewResponseController(c.ResponseWriter).Flush()
}

// close ends the response: a body still held back (under
// minCompressBytes) goes out uncompressed, a gzip stream gets its trailer.
func (c *compressWriter) close() {
	if !c.decided {
		if c.status == 0 && c.buf.Len() == 0 {
			return // nothing written: the server writes its own 200
		}
		c.decide(false)
		if c.buf.Len() > 0 {
			_, _ = c.ResponseWriter.Write(c.buf.Bytes())
		}
		return
	}
	if c.gz != nil {
		_ = c.gz.Close()
		c.gz.Reset(nil)
		gzipWriters.Put(c.gz)
		c.gz = nil
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (c *compressWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
