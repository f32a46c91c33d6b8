// Command genoperations writes web/dashboard/operations.json, the manifest
// of the GraphQL documents of the dashboard's script (see
// dashboard.Manifest). go generate runs it in web/dashboard.
package main

import (
	"fmt"
	"os"

	"github.com/benkan-project/benkan/web/dashboard"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "genoperations:", err)
		os.Exit(1)
	}
}

func run() error {
	js, err := os.ReadFile("static/dashboard.js")
	if err != nil {
		return fmt.Errorf("read the dashboard's script: %w", err)
	}
	m, err := dashboard.Manifest(js)
	if err != nil {
		return fmt.Errorf("static/dashboard.js: %w", err)
	}
	if err := os.WriteFile("operations.json", m, 0o644); err != nil {
		return fmt.Errorf("write operations.json: %w", err)
	}
	return nil
}
