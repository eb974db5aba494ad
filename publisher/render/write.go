package render

import (
	"bufio"
	"fmt"
	"io"
	"time"
)

// Formats returns the published formats in the order they are listed on
// the index page: RSS, Atom, JSON Feed.
func Formats() []Format { return []Format{RSS, Atom, JSON} }

// ContentType returns the media type a format is served with, with
// charset=utf-8, or "" for an unknown format.
func ContentType(format Format) string {
	switch format {
	case RSS:
		return "application/rss+xml; charset=utf-8"
	case Atom:
		return "application/atom+xml; charset=utf-8"
	case JSON:
		return "application/feed+json; charset=utf-8"
	}
	return ""
}

// Write encodes f in the given format. An unknown format is an error.
func Write(w io.Writer, format Format, f Feed) error {
	switch format {
	case RSS:
		return encodeRSS(w, f)
	case Atom:
		return encodeAtom(w, f)
	case JSON:
		return encodeJSON(w, f)
	}
	return fmt.Errorf("render: unknown format %q", format)
}

// The date layouts: RFC 1123 with a numeric zone for RSS and OPML, RFC 3339
// for Atom and JSON Feed. Both are always written in UTC.
const (
	rssDate  = time.RFC1123Z
	atomDate = time.RFC3339
)

func formatDate(t time.Time, layout string) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(layout)
}

// dates returns the entry's published and updated times with the gaps
// filled: a missing one takes the other, and both missing take fallback
// (the feed's Updated). Updated is never before Published.
func (e *Entry) dates(fallback time.Time) (published, updated time.Time) {
	published, updated = e.Published, e.Updated
	if published.IsZero() {
		published = updated
	}
	if published.IsZero() {
		published = fallback
	}
	if updated.Before(published) {
		updated = published
	}
	return published, updated
}

// feedUpdated is f.Updated, or the newest entry update when it is zero.
func (f *Feed) feedUpdated() time.Time {
	if !f.Updated.IsZero() {
		return f.Updated
	}
	var latest time.Time
	for i := range f.Entries {
		_, u := f.Entries[i].dates(time.Time{})
		if u.After(latest) {
			latest = u
		}
	}
	return latest
}

// lead returns the crediting source, or false when the entry has none.
func (e *Entry) lead() (Source, bool) {
	if e.Lead >= 0 && e.Lead < len(e.Sources) {
		return e.Sources[e.Lead], true
	}
	if len(e.Sources) > 0 {
		return e.Sources[0], true
	}
	return Source{}, false
}

// flush writes out what an encoder buffered and reports the first write
// error with the format named.
func flush(bw *bufio.Writer, what string) error {
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	return nil
}
