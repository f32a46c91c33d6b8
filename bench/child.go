package bench

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// child is a benkan server the harness started.
type child struct {
	name    string
	cmd     *exec.Cmd
	url     string
	pprof   string        // base URL of its pprof listener, if any
	done    chan struct{} // closed when the process has exited
	waitErr error         // how it exited, once done is closed
	logPath string
}

// childOptions say how to start a server.
type childOptions struct {
	binary          string
	databaseURL     string
	secret          string
	noAccessControl bool
	noReadAudit     bool
	pprof           bool
	logLevel        string
	logDir          string
}

// freeAddr returns a loopback address no one listens on (yet).
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startChild starts `benkan serve` in bench mode (BENKAN_BENCH=1) on a free
// loopback port and waits until it is ready. Its log goes to a file in
// o.logDir. The environment's BENKAN_* variables are not passed on: the
// command line says everything.
func startChild(ctx context.Context, name string, o childOptions) (*child, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	dsn, err := withAppName(o.databaseURL, name)
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--addr", addr, "--database-url", dsn,
		"--playground=false", "--log-level", o.logLevel, "--shutdown-grace", "5s",
		// The harness's clients must not be throttled: they are the load.
		"--rate-limit", "0"}
	if o.noAccessControl {
		args = append(args, "--no-access-control")
	}
	if o.noReadAudit {
		args = append(args, "--no-read-audit")
	}
	c := &child{name: name, url: "http://" + addr, done: make(chan struct{})}
	if o.pprof {
		paddr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		args = append(args, "--pprof-addr", paddr)
		c.pprof = "http://" + paddr
	}
	env := []string{"BENKAN_BENCH=1", "BENKAN_JWT_SECRET=" + o.secret}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BENKAN_") {
			env = append(env, kv)
		}
	}
	c.logPath = filepath.Join(o.logDir, name+".log")
	logFile, err := os.Create(c.logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(o.binary, args...)
	cmd.Env = env
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", o.binary, err)
	}
	c.cmd = cmd
	go func() {
		c.waitErr = cmd.Wait()
		logFile.Close()
		close(c.done)
	}()
	cl, err := newClient(c.url, 1)
	if err != nil {
		c.stop()
		return nil, err
	}
	defer cl.close()
	if err := cl.waitReady(ctx, 2*time.Minute, c); err != nil {
		c.stop()
		return nil, fmt.Errorf("%s server: %w (log: %s)\n%s", name, err, c.logPath, tail(c.logPath))
	}
	return c, nil
}

// stop ends the server: SIGTERM, then SIGKILL after 10 seconds.
func (c *child) stop() {
	if c == nil || c.cmd == nil || c.cmd.Process == nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
	c.cmd = nil
}

// tail returns the last lines of a log file.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}
