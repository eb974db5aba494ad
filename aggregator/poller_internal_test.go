package aggregator

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLinkBase(t *testing.T) {
	tests := []struct{ final, configured, want string }{
		{"", "https://desk:hunter2@wire.example/rss?token=s3cret", "https://wire.example/rss"},
		{"https://cdn.example/feeds/rss.xml", "https://wire.example/rss", "https://cdn.example/feeds/rss.xml"},
		{"", "file:///srv/feeds/a.xml", "file:///srv/feeds/a.xml"},
	}
	for _, tt := range tests {
		if got := linkBase(tt.final, tt.configured); got != tt.want {
			t.Errorf("linkBase(%q, %q) = %q; want %q", tt.final, tt.configured, got, tt.want)
		}
	}
}

func TestOneLine(t *testing.T) {
	cyr := strings.Repeat("ж", 200) // 400 bytes; byte 300 is a character start
	odd := "x" + cyr                // byte 300 is inside a character
	tests := []struct {
		name, in, want string
	}{
		{"short", "a\n  b\tc", "a b c"},
		{"exactly the limit", strings.Repeat("a", 300), strings.Repeat("a", 300)},
		{"ascii cut", strings.Repeat("a", 301), strings.Repeat("a", 300) + "…"},
		{"cyrillic cut on a boundary", cyr, strings.Repeat("ж", 150) + "…"},
		{"cyrillic cut backs off to a boundary", odd, "x" + strings.Repeat("ж", 149) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := oneLine(tt.in)
			if got != tt.want {
				t.Errorf("oneLine = %q; want %q", got, tt.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("oneLine returned invalid UTF-8 %q", got)
			}
		})
	}
}
