package dashboard

import (
	"bytes"
	"strings"
	"testing"
)

// TestOperationsManifestIsCurrent: operations.json, which the server's
// allow-list runs for the dashboard, holds exactly the documents the
// embedded script sends: it fails when dashboard.js changes, adds or drops
// a document without go generate.
func TestOperationsManifestIsCurrent(t *testing.T) {
	js, err := files.ReadFile("static/dashboard.js")
	if err != nil {
		t.Fatal(err)
	}
	want, err := Manifest(js)
	if err != nil {
		t.Fatalf("the script's documents: %v", err)
	}
	if !bytes.Equal(operationsManifest, want) {
		t.Fatalf("web/dashboard/operations.json is not the manifest of static/dashboard.js's documents: run go generate ./web/dashboard/")
	}
	docs := Documents()
	if len(docs) < 7 {
		t.Errorf("%d documents, want at least the 7 of the views and the reference data", len(docs))
	}
	for _, d := range docs {
		if !strings.Contains(string(js), "`"+d+"`") {
			t.Errorf("the document %.60q is not a text of the script", d)
		}
	}
}

// TestManifestRefusesWhatItCannotList: a document the browser would send
// with another text than the script's (a substitution, an escape), one
// the extraction would miss, and two documents of one name are errors of
// go generate, not documents silently refused under an allow-list.
func TestManifestRefusesWhatItCannotList(t *testing.T) {
	for _, c := range []struct{ name, js, err string }{
		{"a substitution", "gql(`query A { x(id: \"${id}\") }`)", "substitution"},
		{"an escape", "gql(`query A { x(s: \"\\u0041\") }`)", "backslash"},
		{"a document in a string", `gql("query A { x }")`, "does not start a template literal"},
		{"a document after other text", "gql(` query A { x }`)", "does not start a template literal"},
		{"two of one name", "gql(`query A { x }`); gql(`query A { y }`)", "two documents"},
		{"none", "const a = 1;", "no document"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Manifest([]byte(c.js)); err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Manifest: %v, want an error saying %q", err, c.err)
			}
		})
	}
	m, err := Manifest([]byte("gql(`query A($id: ID!) { node(id: $id) { id } }`, {id})"))
	if err != nil || !strings.Contains(string(m), `"body": "query A($id: ID!) { node(id: $id) { id } }"`) {
		t.Errorf("Manifest: %v\n%s", err, m)
	}
}
