package aggregator

import "testing"

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
