package parse

import (
	"testing"
)

func TestWebSubLinks(t *testing.T) {
	for _, tt := range []struct {
		name, body, hub, self string
	}{
		{"atom", `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>x</id><updated>2026-11-29T00:00:00Z</updated>` +
			`<link rel="hub" href="https://hub.example/"/><link rel="self" href="https://wire.example/atom"/></feed>`,
			"https://hub.example/", "https://wire.example/atom"},
		{"rss atom:link", `<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title><link>https://wire.example/</link><description>d</description>` +
			`<atom:link rel="self" href="https://wire.example/rss"/><atom:link rel="hub" href="https://pubsubhubbub.appspot.com/"/></channel></rss>`,
			"https://pubsubhubbub.appspot.com/", "https://wire.example/rss"},
		{"relative hub resolves", `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>x</id><updated>2026-11-29T00:00:00Z</updated>` +
			`<link rel="hub" href="/hub"/></feed>`,
			"https://wire.example/hub", ""},
		{"no hub", `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://wire.example/</link><description>d</description></channel></rss>`, "", ""},
		{"not http", `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>x</id><updated>2026-11-29T00:00:00Z</updated>` +
			`<link rel="hub" href="file:///etc/passwd"/></feed>`, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse([]byte(tt.body), "", Options{SourceID: "w", FeedURL: "https://wire.example/feed"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Hub != tt.hub || res.Self != tt.self {
				t.Errorf("hub, self = %q, %q; want %q, %q", res.Hub, res.Self, tt.hub, tt.self)
			}
		})
	}
}
