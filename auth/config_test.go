package auth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestNewVerifierConfig(t *testing.T) {
	s := newJWKSServer(t, testKey{"k1", rsaKey(0)})
	notJWKS := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<html>login</html>`))
	}))
	defer notJWKS.Close()
	missing := httptest.NewServer(http.NotFoundHandler())
	defer missing.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()

	tests := []struct {
		name    string
		cfg     Config
		wantErr string // a part of the error; empty when the config is good
	}{
		{"secret", Config{Secret: testSecret}, ""},
		{"key set", Config{JWKSURL: s.URL}, ""},
		{"both", Config{Secret: testSecret, JWKSURL: s.URL, Issuer: "i", Audience: "a", Leeway: time.Second, HTTPClient: http.DefaultClient}, ""},
		{"nothing", Config{}, "neither"},
		{"short secret", Config{Secret: []byte("too short")}, "at least 32"},
		{"negative leeway", Config{Secret: testSecret, Leeway: -time.Second}, "leeway"},
		{"relative URL", Config{JWKSURL: "/certs"}, "absolute"},
		{"file URL", Config{JWKSURL: "file:///etc/passwd"}, "absolute"},
		{"bad URL", Config{JWKSURL: "http://[::1"}, "not a valid URL"},
		{"unreachable", Config{JWKSURL: down.URL}, "fetching the JWKS"},
		{"not found", Config{JWKSURL: missing.URL}, "404"},
		{"not JSON", Config{JWKSURL: notJWKS.URL}, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewVerifier(t.Context(), tt.cfg)
			if tt.wantErr == "" {
				if err != nil || v == nil {
					t.Fatalf("NewVerifier = %v, %v", v, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("NewVerifier error = %v, want one containing %q", err, tt.wantErr)
			}
			if v != nil {
				t.Errorf("NewVerifier returned a Verifier with the error")
			}
		})
	}
}

func TestJWKSErrorHidesURLPassword(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	u := strings.Replace(down.URL, "http://", "http://user:hunter2@", 1)
	_, err := NewVerifier(t.Context(), Config{JWKSURL: u})
	if err == nil {
		t.Fatal("NewVerifier succeeded with an unreachable key set")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %q shows the password of the URL", err)
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := Config{Secret: testSecret}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Issuer != "benkan" || cfg.Audience != "benkan" || cfg.Leeway != 30*time.Second {
		t.Errorf("defaults = %q, %q, %v", cfg.Issuer, cfg.Audience, cfg.Leeway)
	}
	if cfg.HTTPClient == nil || cfg.HTTPClient.Timeout != 10*time.Second {
		t.Errorf("default HTTP client = %+v, want one with a 10s timeout", cfg.HTTPClient)
	}
}
