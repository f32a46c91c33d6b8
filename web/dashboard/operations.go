package dashboard

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// The dashboard's GraphQL documents are fixed texts of its script, so the
// server can run them under an operations allow-list (benkan serve
// --operations-allowlist) without the operator listing them: go generate
// extracts them from static/dashboard.js into operations.json, embedded
// here, and TestOperationsManifestIsCurrent fails when the script's
// documents and the manifest differ.
//
//go:generate go run ./genoperations

//go:embed operations.json
var operationsManifest []byte

// Documents returns the GraphQL documents the dashboard's script sends, as
// it sends them (the exact text of each), from the embedded manifest: the
// documents that the server's allow-list must run for the dashboard to
// work.
func Documents() []string {
	var m manifest
	if err := json.Unmarshal(operationsManifest, &m); err != nil {
		// The manifest is generated and tested; this cannot fail at run time.
		panic("dashboard: operations.json: " + err.Error())
	}
	docs := make([]string, len(m.Operations))
	for i, op := range m.Operations {
		docs[i] = op.Body
	}
	return docs
}

// manifest is Apollo's persisted query manifest, the format of
// operations.json (one an allow-list file may also be written in).
type manifest struct {
	Format     string      `json:"format"`
	Version    int         `json:"version"`
	Operations []operation `json:"operations"`
}

type operation struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
	Body string `json:"body"`
}

// documentStart finds where a document starts in the script: a template
// literal whose text starts with an operation's keyword and its name.
var documentStart = regexp.MustCompile("`((query|mutation|subscription) ([_A-Za-z][_0-9A-Za-z]*))")

// operationKeyword finds an operation keyword followed by a name anywhere
// in the script: each must start one of the documents found.
var operationKeyword = regexp.MustCompile(`\b(query|mutation|subscription) [_A-Za-z][_0-9A-Za-z]*\s*[({]`)

// Manifest returns operations.json for the script js: each document of the
// script, in the order of the script, with its name, its type and, as id,
// the SHA-256 of its text (as Apollo's manifest has it). A document is a
// template literal that starts with "query NAME", "mutation NAME" or
// "subscription NAME"; it may hold no ${…} substitution and no backslash,
// so that its text in the script is the text the browser sends. Every
// operation keyword followed by a name in the script must start such a
// literal: a document written otherwise would not be listed.
func Manifest(js []byte) ([]byte, error) {
	src := string(js)
	m := manifest{Format: "apollo-persisted-query-manifest", Version: 1, Operations: []operation{}}
	names := map[string]bool{}
	covered := [][2]int{}
	for _, loc := range documentStart.FindAllStringSubmatchIndex(src, -1) {
		start := loc[0] + 1
		end := strings.IndexByte(src[start:], '`')
		if end < 0 {
			return nil, fmt.Errorf("the document at byte %d has no closing backquote", start)
		}
		body := src[start : start+end]
		name := src[loc[6]:loc[7]]
		if strings.Contains(body, "${") || strings.Contains(body, `\`) {
			return nil, fmt.Errorf("the document %s holds a ${…} substitution or a backslash: write it as a fixed text and pass values as variables", name)
		}
		if names[name] {
			return nil, fmt.Errorf("two documents are named %s", name)
		}
		names[name] = true
		sum := sha256.Sum256([]byte(body))
		m.Operations = append(m.Operations, operation{ID: hex.EncodeToString(sum[:]), Name: name, Type: src[loc[4]:loc[5]], Body: body})
		covered = append(covered, [2]int{start, start + end})
	}
	for _, loc := range operationKeyword.FindAllStringIndex(src, -1) {
		inside := false
		for _, c := range covered {
			inside = inside || (loc[0] >= c[0] && loc[0] < c[1])
		}
		if !inside {
			return nil, fmt.Errorf("%q at byte %d does not start a template literal: write each document as `%s…` so that it is listed", src[loc[0]:loc[1]], loc[0], strings.TrimRight(src[loc[0]:loc[1]], "({ \n"))
		}
	}
	if len(m.Operations) == 0 {
		return nil, fmt.Errorf("no document found")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DocumentsIfServed returns Documents when the server serves the dashboard
// and none otherwise: what benkan serve (and the test server, as it) give
// graph.Config.OwnDocuments, so that an allow-list admits the page's
// documents only where the page exists.
func DocumentsIfServed(served bool) []string {
	if !served {
		return nil
	}
	return Documents()
}
