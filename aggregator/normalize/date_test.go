package normalize

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func moscow(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Skipf("no tz database: %v", err)
	}
	return loc
}

func TestParseDate(t *testing.T) {
	msk := moscow(t)
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatalf("bad want %q: %v", s, err)
		}
		return v
	}
	tests := []struct {
		name string
		in   string
		loc  *time.Location
		want string // RFC 3339 instant; "" = unparseable
	}{
		{"rfc1123z", "Thu, 09 Feb 2006 23:59:45 +0000", nil, "2006-02-09T23:59:45Z"},
		{"rfc1123 gmt", "Tue, 28 May 2019 11:51:32 GMT", nil, "2019-05-28T11:51:32Z"},
		{"no weekday", "09 Feb 2006 23:59:45 +0000", nil, "2006-02-09T23:59:45Z"},
		{"no seconds", "Thu, 09 Feb 2006 23:59 +0000", nil, "2006-02-09T23:59:00Z"},
		{"one digit day", "Tue, 3 Jan 2006 09:15:00 +0300", nil, "2006-01-03T06:15:00Z"},
		{"two digit year 06", "Thu, 09 Feb 06 23:59:45 +0000", nil, "2006-02-09T23:59:45Z"},
		{"two digit year 96", "Fri, 09 Feb 96 23:59:45 +0000", nil, "1996-02-09T23:59:45Z"},
		{"full month and weekday", "Thursday, 9 February 2006 23:59:45 +0000", nil, "2006-02-09T23:59:45Z"},
		{"est", "Fri, 24 Aug 2012 08:45:54 EST", nil, "2012-08-24T13:45:54Z"},
		{"edt", "Fri, 24 Aug 2012 08:45:54 EDT", nil, "2012-08-24T12:45:54Z"},
		{"cst is US central", "Thu, 09 Feb 2006 17:59:45 CST", nil, "2006-02-09T23:59:45Z"},
		{"cdt", "Thu, 09 Feb 2006 18:59:45 CDT", nil, "2006-02-09T23:59:45Z"},
		{"mst", "Thu, 09 Feb 2006 16:59:45 MST", nil, "2006-02-09T23:59:45Z"},
		{"mdt", "Thu, 09 Feb 2006 17:59:45 MDT", nil, "2006-02-09T23:59:45Z"},
		{"pst", "Thu, 09 Feb 2006 15:59:45 PST", nil, "2006-02-09T23:59:45Z"},
		{"pdt mixed case", "Thu, 09 Feb 2006 16:59:45 pDt", nil, "2006-02-09T23:59:45Z"},
		{"ut", "Thu, 09 Feb 2006 23:59:45 UT", nil, "2006-02-09T23:59:45Z"},
		{"utc", "Thu, 09 Feb 2006 23:59:45 UTC", nil, "2006-02-09T23:59:45Z"},
		{"z lower", "Thu, 09 Feb 2006 23:59:45 z", nil, "2006-02-09T23:59:45Z"},
		{"military zone is utc", "Thu, 09 Feb 2006 16:59:45 G", nil, "2006-02-09T16:59:45Z"},
		{"offset colon", "Thu, 09 Feb 2006 23:59:45 +03:00", nil, "2006-02-09T20:59:45Z"},
		{"odd offset", "Thu, 09 Feb 2006 21:25:45 -0234", nil, "2006-02-09T23:59:45Z"},
		{"gmt plus offset", "Thu, 09 Feb 2006 23:59:45 GMT+0300", nil, "2006-02-09T20:59:45Z"},
		{"trailing comment", "Mon, 2 Jan 2006 15:04:05 -0700 (MST)", nil, "2006-01-02T22:04:05Z"},
		{"offset then name", "Mon, 2 Jan 2006 15:04:05 -0700 MST", nil, "2006-01-02T22:04:05Z"},
		{"nested comments", `Thu, 09 (nested (comment) Mar)Feb(escaped comment\) 2005) 2006()23:59:45 +0000`, nil, "2006-02-09T23:59:45Z"},
		{"whitespace", "\tThu , \t 09  Feb\t2006  23:59:45\t +0000\n", nil, "2006-02-09T23:59:45Z"},
		{"pm us order", "Sat, Dec 16 2023 02:02:33 PM", nil, "2023-12-16T14:02:33Z"},
		{"12 am", "Dec 16 2023 12:05 am", nil, "2023-12-16T00:05:00Z"},
		{"hhmm time", "03 Apr 02 1500 GMT", nil, "2002-04-03T15:00:00Z"},
		{"ansi c", "Thu Feb  9 23:59:45 2006", nil, "2006-02-09T23:59:45Z"},
		{"ruby date", "Thu Feb 09 23:59:45 +0300 2006", nil, "2006-02-09T20:59:45Z"},
		{"distant past", "Sun, 09 Feb 1806 23:59:45 +0000", nil, "1806-02-09T23:59:45Z"},
		{"distant future", "Tue, 09 Feb 2106 23:59:45 +0000", nil, "2106-02-09T23:59:45Z"},

		{"rfc3339", "2002-12-31T01:15:07-05:00", nil, "2002-12-31T06:15:07Z"},
		{"rfc3339 z", "2017-06-02T05:41:06Z", nil, "2017-06-02T05:41:06Z"},
		{"fraction", "2025-06-10T14:03:00.123456789+03:00", nil, "2025-06-10T11:03:00.123456789Z"},
		{"fraction comma long", "2025-06-10T14:03:00,1234567891Z", nil, "2025-06-10T14:03:00.123456789Z"},
		{"lower t", "2025-06-10t14:03:00z", nil, "2025-06-10T14:03:00Z"},
		{"space instead of T", "2025-06-10 14:03:00+0300", nil, "2025-06-10T11:03:00Z"},
		{"iso no seconds", "2025-06-10T14:03Z", nil, "2025-06-10T14:03:00Z"},
		{"iso zoneless utc", "2025-06-10T14:03:00", nil, "2025-06-10T14:03:00Z"},
		{"iso zoneless moscow", "2025-06-10T14:03:00", msk, "2025-06-10T11:03:00Z"},
		{"iso date only", "2019-08-14", nil, "2019-08-14T00:00:00Z"},
		{"iso date only moscow", "2019-08-14", msk, "2019-08-13T21:00:00Z"},
		{"go string form", "2025-06-10 14:03:00.5 +0300 MSK", nil, "2025-06-10T11:03:00.5Z"},
		{"iso hour offset", "2025-06-10T14:03:00+03", nil, "2025-06-10T11:03:00Z"},
		{"iso 24:00", "2025-06-10T24:00:00Z", nil, "2025-06-11T00:00:00Z"},

		{"msk no loc", "Tue, 10 Jun 2025 14:03:00 MSK", nil, "2025-06-10T11:03:00Z"},
		{"msd no loc", "Tue, 10 Jun 2008 14:03:00 MSD", nil, "2008-06-10T10:03:00Z"},
		{"msk via loc 2025", "Tue, 10 Jun 2025 14:03:00 MSK", msk, "2025-06-10T11:03:00Z"},
		{"msk via loc 2012 is +4", "Tue, 10 Jul 2012 14:03:00 MSK", msk, "2012-07-10T10:03:00Z"},
		{"msk mislabelled summer 2008", "Tue, 10 Jun 2008 14:03:00 MSK", msk, "2008-06-10T10:03:00Z"},
		{"msd mislabelled winter 2008", "Thu, 10 Jan 2008 14:03:00 MSD", msk, "2008-01-10T11:03:00Z"},
		{"msk with non-moscow loc", "Tue, 10 Jun 2025 14:03:00 MSK", time.UTC, "2025-06-10T11:03:00Z"},
		{"numeric offset beats loc", "Tue, 10 Jun 2025 14:03:00 +0000", msk, "2025-06-10T14:03:00Z"},
		{"zoneless rfc822 in loc", "Tue, 10 Jun 2025 14:03:00", msk, "2025-06-10T11:03:00Z"},

		{"ru short month", "10 июн 2025 14:03", msk, "2025-06-10T11:03:00Z"},
		{"ru weekday and offset", "Пн, 10 июн 2025 14:03:00 +0300", nil, "2025-06-10T11:03:00Z"},
		{"ru genitive with year word", "10 июня 2025 г., 14:03", msk, "2025-06-10T11:03:00Z"},
		{"ru full weekday", "понедельник, 10 июня 2025 г. в 14:03 мск", nil, "2025-06-10T11:03:00Z"},
		{"ru upper case", "10 ИЮНЯ 2025 14:03", nil, "2025-06-10T14:03:00Z"},
		{"ru январь nominative", "Январь 15, 2024", nil, "2024-01-15T00:00:00Z"},
		{"ru января", "15 января 2024", nil, "2024-01-15T00:00:00Z"},
		{"ru янв.", "15 янв. 2024", nil, "2024-01-15T00:00:00Z"},
		{"ru февраля", "15 февраля 2024", nil, "2024-02-15T00:00:00Z"},
		{"ru февр", "15 февр 2024", nil, "2024-02-15T00:00:00Z"},
		{"ru марта", "15 марта 2024", nil, "2024-03-15T00:00:00Z"},
		{"ru март", "март 15 2024", nil, "2024-03-15T00:00:00Z"},
		{"ru апреля", "15 апреля 2024", nil, "2024-04-15T00:00:00Z"},
		{"ru мая", "15 мая 2024", nil, "2024-05-15T00:00:00Z"},
		{"ru май", "15 май 2024", nil, "2024-05-15T00:00:00Z"},
		{"ru июня", "15 июня 2024", nil, "2024-06-15T00:00:00Z"},
		{"ru июля", "15 июля 2024", nil, "2024-07-15T00:00:00Z"},
		{"ru июл", "15 июл 2024", nil, "2024-07-15T00:00:00Z"},
		{"ru августа", "15 августа 2024", nil, "2024-08-15T00:00:00Z"},
		{"ru авг", "15 авг 2024", nil, "2024-08-15T00:00:00Z"},
		{"ru сентября", "15 сентября 2024", nil, "2024-09-15T00:00:00Z"},
		{"ru сент", "15 сент. 2024", nil, "2024-09-15T00:00:00Z"},
		{"ru октября", "15 октября 2024", nil, "2024-10-15T00:00:00Z"},
		{"ru ноября", "15 ноября 2024", nil, "2024-11-15T00:00:00Z"},
		{"ru нояб", "15 нояб 2024", nil, "2024-11-15T00:00:00Z"},
		{"ru декабря", "15 декабря 2024", nil, "2024-12-15T00:00:00Z"},
		{"ru в декабре", "в декабре 15 2024", nil, "2024-12-15T00:00:00Z"},
		{"ru weekday abbreviations", "Вс, 15 дек 2024 10:00 +0300", nil, "2024-12-15T07:00:00Z"},
		{"ru среда", "среда, 18 декабря 2024 10:00", nil, "2024-12-18T10:00:00Z"},

		{"unix seconds", "1518478934", nil, "2018-02-12T23:42:14Z"},
		{"unix millis", "1518478934123", nil, "2018-02-12T23:42:14.123Z"},
		{"compact date", "20250610", nil, "2025-06-10T00:00:00Z"},

		{"dotted day first", "10.06.2025 14:03", msk, "2025-06-10T11:03:00Z"},
		{"slashed ambiguous is day first", "08/02/2013 12:00:00", nil, "2013-02-08T12:00:00Z"},
		{"slashed date only", "09/02/2013", nil, "2013-02-09T00:00:00Z"},
		{"slashed impossible day first", "12/25/2013", nil, "2013-12-25T00:00:00Z"},
		{"slashed weekday picks month first", "Sat, 03/02/2013", nil, "2013-03-02T00:00:00Z"},
		{"slashed weekday agrees day first", "Sun, 03/02/2013", nil, "2013-02-03T00:00:00Z"},
		{"slashed weekday fits both", "Fri, 08/02/2013", nil, "2013-02-08T00:00:00Z"},
		{"dotted ignores weekday", "Sat, 03.02.2013", nil, "2013-02-03T00:00:00Z"},
		{"year first slashed", "2025/06/10 14:03", nil, "2025-06-10T14:03:00Z"},
		{"dashed day first", "10-06-2025", nil, "2025-06-10T00:00:00Z"},
		{"dashed month word", "10-Jun-2025 14:03:00 +0000", nil, "2025-06-10T14:03:00Z"},
		{"dotted two digit year", "10.06.25", nil, "2025-06-10T00:00:00Z"},

		{"empty", "", nil, ""},
		{"spaces", "   ", nil, ""},
		{"garbage", "garbage", nil, ""},
		{"no year", "10 июня, 14:03", nil, ""},
		{"time only", "14:03:00", nil, ""},
		{"unknown word", "Thu, 09 Feb 2006 23:59:45 +0000 tomorrow", nil, ""},
		{"unknown zone", "Thu, 09 Feb 2006 23:59:45 XYZ", nil, ""},
		{"feb 30", "30 Feb 2006", nil, ""},
		{"month 13", "2006-13-01", nil, ""},
		{"hour 25", "09 Feb 2006 25:00", nil, ""},
		{"minute 60", "09 Feb 2006 23:60", nil, ""},
		{"two months", "09 Feb Mar 2006", nil, ""},
		{"two times", "09 Feb 2006 10:00 11:00", nil, ""},
		{"two offsets", "09 Feb 2006 10:00 +0100 +0200", nil, ""},
		{"two zone names", "09 Feb 2006 10:00 GMT EST", nil, ""},
		{"unbalanced comment", "09 Feb 2006 (10:00", nil, ""},
		{"unix 11 digits", "15184789341", nil, ""},
		{"pm without time", "09 Feb 2006 pm", nil, ""},
		{"pm hour 13", "09 Feb 2006 13:00 pm", nil, ""},
		{"bad offset", "09 Feb 2006 10:00 +2500", nil, ""},
		{"year zero", "0000-01-01", nil, ""},
		{"long number", "09 Feb 200600 10:00", nil, ""},
		{"military j", "09 Feb 2006 10:00 J", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseDate(tt.in, tt.loc)
			if tt.want == "" {
				if ok {
					t.Errorf("ParseDate(%q) = %v, true; want false", tt.in, got)
				}
				return
			}
			if !ok {
				t.Fatalf("ParseDate(%q) = false; want %s", tt.in, tt.want)
			}
			if want := utc(tt.want); !got.Equal(want) {
				t.Errorf("ParseDate(%q) = %s; want %s", tt.in, got.UTC().Format(time.RFC3339Nano), tt.want)
			}
		})
	}
}

// TestParseDateZoneless checks that zoneless times come back in loc, and in
// UTC when loc is nil.
func TestParseDateZoneless(t *testing.T) {
	msk := moscow(t)
	for _, loc := range []*time.Location{nil, time.UTC, msk} {
		got, ok := ParseDate("10 июня 2025 г., 14:03", loc)
		want := loc
		if want == nil {
			want = time.UTC
		}
		if !ok || got.Location() != want || got.Hour() != 14 {
			t.Errorf("ParseDate with loc %v = %v, %v; want 14:03 in %v", loc, got, ok, want)
		}
	}
}

// feedItem is an item of the feedvalidator date test feed.
type feedItem struct {
	Title       string `xml:"title"`
	Description string `xml:"description"`
	PubDate     string `xml:"pubDate"`
}

func loadDateFeed(t testing.TB) []feedItem {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "feedvalidator-dates-everything.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Items []feedItem `xml:"channel>item"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Items
}

// TestParseDateFeedValidator reads every pubDate of the feedvalidator date
// suite and checks it against the dates its description allows, such as
// "February, 9th 2006, 23:59:45 GMT".
func TestParseDateFeedValidator(t *testing.T) {
	items := loadDateFeed(t)
	if len(items) != 30 {
		t.Fatalf("got %d items; want 30", len(items))
	}
	intended := regexp.MustCompile(`([A-Z][a-z]+), (\d+)(?:st|nd|rd|th) (\d{4}), (\d\d:\d\d:\d\d) GMT`)
	for _, it := range items {
		t.Run(it.Title, func(t *testing.T) {
			var wants []time.Time
			for _, m := range intended.FindAllStringSubmatch(it.Description, -1) {
				w, err := time.Parse("January 2 2006 15:04:05", strings.Join(m[1:], " "))
				if err != nil {
					t.Fatalf("description date %q: %v", m[0], err)
				}
				wants = append(wants, w)
			}
			if len(wants) == 0 {
				t.Fatalf("no intended date in %q", it.Description)
			}
			got, ok := ParseDate(it.PubDate, nil)
			if !ok {
				t.Fatalf("ParseDate(%q) = false; want one of %v", it.PubDate, wants)
			}
			for _, w := range wants {
				if got.Equal(w) {
					return
				}
			}
			t.Errorf("ParseDate(%q) = %v; want one of %v", it.PubDate, got.UTC(), wants)
		})
	}
}

func FuzzParseDate(f *testing.F) {
	for _, it := range loadDateFeed(f) {
		f.Add(it.PubDate)
	}
	for _, s := range []string{
		"10 июн 2025 14:03", "Пн, 10 июн 2025 14:03:00 +0300", "10 июня 2025 г., 14:03",
		"1518478934", "1518478934123", "Mon, 2 Jan 2006 15:04:05 -0700 (MST)",
		"08/02/2013 12:00:00", "2025-06-10T14:03:00.123+03:00", "2025-06-10 14:03:00",
		"Sat, Dec 16 2023 02:02:33 PM", "03 Apr 02 1500 GMT", "Tue, 10 Jul 2012 14:03:00 MSK",
	} {
		f.Add(s)
	}
	msk := moscow(f)
	f.Fuzz(func(t *testing.T, s string) {
		for _, loc := range []*time.Location{nil, msk} {
			got, ok := ParseDate(s, loc)
			if !ok {
				if !got.IsZero() {
					t.Errorf("ParseDate(%q) = %v, false; want the zero time with false", s, got)
				}
				continue
			}
			if _, off := got.Zone(); got.Year() < 1 || got.Year() > 9999 || off%60 != 0 {
				continue // not expressible in RFC 3339 (local mean time has seconds)
			}
			// What ParseDate returns, it reads back from its RFC 3339 and
			// RFC 1123 forms.
			for _, layout := range []string{time.RFC3339Nano, time.RFC1123Z} {
				text := got.Format(layout)
				back, ok := ParseDate(text, nil)
				want := got
				if layout == time.RFC1123Z {
					want = got.Truncate(time.Second)
				}
				if !ok || !back.Equal(want) {
					t.Errorf("ParseDate(%q) = %v; its form %q reads back as %v, %v", s, got, text, back, ok)
				}
			}
		}
	})
}
