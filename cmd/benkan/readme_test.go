package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Markers before a ```sh block of the README, after its opening commands:
// runnableMarker for a block TestREADMECommands runs, notRunMarker (with
// why) for one it cannot: a long-running server, a database of a million
// rows, an id only a running system gives.
const (
	runnableMarker = "<!-- runnable -->"
	notRunMarker   = "<!-- not run: "
)

// shBlock is a ```sh block of the README and the line it starts on.
type shBlock struct {
	line     int
	text     string
	runnable bool
}

// readmeBlocks returns the ```sh blocks of readme, and fails t for a block
// with no marker saying whether it runs (the opening ones included: the
// server and the test suite itself are not run).
func readmeBlocks(t *testing.T, readme string) []shBlock {
	lines := strings.Split(readme, "\n")
	var blocks []shBlock
	for i := 0; i < len(lines); i++ {
		if lines[i] != "```sh" {
			continue
		}
		prev := ""
		if i > 0 {
			prev = lines[i-1]
		}
		b := shBlock{line: i + 1, runnable: prev == runnableMarker}
		if !b.runnable && !(strings.HasPrefix(prev, notRunMarker) && strings.HasSuffix(prev, "-->")) {
			t.Errorf("README.md:%d: a ```sh block without %s or %s…-->: say whether the README test runs it", i+1, runnableMarker, notRunMarker)
		}
		var body []string
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			body = append(body, lines[i])
		}
		b.text = strings.Join(body, "\n")
		blocks = append(blocks, b)
	}
	return blocks
}

// TestREADMECommands runs the README's runnable shell blocks, in order, in
// one shell, as a newcomer would type them on a clean machine: in a fresh
// directory holding only the repository's policy/ (the examples name
// policy/expectations.csv), with no BENKAN_* variable set, and `benkan`
// built from this package. Every command must succeed.
func TestREADMECommands(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var script strings.Builder
	script.WriteString("set -euo pipefail\n")
	n := 0
	for _, b := range readmeBlocks(t, string(raw)) {
		if b.runnable {
			n++
			script.WriteString("echo '== README.md:" + strconv.Itoa(b.line) + "' >&2\n" + b.text + "\n")
		}
	}
	if n < 5 {
		t.Fatalf("only %d runnable blocks in the README: the markers went missing?", n)
	}
	if testing.Short() {
		t.Skip("builds benkan")
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "benkan"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	// The files the README's commands name, as in a clone.
	for _, name := range []string{"policy", "demo"} {
		src, err := filepath.Abs(filepath.Join("../..", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(src, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("bash", "-c", script.String())
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BENKAN_") && !strings.HasPrefix(kv, "PATH=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's commands failed (%v); the last block that started names its line:\n%s", err, tail(out, 6000))
	}
	for _, f := range []string{"benkan-data/benkan.db", "policy.csv", "benkan.graphql"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("the README's commands did not make %s: %v", f, err)
		}
	}
}

// tail is the end of out, at most n bytes.
func tail(out []byte, n int) string {
	if len(out) > n {
		return "…" + string(out[len(out)-n:])
	}
	return string(out)
}
