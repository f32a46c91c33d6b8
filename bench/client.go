package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/benkan-project/benkan/server"
)

// client talks to one benkan server on the loopback interface.
type client struct {
	base string
	http *http.Client
}

// newClient returns a client of the server at base, which must be on
// 127.0.0.1 (or another loopback address).
func newClient(base string, conc int) (*client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("server URL %q: want http://127.0.0.1:PORT", base)
	}
	if err := loopback(u.Hostname()); err != nil {
		return nil, fmt.Errorf("server URL %q: %w", base, err)
	}
	tr := &http.Transport{
		Proxy:               nil, // never through a proxy: the server is local
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        2 * conc,
		MaxIdleConnsPerHost: 2 * conc,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &client{base: u.Scheme + "://" + u.Host, http: &http.Client{Transport: tr, Timeout: 5 * time.Minute}}, nil
}

// loopback refuses a host that is not a loopback address.
func loopback(host string) error {
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%s is not a loopback address: the harness only talks to 127.0.0.1", host)
}

func (c *client) close() { c.http.CloseIdleConnections() }

// request is one prepared GraphQL request.
type request struct {
	body  []byte
	token string
	key   string // server.HeaderBenchKey
}

func newRequest(op Operation, vars map[string]any, token, key string) (*request, error) {
	body, err := json.Marshal(map[string]any{"query": op.Query, "variables": vars, "operationName": op.GraphQLName})
	if err != nil {
		return nil, err
	}
	return &request{body: body, token: token, key: key}, nil
}

// graphQLResponse is the part of a response the harness reads.
type graphQLResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// do sends r and reports the statements the server counted (-1 when it did
// not say). With decode, the response is decoded into out.
func (c *client) do(ctx context.Context, r *request, out any) sample {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/graphql", bytes.NewReader(r.body))
	if err != nil {
		return sample{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	if r.key != "" {
		req.Header.Set(server.HeaderBenchKey, r.key)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return sample{err: err}
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return sample{err: err}
	}
	if res.StatusCode != http.StatusOK {
		return sample{err: fmt.Errorf("status %d: %.300s", res.StatusCode, body)}
	}
	var partial error
	// A response without data fails the request; one with data and errors
	// too is measured, and its first error reported. Decoding every body
	// would cost the client CPU the server needs, so look for the member.
	if out != nil || bytes.Contains(body, []byte(`"errors":`)) {
		var g graphQLResponse
		if err := json.Unmarshal(body, &g); err != nil {
			return sample{err: fmt.Errorf("response is not JSON: %w", err)}
		}
		if len(g.Errors) > 0 {
			e := fmt.Errorf("GraphQL error %v at %v: %s", g.Errors[0].Extensions["code"], g.Errors[0].Path, g.Errors[0].Message)
			if len(g.Data) == 0 || string(g.Data) == "null" {
				return sample{err: e}
			}
			partial = e
		}
		if out != nil {
			if err := json.Unmarshal(g.Data, out); err != nil {
				return sample{err: fmt.Errorf("decode data: %w", err)}
			}
		}
	}
	total, viewer := header(res, server.HeaderSQLStatements), header(res, server.HeaderSQLStatementsViewer)
	if total < 0 || viewer < 0 {
		return sample{statements: -1, viewer: -1, partial: partial}
	}
	return sample{statements: total - viewer, viewer: viewer, partial: partial}
}

// header reads a number from a response header; -1 when absent.
func header(res *http.Response, name string) int {
	if v, err := strconv.Atoi(res.Header.Get(name)); err == nil {
		return v
	}
	return -1
}

// benchReport reads /debug/bench.
func (c *client) benchReport(ctx context.Context) (*server.BenchReport, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+server.BenchPath, nil)
	if err != nil {
		return nil, err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d: is the server running with BENKAN_BENCH=1?", server.BenchPath, res.StatusCode)
	}
	var rep server.BenchReport
	if err := json.NewDecoder(res.Body).Decode(&rep); err != nil {
		return nil, fmt.Errorf("GET %s: %w", server.BenchPath, err)
	}
	return &rep, nil
}

// resetBench forgets the server's statement log and resets its peak
// resident memory.
func (c *client) resetBench(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+server.BenchPath+"/reset", nil)
	if err != nil {
		return err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s/reset: status %d", server.BenchPath, res.StatusCode)
	}
	return nil
}

// waitReady polls /readyz until the server answers ready.
func (c *client) waitReady(ctx context.Context, timeout time.Duration, proc *child) error {
	deadline := time.Now().Add(timeout)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/readyz", nil)
		if err != nil {
			return err
		}
		if res, err := c.http.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return errors.New("the server did not become ready in time")
		}
		select {
		case <-proc.done:
			return fmt.Errorf("the server exited: %v", proc.waitErr)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
