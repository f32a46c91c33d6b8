package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/benkan-project/benkan/auth"
)

// secret is the BENKAN_JWT_SECRET every process of a test shares, so that
// the test signs tokens each of them accepts.
const secret = "e2e-0123456789abcdef0123456789abcdef"

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

// TestMain removes the binary built by benkan once the tests have run.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// benkanBinary builds ./cmd/benkan once per test binary and returns its path.
func benkanBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			buildErr = fmt.Errorf("go env GOMOD: %w", err)
			return
		}
		root := filepath.Dir(strings.TrimSpace(string(out)))
		if binDir, buildErr = os.MkdirTemp("", "benkan-e2e-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "benkan")
		build := exec.Command("go", "build", "-o", binPath, "./cmd/benkan")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/benkan: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// process is a running `benkan serve`.
type process struct {
	name string
	url  string // http://host:port
	cmd  *exec.Cmd

	mu     sync.Mutex
	output bytes.Buffer // stdout and stderr

	exited chan struct{} // closed when the process has ended
}

// listening is the server's log line once it accepts connections.
var listening = regexp.MustCompile(`msg=listening addr=(http://\S+)`)

// serve starts `benkan serve` with args on a free port and waits until it
// listens. The process is stopped at the end of t, and its output logged
// if t failed.
func serve(t *testing.T, name string, args ...string) *process {
	t.Helper()
	return serveEnv(t, name, []string{"BENKAN_JWT_SECRET=" + secret}, args...)
}

// serveEnv is serve with env as the process's BENKAN_* variables (serve's
// is the shared BENKAN_JWT_SECRET).
func serveEnv(t *testing.T, name string, env []string, args ...string) *process {
	t.Helper()
	p := &process{name: name, exited: make(chan struct{})}
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--rate-limit", "0", "--shutdown-grace", "1s", "--playground=false"}, args...)
	p.cmd = exec.Command(benkanBinary(t), args...)
	for _, kv := range os.Environ() { // no BENKAN_* of the caller's
		if !strings.HasPrefix(kv, "BENKAN_") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	p.cmd.Env = append(p.cmd.Env, env...)
	pr, pw := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = pw, pw
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.output.Write(sc.Bytes())
			p.output.WriteByte('\n')
			p.mu.Unlock()
			if m := listening.FindSubmatch(sc.Bytes()); m != nil {
				select {
				case addr <- string(m[1]):
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	go func() {
		_ = p.cmd.Wait()
		pw.Close()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("output of %s:\n%s", p.name, p.log())
		}
	})
	select {
	case p.url = <-addr:
	case <-p.exited:
		t.Fatalf("%s ended before listening: %v\n%s", name, p.cmd.ProcessState, p.log())
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not listen within 20s:\n%s", name, p.log())
	}
	return p
}

// stop ends the process: SIGTERM, then SIGKILL if it lingers.
func (p *process) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// log returns what the process has written so far.
func (p *process) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output.String()
}

// running fails t if the process has ended.
func (p *process) running(t *testing.T) {
	t.Helper()
	select {
	case <-p.exited:
		t.Fatalf("%s has ended: %v", p.name, p.cmd.ProcessState)
	default:
	}
}

// token signs a token for subject that every process accepts.
func token(t *testing.T, subject string) string {
	t.Helper()
	tok, err := auth.Sign([]byte(secret), auth.DefaultIssuer, auth.DefaultAudience, subject, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// result is a GraphQL response.
type result struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string `json:"message"`
		Extensions struct {
			Code string `json:"code"`
		} `json:"extensions"`
	} `json:"errors"`
}

// client is a short timeout: a process that hangs fails the test quickly.
var client = &http.Client{Timeout: 5 * time.Second}

// query posts a GraphQL request to p with tok and returns the response.
func (p *process) query(t *testing.T, tok, q string, vars map[string]any) result {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": q, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, p.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s: POST /graphql: %v", p.name, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: read the response: %v", p.name, err)
	}
	var r result
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%s: HTTP %d, not a GraphQL response: %v\n%s", p.name, resp.StatusCode, err, raw)
	}
	return r
}

// get returns the status of a GET of path on p.
func (p *process) get(t *testing.T, path string) int {
	t.Helper()
	resp, err := client.Get(p.url + path)
	if err != nil {
		t.Fatalf("%s: GET %s: %v", p.name, path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
