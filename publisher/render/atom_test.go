package render

import "testing"

// TestSourceID checks the atom:source id of a wire without a public URL:
// a tag URI beside the feed's, so the W3C validator has the id it asks
// for, and never empty.
func TestSourceID(t *testing.T) {
	for _, tc := range []struct{ feed, source, want string }{
		{"tag:localhost,2026:feeds/central-asia", "reuters", "tag:localhost,2026:sources/reuters"},
		{"tag:desk.example.org,2026:feeds/a/b", "ap", "tag:desk.example.org,2026:sources/ap"},
		{"tag:desk.example.org,2026:feeds/x", "a b", "tag:desk.example.org,2026:sources/a%20b"},
		{"https://desk.example.org/feeds/x.atom", "ap", "https://desk.example.org/feeds/x.atom#source-ap"},
		{"urn:uuid:1", "ap", "urn:uuid:1#source-ap"},
	} {
		if got := sourceID(tc.feed, tc.source); got != tc.want {
			t.Errorf("sourceID(%q, %q) = %q, want %q", tc.feed, tc.source, got, tc.want)
		}
	}
}
