package auth

import (
	"strings"
	"testing"
)

func TestBearerToken(t *testing.T) {
	tests := []struct {
		header      string
		wantToken   string
		wantPresent bool
		wantErr     string // message of the refusal; empty if none
	}{
		{header: "", wantPresent: false},
		{header: "Bearer abc", wantToken: "abc", wantPresent: true},
		{header: "bearer abc", wantToken: "abc", wantPresent: true},
		{header: "BEARER abc", wantToken: "abc", wantPresent: true},
		{header: "Bearer  abc", wantToken: "abc", wantPresent: true},
		{header: "Bearer eyJhbGciOi.eyJzdWIi.c2ln-_~+/==", wantToken: "eyJhbGciOi.eyJzdWIi.c2ln-_~+/==", wantPresent: true},
		{header: "Basic xyz", wantPresent: true, wantErr: "authorization scheme not supported, use Bearer"},
		{header: "Basic", wantPresent: true, wantErr: "authorization scheme not supported, use Bearer"},
		{header: "Bearerabc", wantPresent: true, wantErr: "authorization scheme not supported, use Bearer"},
		{header: "Bearer", wantPresent: true, wantErr: `authorization header must be "Bearer <token>"`},
		{header: "Bearer ", wantPresent: true, wantErr: `authorization header must be "Bearer <token>"`},
		{header: "Bearer a b", wantPresent: true, wantErr: "malformed bearer token"},
		{header: "Bearer a\tb", wantPresent: true, wantErr: "malformed bearer token"},
		{header: "Bearer ===", wantPresent: true, wantErr: "malformed bearer token"},
		{header: "Bearer a=b", wantPresent: true, wantErr: "malformed bearer token"},
		{header: "Bearer tök", wantPresent: true, wantErr: "malformed bearer token"},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			token, present, err := BearerToken(tt.header)
			if present != tt.wantPresent {
				t.Errorf("present = %v, want %v", present, tt.wantPresent)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("error = %v, want none", err)
				}
				if token != tt.wantToken {
					t.Errorf("token = %q, want %q", token, tt.wantToken)
				}
				return
			}
			if token != "" {
				t.Errorf("token = %q, want none", token)
			}
			// The credential is whatever follows the scheme.
			_, credential, _ := strings.Cut(tt.header, " ")
			assertRefused(t, err, credential, tt.wantErr)
		})
	}
}
