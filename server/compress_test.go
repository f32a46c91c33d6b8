package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// raw is a client that leaves Content-Encoding to the test (Go's client
// otherwise asks for gzip and decompresses silently).
var raw = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// fetch sends req with the given extra headers and returns the response
// and its body, decompressed when it was gzipped.
func fetch(t *testing.T, req *http.Request, headers ...string) (*http.Response, []byte) {
	t.Helper()
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := raw.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("Content-Encoding: gzip but %v", err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("gzip body: %v", err)
		}
		t.Logf("%s %s: %d bytes gzipped, %d plain", req.Method, req.URL.Path, len(body), len(plain))
		return res, plain
	}
	return res, body
}

func varies(h http.Header, name string) bool {
	for _, v := range h.Values("Vary") {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), name) {
				return true
			}
		}
	}
	return false
}

// TestCompression: responses are gzipped when the client accepts it, and
// only then; the body is the same once decompressed; short bodies, HEAD
// and ranges are left alone; GraphQL and export answers are no-store.
func TestCompression(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		token := "Bearer " + srv.Token(t, apitest.Admin)
		post := func(query string) *http.Request {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(`{"query": "`+query+`"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", token)
			return req
		}
		const big = `{ __schema { types { name description } } }` // tens of KB

		plainRes, plain := fetch(t, post(big))
		if plainRes.Header.Get("Content-Encoding") != "" || !varies(plainRes.Header, "Accept-Encoding") {
			t.Fatalf("without Accept-Encoding: Content-Encoding %q, Vary %q", plainRes.Header.Get("Content-Encoding"), plainRes.Header.Values("Vary"))
		}
		if len(plain) < 4096 {
			t.Fatalf("the introspection answer is only %d bytes: not a test of compression", len(plain))
		}
		for _, tt := range []struct {
			acceptEncoding string
			gzipped        bool
		}{
			{"gzip", true},
			{"gzip, deflate, br", true},
			{"br;q=1.0, gzip;q=0.5", true},
			{"*", true},
			{"gzip;q=0", false},
			{"identity", false},
			{"br", false},
			{"*;q=0", false},
		} {
			t.Run("graphql/"+tt.acceptEncoding, func(t *testing.T) {
				res, body := fetch(t, post(big), "Accept-Encoding", tt.acceptEncoding)
				if got := res.Header.Get("Content-Encoding") == "gzip"; got != tt.gzipped {
					t.Fatalf("gzipped %v, want %v", got, tt.gzipped)
				}
				if !bytes.Equal(body, plain) {
					t.Fatalf("the body differs from the uncompressed answer:\n%.200s\n%.200s", body, plain)
				}
				if res.Header.Get("Cache-Control") != "no-store" || !varies(res.Header, "Accept-Encoding") {
					t.Errorf("Cache-Control %q, Vary %q", res.Header.Get("Cache-Control"), res.Header.Values("Vary"))
				}
				if tt.gzipped && res.Header.Get("Content-Length") != "" && res.ContentLength >= int64(len(plain)) {
					t.Errorf("Content-Length %d for %d bytes", res.ContentLength, len(plain))
				}
			})
		}
		t.Run("a short answer is not compressed", func(t *testing.T) {
			res, body := fetch(t, post(`{ __typename }`), "Accept-Encoding", "gzip")
			if res.Header.Get("Content-Encoding") != "" || !strings.Contains(string(body), `"Query"`) {
				t.Fatalf("Content-Encoding %q: %s", res.Header.Get("Content-Encoding"), body)
			}
			if res.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", res.Header.Get("Cache-Control"))
			}
		})
		t.Run("an error answer is no-store too", func(t *testing.T) {
			req := post(`{ __typename }`)
			req.Header.Set("Authorization", "Bearer not-a-token")
			res, _ := fetch(t, req)
			if res.StatusCode != http.StatusUnauthorized || res.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("status %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
			}
		})

		t.Run("export", func(t *testing.T) {
			get := func() *http.Request {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/export/violationTypes.csv", nil)
				req.Header.Set("Authorization", token)
				return req
			}
			if res, _ := fetch(t, get(), "Accept-Encoding", "gzip"); res.Header.Get("Content-Encoding") != "" {
				t.Errorf("a short export is gzipped")
			}
			ctx := policy.SystemContext(context.Background())
			for i := range 60 {
				db.Client.ViolationType.Create().SetCode(fmt.Sprintf("compress_%02d", i)).SetLabelFr("Libellé assez long pour la page").SetLabelEn("A label long enough for the page").ExecX(ctx)
			}
			_, plainCSV := fetch(t, get())
			res, body := fetch(t, get(), "Accept-Encoding", "gzip")
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("status %d, Content-Encoding %q, Cache-Control %q: %s", res.StatusCode, res.Header.Get("Content-Encoding"), res.Header.Get("Cache-Control"), body)
			}
			// The first line has the time of the export: compare the rest.
			_, rest, _ := strings.Cut(string(body), "\n")
			_, plainRest, _ := strings.Cut(string(plainCSV), "\n")
			if rest != plainRest || !strings.Contains(rest, "# complete:") {
				t.Fatalf("the gzipped export differs:\n%.300s\n%.300s", rest, plainRest)
			}
		})

		t.Run("playground script", func(t *testing.T) {
			_, page := fetch(t, mustRequest(t, http.MethodGet, srv.URL+"/"))
			var script string // GraphiQL's bundle, the largest
			for _, m := range regexp.MustCompile(`<script src="([^"]+)"`).FindAllStringSubmatch(string(page), -1) {
				if strings.Contains(m[1], "graphiql") {
					script = m[1]
				}
			}
			if script == "" {
				t.Fatalf("no script in the page")
			}
			url := srv.URL + "/" + strings.TrimPrefix(script, "/")
			plainRes, plainJS := fetch(t, mustRequest(t, http.MethodGet, url))
			res, js := fetch(t, mustRequest(t, http.MethodGet, url), "Accept-Encoding", "gzip")
			if res.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(js, plainJS) {
				t.Fatalf("Content-Encoding %q, %d bytes, want %d", res.Header.Get("Content-Encoding"), len(js), len(plainJS))
			}
			etag := res.Header.Get("ETag")
			if etag != "W/"+plainRes.Header.Get("ETag") {
				t.Errorf("ETag of the gzipped script %q, of the plain one %q: want it weak", etag, plainRes.Header.Get("ETag"))
			}
			again, _ := fetch(t, mustRequest(t, http.MethodGet, url), "Accept-Encoding", "gzip", "If-None-Match", etag)
			if again.StatusCode != http.StatusNotModified {
				t.Errorf("revalidation with the weak ETag: %d, want 304", again.StatusCode)
			}
			ranged, part := fetch(t, mustRequest(t, http.MethodGet, url), "Accept-Encoding", "gzip", "Range", "bytes=0-99")
			if ranged.StatusCode != http.StatusPartialContent || ranged.Header.Get("Content-Encoding") != "" || !bytes.Equal(part, plainJS[:100]) {
				t.Errorf("range: %d, Content-Encoding %q, %d bytes", ranged.StatusCode, ranged.Header.Get("Content-Encoding"), len(part))
			}
			head, _ := fetch(t, mustRequest(t, http.MethodHead, url), "Accept-Encoding", "gzip")
			if head.Header.Get("Content-Encoding") != "" {
				t.Errorf("HEAD: Content-Encoding %q", head.Header.Get("Content-Encoding"))
			}
		})
	})
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
