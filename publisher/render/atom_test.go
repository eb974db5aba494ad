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

// TestEntryTitle checks which entry titles go out as type="html": only
// those holding something markup-like, which the W3C validator warns about
// in a text title and a careless reader would render as HTML.
func TestEntryTitle(t *testing.T) {
	tests := []struct {
		title    string
		wantType string
		wantXML  string // the value as HTML when typed html
	}{
		{"AT&T profits rise", "", "AT&T profits rise"},
		{"Turnout < 50% & falling", "", "Turnout < 50% & falling"},
		{"Why <b> tags matter", "html", "Why &lt;b&gt; tags matter"},
		{"a </i> b", "html", "a &lt;/i&gt; b"},
		{"Q&amp;A with the minister", "html", "Q&amp;amp;A with the minister"},
		{`say &#34;hi&#34;`, "html", "say &amp;#34;hi&amp;#34;"},
		{"<!-- x -->", "html", "&lt;!-- x --&gt;"},
	}
	for _, tt := range tests {
		t.Run(tt.title, func(t *testing.T) {
			got := entryTitle(tt.title)
			if got.Type != tt.wantType || got.Value != tt.wantXML {
				t.Errorf("entryTitle(%q) = {%q %q}; want {%q %q}", tt.title, got.Type, got.Value, tt.wantType, tt.wantXML)
			}
		})
	}
}
