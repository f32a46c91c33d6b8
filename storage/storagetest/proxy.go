package storagetest

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/url"
	"os"
	"sync"
	"testing"

	"github.com/benkan-project/benkan/storage"
)

// Proxy is a TCP proxy between a server under test and PostgreSQL, which a
// test turns off and on to play a database that goes away (connection
// refused, connections reset) or restarts ("the database system is starting
// up"), without touching the PostgreSQL cluster other tests share.
type Proxy struct {
	target string

	mu       sync.Mutex
	addr     string
	ln       net.Listener
	conns    map[net.Conn]bool
	starting bool
	wg       sync.WaitGroup
}

// Addr is the proxy's address, host:port.
func (p *Proxy) Addr() string { return p.addr }

// Down closes the proxy's connections and stops listening: new connections
// are refused, as by a database that is down.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	p.closeConns()
}

// StartingUp closes the proxy's connections and answers new ones as
// PostgreSQL does while it starts: a FATAL error 57P03, "the database
// system is starting up".
func (p *Proxy) StartingUp(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	p.starting = true
	p.closeConns()
	p.mu.Unlock()
	p.listen(t)
}

// Up forwards connections to PostgreSQL again.
func (p *Proxy) Up(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	p.starting = false
	p.closeConns()
	p.mu.Unlock()
	p.listen(t)
}

func (p *Proxy) closeConns() {
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// listen listens on the proxy's address unless it does already.
func (p *Proxy) listen(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		return
	}
	addr := p.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("proxy: listen on %s: %v", addr, err)
	}
	p.ln, p.addr = ln, ln.Addr().String()
	p.wg.Add(1)
	go p.accept(ln)
}

func (p *Proxy) accept(ln net.Listener) {
	defer p.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.ln != ln {
			p.mu.Unlock()
			c.Close()
			return
		}
		p.conns[c] = true
		starting := p.starting
		p.mu.Unlock()
		if starting {
			go startingUp(c)
			continue
		}
		go p.forward(c)
	}
}

func (p *Proxy) forward(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if !p.conns[c] { // closed meanwhile
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[up] = true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
	c.Close()
	up.Close()
}

// startingUp reads a startup message and answers it with PostgreSQL's
// error for a server that is starting up, then closes the connection.
func startingUp(c net.Conn) {
	defer c.Close()
	var n [4]byte
	if _, err := io.ReadFull(c, n[:]); err != nil {
		return
	}
	size := int(binary.BigEndian.Uint32(n[:]))
	if size < 4 || size > 1<<16 {
		return
	}
	if _, err := io.CopyN(io.Discard, c, int64(size-4)); err != nil {
		return
	}
	var body []byte
	for _, f := range []struct {
		kind  byte
		value string
	}{{'S', "FATAL"}, {'V', "FATAL"}, {'C', "57P03"}, {'M', "the database system is starting up"}} {
		body = append(body, f.kind)
		body = append(body, f.value...)
		body = append(body, 0)
	}
	body = append(body, 0)
	msg := []byte{'E', 0, 0, 0, 0}
	binary.BigEndian.PutUint32(msg[1:], uint32(len(body)+4))
	_, _ = c.Write(append(msg, body...))
}

// ThroughProxy returns a fresh migrated PostgreSQL test database (see
// Databases), and a second connection pool to it, through a Proxy the test
// controls. Tests seed through the first and serve through the second.
// It skips the test when BENKAN_TEST_DATABASE_URL is not set.
func ThroughProxy(t testing.TB) (direct, proxied *storage.DB, proxy *Proxy) {
	t.Helper()
	if os.Getenv(EnvURL) == "" {
		t.Skipf("%s is not set", EnvURL)
	}
	direct = Database{Name: "postgres", open: openPostgres}.Open(t, storage.Config{})
	proxy, proxiedURL := NewProxy(t, postgresURL(t, direct))
	var err error
	proxied, err = storage.Open(context.Background(), storage.Config{DatabaseURL: proxiedURL})
	if err != nil {
		t.Fatalf("open postgres through the proxy: %v", err)
	}
	t.Cleanup(func() { proxied.Close() })
	return direct, proxied, proxy
}

// NewProxy starts a Proxy to the PostgreSQL server of the URL target, up,
// and returns it with target rewritten to go through it: for a server
// process under test whose database the test takes away. The proxy is
// stopped at the end of t.
func NewProxy(t testing.TB, target string) (*Proxy, string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("proxy: parse the database URL: %v", err)
	}
	proxy := &Proxy{target: u.Host, conns: map[net.Conn]bool{}}
	proxy.listen(t)
	t.Cleanup(func() {
		proxy.Down()
		proxy.wg.Wait()
	})
	u.Host = proxy.Addr()
	return proxy, u.String()
}

// urls holds the URL each PostgreSQL test database was opened with.
var urls sync.Map // *storage.DB -> string

// postgresURL is the URL db was opened with.
func postgresURL(t testing.TB, db *storage.DB) string {
	t.Helper()
	u, ok := urls.Load(db)
	if !ok {
		t.Fatal("not a PostgreSQL test database")
	}
	return u.(string)
}
