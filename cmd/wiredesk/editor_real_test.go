package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEditorReadsUnsureOnRealDays is the unsure list's worth measured the
// way a newsroom gets it: the built binary reads a real wire day (the copies
// in aggregator/cluster/testdata/real, served over HTTP as their feeds
// were), an editor reads `story unsure` and answers every pair with `story
// merge` or `story dismiss`, and `export` publishes again. The editor here
// answers by the day's labels: one event when the other story holds a report
// of the event of the pair's later item (the rule of aggregator/cluster's
// TestUnsureReal). The published feed is scored before and after as
// shared/cluster-eval/run.sh scores it: pairs of items of different sources,
// same language and Russian–English apart.
//
// It fails when the editor's answers do not reach the feed (recall on the
// tune days no higher after than before, or below 0.40 in either column),
// when precision after falls below 0.90, or when an unsure pair names an
// item the day does not have. The held-out days are scored and logged, never asserted.
func TestEditorReadsUnsureOnRealDays(t *testing.T) {
	if testing.Short() {
		t.Skip("reads six real wire days through the binary")
	}
	t.Parallel() // see TestMain
	root := filepath.Join("..", "..", "aggregator", "cluster", "testdata", "real")
	sets := []struct {
		name string
		tune bool
	}{
		{"day-2025-11-06", true},
		{"day-2025-11-07", true},
		{"newsag-2021-05-09", true},
		{"day-2025-11-10", false},
		{"day-2025-11-13", false},
		{"newsag-2021-05-10", false},
	}
	var tuneBefore, tuneAfter, heldBefore, heldAfter pairCounts
	for _, set := range sets {
		dir := filepath.Join(root, set.name)
		truth := readTruth(t, dir)
		cfg := realDayConfig(t, dir)
		work := filepath.Dir(cfg)

		mustRun(t, nil, "once", "-config", cfg, "-out", filepath.Join(work, "before"))
		published := readFeed(t, filepath.Join(work, "before", "all.json"))
		truth.learnLinks(published)
		before := scoreFeed(published, truth)
		merged, dismissed := answerUnsure(t, cfg, truth)
		mustRun(t, nil, "export", "-config", cfg, "-out", filepath.Join(work, "after"))
		after := scoreFeed(readFeed(t, filepath.Join(work, "after", "all.json")), truth)

		t.Logf("%-18s %d merged, %d dismissed; before %v; after %v", set.name, merged, dismissed, before, after)
		if set.tune {
			tuneBefore.add(before)
			tuneAfter.add(after)
		} else {
			heldBefore.add(before)
			heldAfter.add(after)
		}
	}
	t.Logf("tune, pooled:     before %v; after %v", tuneBefore, tuneAfter)
	t.Logf("held out, pooled: before %v; after %v", heldBefore, heldAfter)

	for _, c := range []struct {
		what          string
		before, after counts
	}{
		{"same-language", tuneBefore.same, tuneAfter.same},
		{"Russian–English", tuneBefore.cross, tuneAfter.cross},
	} {
		if c.after.recall() <= c.before.recall() || c.after.recall() < 0.40 {
			t.Errorf("tune days, %s recall %.3f before the editor, %.3f after; want higher, and at least 0.40", c.what, c.before.recall(), c.after.recall())
		}
		// A merge can bring in a member of another event that the machine
		// had put in one of the two stories, so precision may move a little
		// either way; it must stay at the 0.90.
		if c.after.precision() < 0.90 {
			t.Errorf("tune days, %s precision %.3f before the editor, %.3f after; want at least 0.90", c.what, c.before.precision(), c.after.precision())
		}
	}
}

// truthItem is one line of a day's truth.tsv.
type truthItem struct {
	event, source, guid, lang, link string
}

// dayTruth is a day's labels, looked up as the feed and the desk name items.
type dayTruth struct {
	items  []truthItem
	byGUID map[[2]string]int // source, guid → index in items
	byLink map[[2]string]int // source, link
}

func readTruth(t *testing.T, dir string) dayTruth {
	t.Helper()
	rows := readTSV(t, filepath.Join(dir, "truth.tsv"))
	d := dayTruth{byGUID: map[[2]string]int{}, byLink: map[[2]string]int{}}
	for _, r := range rows {
		it := truthItem{event: r["event_id"], source: r["source"], guid: r["guid"], lang: r["language"], link: r["link"]}
		d.byGUID[[2]string{it.source, it.guid}] = len(d.items)
		d.byLink[[2]string{it.source, it.link}] = len(d.items)
		d.items = append(d.items, it)
	}
	return d
}

// readTSV reads a tab-separated file with a header line into maps by
// column. Fields are not quoted: titles hold quotation marks as written.
func readTSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	header := strings.Split(lines[0], "\t")
	var out []map[string]string
	for _, line := range lines[1:] {
		m := map[string]string{}
		for i, f := range strings.Split(strings.TrimRight(line, "\r"), "\t") {
			if i < len(header) {
				m[header[i]] = f
			}
		}
		out = append(out, m)
	}
	return out
}

// realDayConfig serves a day's feeds and writes the config run.sh writes:
// every source with its language, one feed of them all; and polls them
// without pause.
func realDayConfig(t *testing.T, dir string) string {
	t.Helper()
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)
	work := t.TempDir()
	var b strings.Builder
	fmt.Fprintf(&b, "[storage]\npath = %q\nretention = \"876000h\"\n\n", filepath.Join(work, "wiredesk.db"))
	// One loopback host serves up to 97 sources: run.sh's half-second
	// spacing would spend most of the test waiting. A pass matches its
	// items in publication order whatever order they arrive in.
	b.WriteString("[poll]\nper_host = 16\nhost_delay = \"0s\"\n\n")
	var ids []string
	for _, s := range readTSV(t, filepath.Join(dir, "sources.tsv")) {
		fmt.Fprintf(&b, "[[source]]\nid = %q\nname = %q\nurl = %q\nlanguage = %q\n\n", s["id"], s["name"], srv.URL+"/"+s["file"], s["language"])
		ids = append(ids, fmt.Sprintf("%q", s["id"]))
	}
	fmt.Fprintf(&b, "[[feed]]\nslug = \"all\"\ntitle = \"All wires\"\ndescription = \"every story\"\nsources = [%s]\nlimit = 1000\n", strings.Join(ids, ", "))
	cfg := filepath.Join(work, "wiredesk.toml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// answerUnsure reads every unsure pair once, in the order listed (most
// probable first), and answers it by the labels. A story merged away is
// followed to the story that absorbed it; a pair already in one story by
// an earlier merge needs no answer.
func answerUnsure(t *testing.T, cfg string, truth dayTruth) (merged, dismissed int) {
	t.Helper()
	r := mustRun(t, nil, "story", "unsure", "-config", cfg, "-since", "0", "-n", "1000", "-json")
	var pairs []struct {
		Story, Other struct {
			ID    string
			Items []struct{ ID, Source, Link string }
		}
		Item string
	}
	if err := json.Unmarshal([]byte(r.stdout), &pairs); err != nil {
		t.Fatalf("story unsure -json: %v\n%s", err, r.stdout)
	}
	absorbed := map[string]string{}
	follow := func(id string) string {
		for absorbed[id] != "" {
			id = absorbed[id]
		}
		return id
	}
	event := func(source, link string) string {
		i, ok := truth.byLink[[2]string{source, link}]
		if !ok {
			t.Fatalf("unsure lists item %s %s, which the day's truth.tsv does not have", source, link)
		}
		return truth.items[i].event
	}
	for _, p := range pairs {
		var itemEvent string
		for _, it := range p.Story.Items {
			if it.ID == p.Item {
				itemEvent = event(it.Source, it.Link)
			}
		}
		if itemEvent == "" {
			t.Fatalf("unsure pair names item %s, which its story %s does not hold", p.Item, p.Story.ID)
		}
		oneEvent := false
		for _, it := range p.Other.Items {
			oneEvent = oneEvent || event(it.Source, it.Link) == itemEvent
		}
		a, b := follow(p.Other.ID), follow(p.Story.ID)
		switch {
		case a == b:
		case oneEvent:
			mustRun(t, nil, "story", "merge", "-config", cfg, "-by", "editor", a, b)
			absorbed[b] = a
			merged++
		default:
			mustRun(t, nil, "story", "dismiss", "-config", cfg, "-by", "editor", a, b)
			dismissed++
		}
	}
	return merged, dismissed
}

// counts are true and false positives and false negatives of item pairs.
type counts struct{ tp, fp, fn int }

func (c counts) precision() float64 {
	if c.tp+c.fp == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fp)
}

func (c counts) recall() float64 {
	if c.tp+c.fn == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fn)
}

// pairCounts are counts for same-language and Russian–English pairs apart.
type pairCounts struct{ same, cross counts }

func (p *pairCounts) add(q pairCounts) {
	p.same.tp, p.same.fp, p.same.fn = p.same.tp+q.same.tp, p.same.fp+q.same.fp, p.same.fn+q.same.fn
	p.cross.tp, p.cross.fp, p.cross.fn = p.cross.tp+q.cross.tp, p.cross.fp+q.cross.fp, p.cross.fn+q.cross.fn
}

func (p pairCounts) String() string {
	return fmt.Sprintf("same-language P %.3f R %.3f, ru–en P %.3f R %.3f",
		p.same.precision(), p.same.recall(), p.cross.precision(), p.cross.recall())
}

// publishedItem is an item of a published story, as the JSON Feed's
// _wiredesk extension names it.
type publishedItem struct {
	story             int // index of its story in the feed
	source, guid, url string
}

// readFeed returns every item of every story of a published JSON Feed.
func readFeed(t *testing.T, path string) []publishedItem {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var feed struct {
		Items []struct {
			Wiredesk struct {
				Items []struct{ Source, GUID, URL string }
			} `json:"_wiredesk"`
		}
	}
	if err := json.Unmarshal(data, &feed); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []publishedItem
	for s, it := range feed.Items {
		for _, m := range it.Wiredesk.Items {
			out = append(out, publishedItem{s, m.Source, m.GUID, m.URL})
		}
	}
	return out
}

// learnLinks records the links wiredesk shows for the day's items (without
// the tracking parameters of the feeds), by which the desk names them.
func (d dayTruth) learnLinks(published []publishedItem) {
	for _, p := range published {
		if i, ok := d.byGUID[[2]string{p.source, p.guid}]; ok {
			d.byLink[[2]string{p.source, p.url}] = i
		}
	}
}

// scoreFeed scores published stories against the labels as
// shared/cluster-eval/score.py does: every pair of labelled items of
// different sources, positive when one published story holds both, true
// when one event.
func scoreFeed(published []publishedItem, truth dayTruth) pairCounts {
	story := make([]int, len(truth.items))
	for i := range story {
		story[i] = -1 - i // unpublished items are alone
	}
	for _, p := range published {
		if i, ok := truth.byGUID[[2]string{p.source, p.guid}]; ok {
			story[i] = p.story
		}
	}
	var p pairCounts
	for i, a := range truth.items {
		for j := i + 1; j < len(truth.items); j++ {
			b := truth.items[j]
			if a.source == b.source {
				continue
			}
			c := &p.same
			if a.lang != b.lang {
				if !(a.lang == "ru" && b.lang == "en" || a.lang == "en" && b.lang == "ru") {
					continue
				}
				c = &p.cross
			}
			together, same := story[i] == story[j], a.event == b.event
			switch {
			case together && same:
				c.tp++
			case together:
				c.fp++
			case same:
				c.fn++
			}
		}
	}
	return p
}
