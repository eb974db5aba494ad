package render

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/feeds"
)

// TestGorillaFeedsEvaluation records why the encoders in this package do not
// use github.com/gorilla/feeds v1.2.0 (see doc.go). Each case feeds gorilla
// everything its API accepts and checks what it writes; if a future version
// fixes a gap, the case fails and the decision should be revisited.
func TestGorillaFeedsEvaluation(t *testing.T) {
	published := time.Date(2026, 5, 12, 9, 30, 0, 0, time.UTC)
	updated := published.Add(time.Hour)
	gf := &feeds.Feed{
		Title:       "Central Asia wire",
		Link:        &feeds.Link{Href: "http://localhost:8080/"},
		Description: "From the wires",
		Updated:     updated,
		Id:          "tag:localhost,2026:feeds/central-asia",
	}
	gf.Add(&feeds.Item{
		Title:       "Nazarbaev met Putin",
		Link:        &feeds.Link{Href: "https://www.interfax.ru/world/1"},
		Source:      &feeds.Link{Href: "https://www.interfax.ru/rss.asp", Rel: "via"},
		Author:      &feeds.Author{Name: "Interfax"},
		Description: "<p>Lead</p>",
		Content:     "<p>Body</p>",
		Id:          "tag:localhost,2026:story/1",
		Created:     published,
		Updated:     updated,
		Enclosure:   &feeds.Enclosure{Url: "https://x/y.mp3", Type: "audio/mpeg", Length: "3000000000"},
	})

	var rss, atom bytes.Buffer
	if err := gf.WriteRss(&rss); err != nil {
		t.Fatalf("WriteRss: %v", err)
	}
	if err := gf.WriteAtom(&atom); err != nil {
		t.Fatalf("WriteAtom: %v", err)
	}
	r, a := rss.String(), atom.String()

	tests := []struct {
		name  string
		got   bool
		claim string
	}{
		{"rss source without url", strings.Contains(r, "<source>https://www.interfax.ru/rss.asp</source>") && !strings.Contains(r, `<source url=`),
			"RSS <source> carries the feed URL as text and no url attribute (RSS 2.0 requires url, text is the name)"},
		{"rss no atom:link self", !strings.Contains(r, "atom:link") && !strings.Contains(r, "xmlns:atom"),
			"RSS channel has no atom:link rel=self and no way to add one"},
		{"rss no categories", !strings.Contains(r, "<category"),
			"feeds.Item has no categories field, so RSS items get no <category>"},
		{"rss no language or ttl", !strings.Contains(r, "<language>") && !strings.Contains(r, "<ttl>"),
			"feeds.Feed has no language or ttl, so the RSS channel never gets them"},
		{"atom no source", !strings.Contains(a, "<source"),
			"Atom entries get no atom:source"},
		{"atom no published", !strings.Contains(a, "<published>"),
			"Atom entries never get <published>, although Item.Created is set"},
		{"atom no categories", !strings.Contains(a, "<category"),
			"Atom entries get no <category term>"},
		{"atom feed id ignored", !strings.Contains(a, "<id>tag:localhost,2026:feeds/central-asia</id>"),
			"Atom feed <id> is the link href; Feed.Id is ignored"},
		{"atom single feed link", strings.Count(a, "<link") == 3,
			"the Atom feed has one link (no separate self and alternate; no hub or RFC 5005 links), plus the entry's alternate and enclosure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.got {
				t.Errorf("gorilla/feeds no longer matches the evaluation: %s\nRSS:\n%s\nAtom:\n%s", tt.claim, r, a)
			}
		})
	}

	// JSON Feed: its exported types are closer, but the attachment size is
	// written under the wrong key and as an int32, items have no language,
	// and there is no slot for the _wiredesk extension.
	t.Run("json attachment size key", func(t *testing.T) {
		b, err := json.Marshal(&feeds.JSONAttachment{Url: "https://x/y.mp3", MIMEType: "audio/mpeg", Size: 1234})
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if got := string(b); !strings.Contains(got, `"size":1234`) || strings.Contains(got, "size_in_bytes") {
			t.Errorf("JSONAttachment marshals as %s; evaluation says it writes \"size\" instead of JSON Feed's size_in_bytes", got)
		}
	})
	t.Run("json item has no language or extension slot", func(t *testing.T) {
		typ := reflect.TypeFor[feeds.JSONItem]()
		for i := range typ.NumField() {
			f := typ.Field(i)
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name == "language" {
				t.Errorf("feeds.JSONItem now has field %s with key language", f.Name)
			}
			if k := f.Type.Kind(); k == reflect.Map || k == reflect.Interface || f.Anonymous {
				t.Errorf("feeds.JSONItem now has an open field %s (%s) that could carry _wiredesk", f.Name, f.Type)
			}
		}
	})
	t.Run("rss guid defaults to permalink", func(t *testing.T) {
		if !strings.Contains(r, "<guid>tag:localhost,2026:story/1</guid>") {
			t.Errorf("evaluation says a guid without IsPermaLink is written without the attribute (so readers take the tag: URI for a URL)")
		}
	})
	t.Run("json banner tag typo", func(t *testing.T) {
		b, err := json.Marshal(&feeds.JSONItem{Id: "x", BannerImage: "https://x/b.png"})
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if got := string(b); !strings.Contains(got, `"banner_":`) {
			t.Errorf("JSONItem.BannerImage marshals as %s; evaluation says the key is \"banner_\" not banner_image", got)
		}
	})
	t.Logf("gorilla RSS:\n%s\ngorilla Atom:\n%s", r, a)
}
