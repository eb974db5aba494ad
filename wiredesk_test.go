package wiredesk

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestIdentity(t *testing.T) {
	date := time.Date(2026, 11, 27, 8, 42, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   IdentityInput
		want string
	}{
		{"unique guid", IdentityInput{GUID: " 1024501 ", GUIDUnique: true, Link: "https://x/1"}, "guid:1024501"},
		{"reused guid falls back to guid+link", IdentityInput{GUID: "main", Link: "https://x/2"}, "guid+link:main https://x/2"},
		{"no guid: link", IdentityInput{Link: "https://x/3", Title: "T"}, "link:https://x/3"},
		{"nothing: hash of title and date", IdentityInput{Title: "  Токаев   подписал ", Date: date}, "hash:" + shortHash("токаев подписал\x00"+date.Format(time.RFC3339))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Identity(tt.in); got != tt.want {
				t.Errorf("Identity(%+v) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
	// Titles differing only in case and spacing are one item; other dates are not.
	a := Identity(IdentityInput{Title: "Rate Unchanged", Date: date})
	if b := Identity(IdentityInput{Title: "rate  unchanged", Date: date}); a != b {
		t.Errorf("case/space variants differ: %q vs %q", a, b)
	}
	if c := Identity(IdentityInput{Title: "Rate Unchanged", Date: date.Add(24 * time.Hour)}); a == c {
		t.Errorf("daily reports on consecutive days share identity %q", a)
	}
	if ItemID("tass", "guid:1") == ItemID("interfax", "guid:1") {
		t.Error("ItemID ignores the source")
	}
}

func TestCredit(t *testing.T) {
	tests := []struct {
		tmpl, and string
		names     []string
		want      string
	}{
		{"", "", []string{"Interfax"}, "With reporting by Interfax"},
		{"", "", []string{"Interfax", "TASS"}, "With reporting by Interfax and TASS"},
		{"", "", []string{"Interfax", "TASS", "RIA"}, "With reporting by Interfax, TASS and RIA"},
		{"По сообщениям {sources}", "и", []string{"Интерфакс", "ТАСС"}, "По сообщениям Интерфакс и ТАСС"},
		{"Sources: {sources}.", "&", []string{"AP", "Reuters", "AFP", "DPA"}, "Sources: AP, Reuters, AFP & DPA."},
	}
	for _, tt := range tests {
		if got := Credit(tt.tmpl, tt.names, tt.and); got != tt.want {
			t.Errorf("Credit(%q, %q, %q) = %q; want %q", tt.tmpl, tt.names, tt.and, got, tt.want)
		}
	}
}

func TestSortByFirstReport(t *testing.T) {
	base := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	items := []Item{
		{ID: "tass/1", SourceID: "tass", Published: base.Add(16 * time.Minute), FirstSeen: base},
		{ID: "ifx/1", SourceID: "interfax", Published: base, FirstSeen: base.Add(time.Second)},
		{ID: "ria/1", SourceID: "ria", FirstSeen: base.Add(16 * time.Minute)}, // no date: first-seen
		{ID: "ap/1", SourceID: "ap", Published: base.Add(16 * time.Minute), FirstSeen: base.Add(-time.Second)},
	}
	SortByFirstReport(items)
	var got []string
	for _, it := range items {
		got = append(got, it.ID)
	}
	if want := "ifx/1 ap/1 tass/1 ria/1"; strings.Join(got, " ") != want {
		t.Errorf("order = %v; want %s", got, want)
	}
	if ids := (Story{Items: items}).SourceIDs(); strings.Join(ids, ",") != "interfax,ap,tass,ria" {
		t.Errorf("SourceIDs = %v", ids)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := Secret("hunter2")
	var buf strings.Builder
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("x", "password", s)
	j, _ := json.Marshal(struct{ P Secret }{s})
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %s %#v %+v", s, s, s, struct{ P Secret }{s}), buf.String(), string(j)} {
		if strings.Contains(out, "hunter2") {
			t.Errorf("secret leaked: %s", out)
		}
	}
	if s.Reveal() != "hunter2" {
		t.Error("Reveal lost the value")
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://desk:hunter2@tass.example/rss", "https://desk:REDACTED@tass.example/rss"},
		{"https://x.example/feed?token=abc&lang=ru", "https://x.example/feed?lang=ru&token=REDACTED"},
		{"https://x.example/feed?api_key=abc", "https://x.example/feed?api_key=REDACTED"},
		{"https://x.example/feed?id=7", "https://x.example/feed?id=7"},
		{"file:///srv/feeds/a.xml", "file:///srv/feeds/a.xml"},
		{"http://[::1", "REDACTED"},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsPublicURL(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"https://www.interfax.ru/rss.asp", true},
		{"https://x.example/feed?id=7&lang=ru", true},
		{"https://desk:hunter2@tass.example/rss", false},
		{"https://desk@tass.example/rss", false},
		{"https://x.example/feed?apikey=abc", false},
		{"https://x.example/feed?Token=abc", false},
		{"file:///srv/feeds/a.xml", false},
		{"/rss.xml", false},
		{"http://[::1", false},
	}
	for _, tt := range tests {
		if got := IsPublicURL(tt.in); got != tt.want {
			t.Errorf("IsPublicURL(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{48 * time.Hour, "48h"},
		{90 * time.Minute, "1h30m"},
		{30 * time.Minute, "30m"},
		{30 * time.Second, "30s"},
		{time.Hour + time.Second, "1h0m1s"},
		{0, "0s"},
	} {
		if got := FormatDuration(tt.d); got != tt.want {
			t.Errorf("FormatDuration(%v) = %q; want %q", tt.d, got, tt.want)
		}
	}
}

func TestCount(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want string
	}{{0, "0 alerts"}, {1, "1 alert"}, {2, "2 alerts"}, {-1, "-1 alerts"}} {
		if got := Count(tt.n, "alert"); got != tt.want {
			t.Errorf("Count(%d, alert) = %q; want %q", tt.n, got, tt.want)
		}
	}
}
