package aggregator

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wiredesk/wiredesk"
)

// Limits bound what one poll takes from a document, so that a source that
// floods (185,000 items, a 5 MB title) costs bounded time, memory and disk
// and cannot stall the others. A zero field means no limit; the defaults
// live in package config ([poll] max_items, max_title, max_summary,
// max_content).
type Limits struct {
	MaxItems   int // items taken from one document, newest first
	MaxTitle   int // bytes of Item.Title
	MaxSummary int // bytes of Item.Summary
	MaxContent int // bytes of Item.Content (HTML)
}

// maxKeyBytes bounds an item's identity key. bbolt refuses keys above 32 KB
// with an error that would fail the whole poll; a GUID that long is not an
// identity but an attack, so its item is dropped instead.
const maxKeyBytes = 4096

// apply returns the items of one poll within l: items whose identity key
// is too long dropped, at most MaxItems of the newest kept in document
// order, texts cut. dropped counts the items left out. The input slice is
// not modified.
func (l Limits) apply(items []wiredesk.Item) (kept []wiredesk.Item, dropped int) {
	taken := newest(items, l.MaxItems)
	kept = make([]wiredesk.Item, 0, len(taken))
	for _, it := range taken {
		if len(it.Key) > maxKeyBytes {
			continue
		}
		it.Title = cutText(it.Title, l.MaxTitle)
		it.Summary = cutText(it.Summary, l.MaxSummary)
		it.Content = cutHTML(it.Content, l.MaxContent)
		kept = append(kept, it)
	}
	return kept, len(items) - len(kept)
}

// newest returns the n items of items with the latest dates, in document
// order (a tie keeps the earlier item), or items itself when n is zero or
// not smaller than len(items). Feeds usually list newest first, but not
// all do, and a flood must not push out the news.
func newest(items []wiredesk.Item, n int) []wiredesk.Item {
	if n <= 0 || len(items) <= n {
		return items
	}
	idx := make([]int, len(items))
	dates := make([]time.Time, len(items)) // Date copies the Item: once each
	for i := range idx {
		idx[i] = i
		dates[i] = items[i].Date()
	}
	slices.SortStableFunc(idx, func(a, b int) int { return dates[b].Compare(dates[a]) })
	idx = idx[:n]
	slices.Sort(idx)
	out := make([]wiredesk.Item, n)
	for i, j := range idx {
		out[i] = items[j]
	}
	return out
}

// ellipsis ends a text that was cut.
const ellipsis = "…"

// cutText returns s when it fits in n bytes (n <= 0: no limit), else its
// longest prefix that ends at a character boundary and leaves room for
// "…", followed by "…".
func cutText(s string, n int) string {
	if n <= 0 || len(s) <= n {
		return s
	}
	return runePrefix(s, n-len(ellipsis)) + ellipsis
}

// cutHTML is cutText for HTML: the cut also moves before a tag or entity
// left unfinished, so the text never ends inside markup. Elements left open
// are closed by any HTML parser at the end of the fragment.
func cutHTML(s string, n int) string {
	if n <= 0 || len(s) <= n {
		return s
	}
	p := runePrefix(s, n-len(ellipsis))
	if lt := strings.LastIndexByte(p, '<'); lt > strings.LastIndexByte(p, '>') {
		p = p[:lt]
	}
	if amp := strings.LastIndexByte(p, '&'); amp > strings.LastIndexByte(p, ';') {
		p = p[:amp]
	}
	return p + ellipsis
}

// runePrefix returns the longest prefix of s of at most n bytes that does
// not split a UTF-8 sequence.
func runePrefix(s string, n int) string {
	n = max(n, 0)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
