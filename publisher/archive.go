package publisher

import (
	"slices"
	"strconv"

	"github.com/wiredesk/wiredesk/publisher/render"
)

// RFC 5005 archived feeds.
//
// A feed with a limit publishes its newest Limit entries live. The older
// entries that match its rules are cut into archive pages of ArchiveSize
// entries, counted from the oldest: page 1 holds the oldest ArchiveSize
// entries, page 2 the next, and so on. Only full pages are published, at
// /feeds/{slug}/archive/{n}.atom; the newest matching entries that do not
// fill a page yet stay in the live Atom feed, after its Limit newest, so
// that the live feed and the pages together hold every entry (RFC 5005
// section 4: the complete feed is the union of the current document and its
// archives). The live Atom feed therefore carries up to Limit+ArchiveSize-1
// entries; RSS and JSON Feed carry Limit and have no archives.
//
// The live Atom feed links rel="prev-archive" to the newest page; each page
// carries fh:archive, links rel="current" to the live feed and
// rel="prev-archive" to the page before it. Pages carry no next-archive
// link, which would change a page's bytes when the next page appears.
//
// Stability: pages are computed from the stories Refresh reads (the last
// Window, 30 days by default) and are served as immutable. A page changes
// only when its set of entries changes, which happens when old entries
// leave: storage retention prunes them, they fall out of the read window,
// or out of the feed's max_age, or the feed's rules change. Each such loss
// shifts every page by the number of entries lost. A reader holding a cached
// page then has an older, still valid snapshot and, paging back, may see an
// entry twice (readers dedupe by id) or miss one at a page boundary. Keep
// retention and Window longer than the period readers are expected to page
// back over.

// archiveCacheControl is the Cache-Control of archive pages.
const archiveCacheControl = "public, max-age=31536000, immutable"

// archivePlan is how a feed's entries beyond its limit are published.
type archivePlan struct {
	// pages[0] is archive page 1, the oldest; each page lists its entries
	// newest first.
	pages [][]render.Entry
	// extra are the newest entries that do not fill a page, newest first;
	// they go to the live Atom feed.
	extra []render.Entry
}

// planArchive cuts overflow, the matching entries beyond the limit in
// newest-first order, into full pages of size entries. size <= 0 disables
// archives.
func planArchive(overflow []render.Entry, size int) archivePlan {
	if size <= 0 {
		return archivePlan{}
	}
	full := len(overflow) / size
	extraN := len(overflow) - full*size
	plan := archivePlan{extra: overflow[:extraN:extraN]}
	for n := 1; n <= full; n++ {
		// Page n holds the entries at positions (n-1)*size … n*size-1
		// counted from the oldest, i.e. from the end of overflow.
		hi := len(overflow) - (n-1)*size
		plan.pages = append(plan.pages, slices.Clip(overflow[hi-size:hi]))
	}
	return plan
}

func archivePath(slug string, n int) string {
	return "/feeds/" + slug + "/archive/" + strconv.Itoa(n) + ".atom"
}

func archiveURL(base, slug string, n int) string { return base + archivePath(slug, n) }
