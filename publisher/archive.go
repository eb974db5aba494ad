package publisher

import (
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/wiredesk/wiredesk/publisher/render"
)

// RFC 5005 archived feeds.
//
// A feed with a limit publishes its newest Limit entries live. Every entry
// that matches its rules also belongs to one archive page by the time its
// story was first seen (Story.Created, which never changes): page n covers
// the ArchivePeriod-long period [(n-1)·period, n·period) counted from
// 1970-01-01 UTC, a fixed anchor. With the default period of 24h, page
// 20523 is 2026-03-10 (UTC). A page is published at
// /feeds/{slug}/archive/{n}.atom once its period has ended and one of its
// entries has left the live limit, with every matching entry of the
// period, live or not (readers dedupe by id, and the entry ids of a feed
// are the same in its pages). Matching entries of
// periods not yet ended that are beyond the limit stay in the live Atom
// feed, after its Limit newest, so that the live feed and the pages
// together hold every entry (RFC 5005 section 4). RSS and JSON Feed carry
// Limit entries and have no archives.
//
// The live Atom feed links rel="prev-archive" to the newest page; each page
// carries fh:archive, links rel="current" to the live feed,
// rel="prev-archive" to the page before it and rel="next-archive" to the
// page after it, when there is one (numbers skip periods without entries).
// The next-archive link appears on the newest page when the next page is
// published, the one change of a page's links as the archive grows, so the
// newest page is served with the live feed's Cache-Control and the others
// as immutable. RFC 5005 readers walk prev-archive from the live feed; the
// W3C validator also warns about an archive page with neither link
// ("Archive incomplete"), as the oldest page would be without next-archive.
// For the same reason an archive begins with two pages: while only one
// page would be due, its entries beyond the limit stay in the live Atom
// feed.
//
// Stability: because pages are numbered from a fixed anchor and filled by
// first-seen time, an entry leaving at the old end (storage retention, the
// read Window) never renumbers or refills another page; the page that
// becomes the oldest only loses its prev-archive link. A page is only
// published while its whole period lies after the horizon, now minus the
// shorter of Window and Retention: the period that retention is eating
// into is withdrawn (404) rather than served with entries missing. A page
// still changes when its own entries change: a wire joins one of its
// stories (credits, updated), the feed's rules change, or max_age drops an
// entry whose wire date is older than max_age.

// archiveCacheControl is the Cache-Control of archive pages.
const archiveCacheControl = "public, max-age=31536000, immutable"

// archived is a matching entry and the first-seen time of its story.
type archived struct {
	entry   render.Entry
	created time.Time
	picked  bool // in the live limit
}

// archivePage is one published page: its number and entries, newest first.
type archivePage struct {
	n       int64
	entries []render.Entry
}

// archivePlan is how a feed's matching entries are published beyond the
// live limit.
type archivePlan struct {
	// pages are the published pages, oldest first.
	pages []archivePage
	// extra are the entries beyond the limit whose period has not ended,
	// newest first; they go to the live Atom feed.
	extra []render.Entry
}

// pageOf is the number of the page whose period holds t.
func pageOf(t time.Time, period time.Duration) int64 {
	return t.UTC().Unix()/int64(period/time.Second) + 1
}

// pageStart is when page n's period begins.
func pageStart(n int64, period time.Duration) time.Time {
	return time.Unix((n-1)*int64(period/time.Second), 0).UTC()
}

// planArchive assigns matching entries, newest first, to pages of period
// (at least a second; shorter disables archives). Pages whose period has
// not ended at now, or began before horizon, are not published.
func planArchive(es []archived, now, horizon time.Time, period time.Duration) archivePlan {
	var plan archivePlan
	if period < time.Second {
		return plan
	}
	byPage := map[int64][]render.Entry{}
	beyond := map[int64]bool{} // the page has an entry beyond the live limit
	for _, a := range es {
		n := pageOf(a.created, period)
		ended := !pageStart(n+1, period).After(now)
		whole := !pageStart(n, period).Before(horizon)
		switch {
		case ended && whole:
			byPage[n] = append(byPage[n], a.entry)
			beyond[n] = beyond[n] || !a.picked
		case !ended && !a.picked:
			plan.extra = append(plan.extra, a.entry)
		}
	}
	for _, n := range slices.Sorted(maps.Keys(byPage)) {
		// A page whose entries are all still live is not needed yet; it
		// appears, whole, when the first of them leaves the limit.
		if beyond[n] {
			plan.pages = append(plan.pages, archivePage{n: n, entries: byPage[n]})
		}
	}
	if len(plan.pages) == 1 {
		// A lone page would link no other page, which the W3C validator
		// calls an incomplete archive: its entries beyond the limit stay
		// in the live Atom feed until a second page is due.
		for _, a := range es {
			if pageOf(a.created, period) == plan.pages[0].n && !a.picked {
				plan.extra = append(plan.extra, a.entry)
			}
		}
		plan.pages = nil
	}
	return plan
}

func archivePath(slug string, n int64) string {
	return "/feeds/" + slug + "/archive/" + strconv.FormatInt(n, 10) + ".atom"
}

func archiveURL(base, slug string, n int64) string { return base + archivePath(slug, n) }
