package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestImportRules keeps the layout of docs/DESIGN.md: the root package imports
// no internal package, and config, storage, aggregator, publisher, desk and
// alert never import each other (aggregator, publisher and desk reach storage
// through interfaces they declare; internal/wiring wires them).
func TestImportRules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	const mod = "github.com/wiredesk/wiredesk"
	out, err := exec.Command("go", "list", "-json=ImportPath,Deps", mod+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	groups := []string{"config", "storage", "aggregator", "publisher", "desk", "alert"}
	groupOf := func(pkg string) string {
		rest, ok := strings.CutPrefix(pkg, mod+"/")
		if !ok {
			return ""
		}
		for _, g := range groups {
			if rest == g || strings.HasPrefix(rest, g+"/") {
				return g
			}
		}
		return ""
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for dec.More() {
		var p struct {
			ImportPath string
			Deps       []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		from := groupOf(p.ImportPath)
		for _, d := range p.Deps {
			switch {
			case p.ImportPath == mod && strings.Contains(strings.Split(d, "/")[0], "."):
				t.Errorf("root package wiredesk imports %s; it must use the standard library only", d)
			case from != "" && groupOf(d) != "" && groupOf(d) != from:
				t.Errorf("%s imports %s: %s and %s must not import each other", p.ImportPath, d, from, groupOf(d))
			}
		}
		checked++
	}
	if checked < 5 {
		t.Fatalf("checked only %d packages; go list output unexpected", checked)
	}
}
