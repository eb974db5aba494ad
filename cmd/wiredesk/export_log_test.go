package main

import (
	"strings"
	"testing"
)

// export logs the files it wrote, one line each, and nothing else at the
// default level: a second export into the same folder writes nothing and
// says nothing on stderr (it once logged every feed as "changed").
func TestExportLogsWhatItWrote(t *testing.T) {
	cfg := demoDir(t, "127.0.0.1:0")
	if code, out, stderr := runIn(t, "once", "-config", cfg, "-out", t.TempDir()); code != 0 {
		t.Fatalf("once: exit %d\n%s%s", code, out, stderr)
	}
	dir := t.TempDir()
	code, out, stderr := runIn(t, "export", "-config", cfg, "-out", dir)
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	if n := strings.Count(stderr, "msg=written"); n == 0 || strings.Contains(stderr, "feeds rendered") {
		t.Errorf("first export: %d written lines, stderr:\n%s", n, stderr)
	}
	if !strings.Contains(out, " files written to ") {
		t.Errorf("first export stdout: %q", out)
	}
	code, out, stderr = runIn(t, "export", "-config", cfg, "-out", dir)
	if code != 0 {
		t.Fatalf("second export: exit %d: %s", code, stderr)
	}
	if !strings.HasPrefix(out, "0 files written") || strings.TrimSpace(stderr) != "" {
		t.Errorf("second export wrote nothing but said:\nstdout %q\nstderr %q", out, stderr)
	}
}
