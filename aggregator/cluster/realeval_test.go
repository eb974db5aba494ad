package cluster

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
	"golang.org/x/net/html/charset"
)

var evalDirs = flag.String("eval", "", "comma-separated cluster-eval set directories to score (TestRealEval)")

// realItem is one item of a real evaluation set and its labelled event.
type realItem struct {
	wiredesk.Item
	Event string
}

// loadRealSet reads a set directory in the layout of shared/cluster-eval:
// sources.tsv (id, name, language, file), one RSS 2.0 file per source, and
// truth.tsv (event_id, source, guid, ...).
func loadRealSet(dir string) ([]realItem, error) {
	srcs, err := readTSV(filepath.Join(dir, "sources.tsv"))
	if err != nil {
		return nil, err
	}
	truth, err := readTSV(filepath.Join(dir, "truth.tsv"))
	if err != nil {
		return nil, err
	}
	event := map[[2]string]string{}
	for _, r := range truth {
		event[[2]string{r["source"], r["guid"]}] = r["event_id"]
	}
	var out []realItem
	for _, s := range srcs {
		items, err := readRSS(filepath.Join(dir, s["file"]))
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			ev, ok := event[[2]string{s["id"], it.GUID}]
			if !ok {
				return nil, fmt.Errorf("%s: %s item %q is not in truth.tsv", dir, s["id"], it.GUID)
			}
			it.SourceID, it.Language = s["id"], s["language"]
			it.ID = s["id"] + "/" + it.GUID
			out = append(out, realItem{it, ev})
		}
	}
	return out, nil
}

// readTSV reads a tab-separated file with a header line and no quoting.
func readTSV(path string) ([]map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var head []string
	var out []map[string]string
	for line := range strings.Lines(string(data)) {
		rec := strings.Split(strings.TrimRight(line, "\r\n"), "\t")
		if head == nil {
			head = rec
			continue
		}
		m := map[string]string{}
		for i, h := range head {
			if i < len(rec) {
				m[h] = rec[i]
			}
		}
		out = append(out, m)
	}
	return out, nil
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

func readRSS(path string) ([]wiredesk.Item, error) {
	items, err := decodeRSS(path, true)
	if err != nil {
		return nil, err
	}
	var out []wiredesk.Item
	for _, it := range items {
		t, err := time.Parse(time.RFC1123Z, strings.TrimSpace(it.PubDate))
		if err != nil {
			t, err = time.Parse(time.RFC3339, strings.TrimSpace(it.PubDate))
		}
		if err != nil {
			return nil, fmt.Errorf("%s: item %q: %w", path, it.GUID, err)
		}
		out = append(out, wiredesk.Item{
			GUID: it.GUID, Link: it.Link, Published: t,
			Title:   strings.TrimSpace(html.UnescapeString(tagRE.ReplaceAllString(it.Title, " "))),
			Summary: plainText(it.Description),
		})
	}
	return out, nil
}

// rssItem is an RSS 2.0 item as the evaluation tests read it.
type rssItem struct {
	Title       string `xml:"title"`
	Description string `xml:"description"`
	GUID        string `xml:"guid"`
	Link        string `xml:"link"`
	PubDate     string `xml:"pubDate"`
}

// decodeRSS reads the items of an RSS 2.0 file in any charset its prolog
// declares; strict is the XML decoder's strictness.
func decodeRSS(path string, strict bool) ([]rssItem, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Items []rssItem `xml:"channel>item"`
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charset.NewReaderLabel
	dec.Strict = strict
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return doc.Items, nil
}

// plainText is HTML s as text: tags and character references gone, white
// space collapsed.
func plainText(s string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tagRE.ReplaceAllString(s, " "))), " ")
}

// byTime orders items as a pass that saves them in publication order does.
func byTime(items []realItem) []realItem {
	s := slices.Clone(items)
	slices.SortStableFunc(s, func(a, b realItem) int {
		if c := a.Date().Compare(b.Date()); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return s
}

// clusterReal runs items through an Index in publication order, each
// matched and then added, and returns the story of every item.
func clusterReal(items []realItem, opt Options) (map[string]string, *Index) {
	x := New(opt)
	story := map[string]string{}
	for _, it := range byTime(items) {
		id, ok := x.Match(it.Item)
		if !ok {
			id = "story-" + it.ID
		}
		story[it.ID] = id
		it.StoryID = id
		x.Add(it.Item)
	}
	return story, x
}

// pairScore is pairwise precision and recall over pairs of items from
// different sources, as shared/cluster-eval/score.py counts them.
type pairScore struct {
	tp, fp, fn    int // same language
	xtp, xfp, xfn int // Russian–English
}

func (s pairScore) precision() float64 { return frac(s.tp, s.tp+s.fp) }
func (s pairScore) recall() float64    { return frac(s.tp, s.tp+s.fn) }
func (s pairScore) xlPrecision() float64 {
	return frac(s.xtp, s.xtp+s.xfp)
}
func (s pairScore) xlRecall() float64 { return frac(s.xtp, s.xtp+s.xfn) }

func frac(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func (s *pairScore) add(o pairScore) {
	s.tp += o.tp
	s.fp += o.fp
	s.fn += o.fn
	s.xtp += o.xtp
	s.xfp += o.xfp
	s.xfn += o.xfn
}

func (s pairScore) String() string {
	return fmt.Sprintf("same-language P %.3f R %.3f (tp %d fp %d fn %d) · ru–en P %.3f R %.3f (tp %d fp %d fn %d)",
		s.precision(), s.recall(), s.tp, s.fp, s.fn, s.xlPrecision(), s.xlRecall(), s.xtp, s.xfp, s.xfn)
}

func scoreReal(items []realItem, story map[string]string, log func(string, realItem, realItem)) pairScore {
	var s pairScore
	for i, a := range items {
		for _, b := range items[i+1:] {
			if a.SourceID == b.SourceID {
				continue
			}
			truth := a.Event == b.Event
			pred := story[a.ID] == story[b.ID]
			cross := a.Language != b.Language
			var tp, fp, fn *int
			if cross {
				tp, fp, fn = &s.xtp, &s.xfp, &s.xfn
			} else {
				tp, fp, fn = &s.tp, &s.fp, &s.fn
			}
			switch {
			case truth && pred:
				*tp++
			case pred:
				*fp++
				if log != nil {
					log("FP", a, b)
				}
			case truth:
				*fn++
				if log != nil {
					log("FN", a, b)
				}
			}
		}
	}
	return s
}

// evalItem is one item of testdata/events.txt.
type evalItem struct {
	Source  string
	Time    time.Time
	Title   string
	Summary string
}

type evalEvent struct {
	name  string
	items []evalItem
}

type evalTopic struct {
	lang, name string
	events     []evalEvent
}

// readEvents parses testdata/events.txt (format in its header).
func readEvents(t testing.TB, path string) []evalTopic {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var topics []evalTopic
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "topic "):
			f := strings.Fields(line)
			if len(f) != 3 {
				t.Fatalf("%s:%d: want \"topic <lang> <name>\"", path, n)
			}
			topics = append(topics, evalTopic{lang: f[1], name: f[2]})
		case strings.HasPrefix(line, "event "):
			if len(topics) == 0 {
				t.Fatalf("%s:%d: event outside a topic", path, n)
			}
			tp := &topics[len(topics)-1]
			tp.events = append(tp.events, evalEvent{name: strings.TrimPrefix(line, "event ")})
		default:
			f := strings.Split(line, " | ")
			if len(f) != 4 {
				t.Fatalf("%s:%d: want 4 fields separated by \" | \", got %d", path, n, len(f))
			}
			tm, err := time.Parse(time.RFC3339, f[1])
			if err != nil {
				t.Fatalf("%s:%d: %v", path, n, err)
			}
			if len(topics) == 0 || len(topics[len(topics)-1].events) == 0 {
				t.Fatalf("%s:%d: item outside an event", path, n)
			}
			tp := &topics[len(topics)-1]
			ev := &tp.events[len(tp.events)-1]
			ev.items = append(ev.items, evalItem{Source: f[0], Time: tm, Title: f[2], Summary: f[3]})
		}
	}
	return topics
}

// loadEventsSet returns the items of testdata/events.txt as a set, each
// labelled with its event.
func loadEventsSet(t testing.TB) []realItem {
	var out []realItem
	for _, tp := range readEvents(t, "testdata/events.txt") {
		for _, ev := range tp.events {
			for i, e := range ev.items {
				id := fmt.Sprintf("%s/%s/%d", e.Source, ev.name, i)
				out = append(out, realItem{wiredesk.Item{
					ID: id, SourceID: e.Source, Language: tp.lang, Title: e.Title, Summary: e.Summary, Published: e.Time,
				}, tp.name + "/" + ev.name})
			}
		}
	}
	return out
}

// TestRealEval scores the sets named by -eval, for tuning by hand:
//
//	go test ./aggregator/cluster -run TestRealEval -eval ../shared/cluster-eval/day-2025-11-06 -v
func TestRealEval(t *testing.T) {
	if *evalDirs == "" {
		t.Skip("no -eval sets")
	}
	var total pairScore
	for _, dir := range strings.Split(*evalDirs, ",") {
		var items []realItem
		if dir == "events" {
			items = loadEventsSet(t)
		} else {
			var err error
			if items, err = loadRealSet(dir); err != nil {
				t.Fatal(err)
			}
		}
		story, x := clusterReal(items, Options{Threshold: evalThreshold})
		var log func(string, realItem, realItem)
		if what := os.Getenv("EVAL_PAIRS"); testing.Verbose() && what != "" {
			log = func(kind string, a, b realItem) {
				if !strings.Contains(what, kind) {
					return
				}
				msg := fmt.Sprintf("%s %s | %s", kind, a.Title, b.Title)
				if strings.Contains(what, "why") {
					msg += "\n" + x.Explain(a.Item, b.Item).String()
				}
				t.Log(msg)
			}
		}
		s := scoreReal(items, story, log)
		t.Logf("%s: %v", filepath.Base(dir), s)
		total.add(s)
	}
	t.Logf("pooled: %v", total)
}

// TestRealSweep prints pooled scores of the -eval sets for a range of
// thresholds:
//
//	go test ./aggregator/cluster -run TestRealSweep -eval DIR,DIR -v
func TestRealSweep(t *testing.T) {
	if *evalDirs == "" {
		t.Skip("no -eval sets")
	}
	var sets [][]realItem
	for _, dir := range strings.Split(*evalDirs, ",") {
		items, err := loadRealSet(dir)
		if err != nil {
			t.Fatal(err)
		}
		sets = append(sets, items)
	}
	for th := 0.3; th < 0.96; th += 0.05 {
		var total pairScore
		for _, items := range sets {
			story, _ := clusterReal(items, Options{Threshold: th})
			total.add(scoreReal(items, story, nil))
		}
		t.Logf("threshold %.2f: %v", th, total)
	}
}

func init() {
	if v := os.Getenv("EVAL_SUPPORT"); v != "" {
		fmt.Sscan(v, &storySupport)
	}
}

func init() {
	if v := os.Getenv("EVAL_THRESHOLD"); v != "" {
		fmt.Sscan(v, &evalThreshold)
	}
}

var evalThreshold float64
