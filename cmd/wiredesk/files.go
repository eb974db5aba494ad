package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// fileURL turns a local path into a file:// URL; URLs pass through.
func fileURL(raw string) (string, error) {
	if strings.Contains(raw, "://") {
		u, err := url.Parse(raw)
		if err != nil {
			return "", fmt.Errorf("bad URL %q: %w", raw, err)
		}
		if u.Scheme == "file" && u.Host != "" && u.Host != "localhost" {
			// file://relative/path: the "host" is the first path segment.
			abs, err := filepath.Abs(u.Host + u.Path)
			if err != nil {
				return "", err
			}
			return (&url.URL{Scheme: "file", Path: abs}).String(), nil
		}
		return raw, nil
	}
	p := strings.TrimPrefix(raw, "file:")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%q is neither a URL nor a readable file: %w", raw, err)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	return (&url.URL{Scheme: "file", Path: abs}).String(), nil
}
