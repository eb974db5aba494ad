package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// Set at build time: go build -ldflags "-X main.buildVersion=v1.2.3 -X main.buildRevision=abc".
var (
	buildVersion  string
	buildRevision string
)

// version returns the semantic version set at build time by make (see
// Makefile VERSION), else the module version, else v0.0.0-dev.
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "v0.0.0-dev" // a plain `go build`: no tag, no module version
}

// revision returns the VCS revision (and "+dirty" for a modified tree).
func revision() (rev, when string) {
	rev = buildRevision
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return rev, ""
	}
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if rev == "" {
				rev = s.Value
			}
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && rev != "" {
		rev += "+dirty"
	}
	return rev, when
}

func cmdVersion(ctx context.Context, e *env, args []string) error {
	fs, _ := flags(e, "version", "version", "  wiredesk version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rev, when := revision()
	if rev == "" {
		rev = "unknown"
	}
	bi, _ := debug.ReadBuildInfo()
	goVer := ""
	path := "github.com/wiredesk/wiredesk"
	if bi != nil {
		goVer = bi.GoVersion
		if bi.Main.Path != "" {
			path = bi.Main.Path
		}
	}
	fmt.Fprintf(e.stdout, "wiredesk %s\nmodule   %s\nrevision %s\n", version(), path, rev)
	if when != "" {
		fmt.Fprintf(e.stdout, "built    %s\n", when)
	}
	fmt.Fprintf(e.stdout, "go       %s\n", goVer)
	return nil
}
