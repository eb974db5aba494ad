package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"html"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/storage"
	bolt "go.etcd.io/bbolt"
)

// The crash test: `wiredesk once` over a few hundred local wires, killed
// with SIGKILL at random moments, must leave a database that opens, keeps
// every item it committed, never duplicates a published id, and lets the
// next run finish the job.

const (
	crashItems = 30 // items per wire when fully published
	crashSeed  = 20240611
)

// long runs the crash and flood tests at full size. `make test` runs them
// small (6 kills) so that it ends in minutes on two cores; `make test-long`,
// which CI runs on every submission, gives -long (20 kills).
var long = flag.Bool("long", false, "run the crash and flood tests at full size (make test-long)")

// crashKills is how many times the crash test kills `wiredesk once`.
func crashKills() int {
	if *long {
		return 20
	}
	return 6
}

// crashSources is how many wires the test server runs: 300, or 100 when
// the binary is built with the race detector, which makes every run several
// times slower (the crash test is about durability; other tests look for
// races).
func crashSources() int {
	if raceEnabled {
		return 100
	}
	return 300
}

// wireCorpus serves crashSources deterministic RSS feeds. Wire i publishes
// the first shown[i] of its crashItems items (newest first, as wires do),
// so a wire that "gets news" between two runs only adds items: every item
// ever served is an item of the full corpus, byte for byte. ETag and
// If-None-Match make unchanged wires answer 304, as real ones do.
type wireCorpus struct {
	base time.Time // date of the newest item

	mu     sync.Mutex
	shown  []int
	tarpit bool          // wire 0 hangs until the client goes away
	hung   chan struct{} // closed to release hung requests
}

func newWireCorpus(n int) *wireCorpus {
	c := &wireCorpus{
		base:  time.Now().UTC().Truncate(time.Hour),
		shown: make([]int, n),
		hung:  make(chan struct{}),
	}
	for i := range c.shown {
		c.shown[i] = crashItems
	}
	return c
}

func (c *wireCorpus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var i int
	if _, err := fmt.Sscanf(r.URL.Path, "/wire/%d.xml", &i); err != nil {
		http.NotFound(w, r)
		return
	}
	c.mu.Lock()
	if i < 0 || i >= len(c.shown) {
		c.mu.Unlock()
		http.NotFound(w, r)
		return
	}
	n, tarpit := c.shown[i], c.tarpit && i == 0
	c.mu.Unlock()
	if tarpit {
		// Headers and a first chunk, then nothing: the fetch waits for the
		// body until its whole-request timeout.
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<rss version=\"2.0\"><channel>")
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		select {
		case <-r.Context().Done():
		case <-c.hung:
		}
		return
	}
	etag := fmt.Sprintf(`"w%03d-%d"`, i, n)
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	fmt.Fprint(w, c.feed(i, n))
}

// Word lists for titles and leads. An event is one subject, action and
// object; wires carry overlapping events, so stories gather several wires.
var (
	ruSubjects = []string{"Токаев", "Правительство Казахстана", "Нацбанк Киргизии", "МИД Таджикистана", "Парламент Узбекистана", "Минэнерго России", "Глава Росстата", "Мэрия Алма-Аты", "Сенат Казахстана", "ЦБ России", "Рахмон", "Минтранс Киргизии"}
	ruActions  = []string{"объявил о", "одобрил", "перенес", "раскритиковал", "подписал соглашение о", "начал проверку"}
	ruObjects  = []string{"реформе пенсионной системы", "строительстве ГЭС на Нарыне", "курсе тенге", "поставках зерна", "модернизации железных дорог", "выборах в маслихаты", "ценах на бензин", "газопроводе Центральная Азия — Центр"}
	enSubjects = []string{"Tokayev", "Kazakhstan's government", "Kyrgyzstan's central bank", "Tajikistan's foreign ministry", "Uzbekistan's parliament", "Russia's energy ministry", "The Almaty mayor's office", "Kazakhstan's senate", "The Bank of Russia", "Rahmon", "Kyrgyzstan's transport ministry", "Turkmenistan's cabinet"}
	enActions  = []string{"announces", "approves", "postpones", "criticises", "signs a deal on", "opens an inquiry into"}
	enObjects  = []string{"pension reform", "a hydropower plant on the Naryn", "the tenge exchange rate", "grain deliveries", "railway modernisation", "local council elections", "fuel prices", "the Central Asia–Centre gas pipeline"}
)

const crashEvents = 120

func crashTitle(ru bool, event int) string {
	s, a, o := event%12, (event/12)%6, (event*5+event/72)%8
	if ru {
		return fmt.Sprintf("%s %s %s", ruSubjects[s], ruActions[a], ruObjects[o])
	}
	return fmt.Sprintf("%s %s %s", enSubjects[s], enActions[a], enObjects[o])
}

// feed renders wire i with its first n items.
func (c *wireCorpus) feed(i, n int) string {
	ru := i%2 == 0
	lang, chTitle := "en", fmt.Sprintf("Wire %03d — Central Asia", i)
	if ru {
		lang, chTitle = "ru", fmt.Sprintf("Лента %03d — Центральная Азия", i)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>%s</title><link>https://wire%03d.example/</link><description>%s</description><language>%s</language>
`, html.EscapeString(chTitle), i, html.EscapeString(chTitle), lang)
	for j := n - 1; j >= 0; j-- { // newest first
		event := (i*7 + j*11) % crashEvents
		title := crashTitle(ru, event)
		lead := fmt.Sprintf("%s. Подробности сообщит пресс-служба; сообщение %d ленты %03d.", title, j, i)
		if !ru {
			lead = fmt.Sprintf("%s. Officials gave no further details; dispatch %d of wire %03d.", title, j, i)
		}
		date := c.base.Add(-time.Duration(crashItems-j) * 7 * time.Minute)
		fmt.Fprintf(&b, `<item><title>%s</title><link>https://wire%03d.example/news/%d-%02d.html</link><guid isPermaLink="false">urn:wire%03d:%d:%02d</guid><pubDate>%s</pubDate><description>%s</description></item>
`, html.EscapeString(title), i, event, j, i, event, j, date.Format(time.RFC1123Z), html.EscapeString(lead))
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

func (c *wireCorpus) set(shown []int, tarpit bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	copy(c.shown, shown)
	c.tarpit = tarpit
}

// writeCrashConfig writes a config with one [[source]] per wire.
func writeCrashConfig(t *testing.T, dir, serverURL string, n int) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `[storage]
path = "wiredesk.db"
lock_timeout = "10s"

[poll]
concurrency = 16
per_host = 64
host_delay = "0s"
timeout = "5m"

[publish]
out_dir = "public"

[log]
format = "json"

[[feed]]
slug = "central-asia"
title = "Central Asia"
tags = ["wire"]
limit = 100
`)
	for i := range n {
		lang := "en"
		if i%2 == 0 {
			lang = "ru"
		}
		fmt.Fprintf(&b, "\n[[source]]\nid = \"wire-%03d\"\nname = \"Wire %03d\"\nurl = \"%s/wire/%d.xml\"\nlanguage = %q\ntags = [\"wire\"]\n", i, i, serverURL, i, lang)
	}
	path := filepath.Join(dir, "wiredesk.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// snapshot is what a database holds, read from outside the process.
type snapshot struct {
	items   map[string]wiredesk.Item // by SourceID + "\x00" + Key
	stories int
}

func itemKey(it wiredesk.Item) string { return it.SourceID + "\x00" + it.Key }

// readSnapshot opens the database the way the next process would, checks
// bbolt's own invariants (no page lost or freed twice) and the store's
// (unique ids, every item in exactly one story), and returns its items.
func readSnapshot(t *testing.T, path string) snapshot {
	t.Helper()
	// bbolt's consistency check first, on a read-only handle.
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("bbolt open %s: %v", path, err)
	}
	err = bdb.View(func(tx *bolt.Tx) error {
		var errs []error
		for e := range tx.Check() {
			errs = append(errs, e)
		}
		return errors.Join(errs...)
	})
	bdb.Close()
	if err != nil {
		t.Fatalf("bbolt consistency check: %v", err)
	}

	db, err := storage.Open(path, storage.Options{ReadOnly: true, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("storage.Open after kill: %v", err)
	}
	defer db.Close()
	ctx := context.Background()
	items, err := db.Items(ctx, storage.ItemQuery{})
	if err != nil {
		t.Fatalf("items: %v", err)
	}
	stories, err := db.Stories(ctx, storage.StoryQuery{})
	if err != nil {
		t.Fatalf("stories: %v", err)
	}
	snap := snapshot{items: make(map[string]wiredesk.Item, len(items)), stories: len(stories)}
	ids := map[string]bool{}
	for _, it := range items {
		if ids[it.ID] {
			t.Errorf("item id %s stored twice", it.ID)
		}
		ids[it.ID] = true
		if _, dup := snap.items[itemKey(it)]; dup {
			t.Errorf("identity %s %q stored twice", it.SourceID, it.Key)
		}
		snap.items[itemKey(it)] = it
	}
	storyOf := map[string]string{} // item id → story id
	seenStory := map[string]bool{}
	for _, s := range stories {
		if seenStory[s.ID] {
			t.Errorf("story id %s published twice", s.ID)
		}
		seenStory[s.ID] = true
		if len(s.Items) == 0 {
			t.Errorf("story %s has no items", s.ID)
		}
		for _, it := range s.Items {
			if prev, ok := storyOf[it.ID]; ok {
				t.Errorf("item %s is in stories %s and %s", it.ID, prev, s.ID)
			}
			storyOf[it.ID] = s.ID
			if it.StoryID != s.ID {
				t.Errorf("item %s says story %s but is listed in %s", it.ID, it.StoryID, s.ID)
			}
		}
	}
	for id := range ids {
		if _, ok := storyOf[id]; !ok {
			t.Errorf("item %s is in no story", id)
		}
	}
	return snap
}

// onceRun is a `wiredesk once` subprocess whose per-source lines the test
// watches, so it can kill the process in the middle of its writes.
type onceRun struct {
	cmd   *exec.Cmd
	lines chan string   // stdout lines; closed at EOF
	done  chan error    // the exit, after stdout is drained
	logs  *bytes.Buffer // stderr
}

func startOnce(t *testing.T, cfg string) *onceRun {
	t.Helper()
	r := &onceRun{
		cmd:   exec.Command(wiredeskBin, "once", "-config", cfg),
		lines: make(chan string, 1024),
		done:  make(chan error, 1),
		logs:  &bytes.Buffer{},
	}
	r.cmd.Stderr = r.logs
	out, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
		close(r.lines)
		r.done <- r.cmd.Wait() // only after every read from the pipe
	}()
	return r
}

// waitLines waits for n per-source lines, or for the process to end (false).
func (r *onceRun) waitLines(n int, timeout time.Duration) (ok bool, err error) {
	deadline := time.After(timeout)
	for seen := 0; seen < n; {
		select {
		case _, open := <-r.lines:
			if !open {
				return false, nil
			}
			seen++
		case <-deadline:
			return false, fmt.Errorf("saw %d of %d source lines in %v", seen, n, timeout)
		}
	}
	return true, nil
}

// kill sends SIGKILL and reaps the process; finished reports that it had
// exited 0 on its own first. Any other exit fails the test.
func (r *onceRun) kill(t *testing.T) (finished bool) {
	t.Helper()
	_ = r.cmd.Process.Signal(syscall.SIGKILL) // fails only when already reaped
	go func() {
		for range r.lines { // drain, so the reader reaches EOF
		}
	}()
	var err error
	select {
	case err = <-r.done:
	case <-time.After(time.Minute):
		t.Fatal("once did not die after SIGKILL")
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return true
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return false
		}
	}
	t.Fatalf("once ended with %v, not by SIGKILL:\n%s", err, r.logs.String())
	return false
}

func TestOnceSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test runs `wiredesk once` over hundreds of sources 8 to 22 times")
	}
	t.Parallel() // see TestMain
	crashSources := crashSources()
	corpus := newWireCorpus(crashSources)
	srv := httptest.NewServer(corpus)
	defer srv.Close()
	defer close(corpus.hung) // before srv.Close: release any hung request

	// a. A reference run over the full corpus.
	refDir := t.TempDir()
	refCfg := writeCrashConfig(t, refDir, srv.URL, crashSources)
	ref := runBin(t, nil, "once", "-config", refCfg, "-json")
	if ref.code != 0 {
		t.Fatalf("reference once: exit %d\n%s", ref.code, ref.stderr)
	}
	want := readSnapshot(t, filepath.Join(refDir, "wiredesk.db"))
	if got, wantN := len(want.items), crashSources*crashItems; got != wantN {
		t.Fatalf("reference run stored %d items; want %d", got, wantN)
	}
	t.Logf("reference (race detector %v): %d sources, %d items, %d stories in %v", raceEnabled, crashSources, len(want.items), want.stories, ref.took.Round(time.Millisecond))

	// b. The same corpus, revealed a little at a time, into a fresh
	// database; every run is killed.
	dir := t.TempDir()
	cfg := writeCrashConfig(t, dir, srv.URL, crashSources)
	dbPath := filepath.Join(dir, "wiredesk.db")
	rng := rand.New(rand.NewPCG(crashSeed, 1))
	shown := make([]int, crashSources)
	for i := range shown {
		shown[i] = 2 + rng.IntN(12)
	}
	var (
		prev         map[string]wiredesk.Item
		counts       []int
		changedWire  int
		finished     int
		staleHolders int
	)
	crashKills := crashKills()
	for k := range crashKills {
		// Most runs hang on wire 0 and are killed after a random number of
		// wires were stored, plus up to 50ms: in the middle of the next
		// write. Every fifth run has no hanging wire and is killed after
		// all wires are stored, while it renders, exports and prunes; such a
		// run may win the race and finish.
		tarpit := k%5 != 4
		corpus.set(shown, tarpit)
		wait, extra := rng.IntN(crashSources-1), time.Duration(rng.IntN(50))*time.Millisecond
		if !tarpit {
			wait, extra = crashSources, time.Duration(rng.IntN(1000))*time.Millisecond
		}
		run := startOnce(t, cfg)
		ok, err := run.waitLines(wait, 3*time.Minute)
		if err != nil {
			run.kill(t)
			t.Fatalf("kill %d: %v\n%s", k+1, err, run.logs.String())
		}
		if !ok && tarpit {
			run.kill(t)
			t.Fatalf("kill %d: once ended before wire 0 answered:\n%s", k+1, run.logs.String())
		}
		time.Sleep(extra)
		moment := fmt.Sprintf("after %d wires + %v", wait, extra)
		if run.kill(t) {
			finished++
			moment = "finished first"
		}

		// c. The lock died with the process: the stale holder file left
		// behind does not keep the next writer out. Then the database opens,
		// holds only reference items, intact, and everything from before is
		// still there.
		if _, err := os.Stat(dbPath + ".lock-info"); err == nil {
			staleHolders++
		}
		db, err := storage.Open(dbPath, storage.Options{Timeout: 5 * time.Second, Command: "crash-test"})
		if err != nil {
			t.Fatalf("kill %d: open read-write after the kill: %v", k+1, err)
		}
		if err := db.Close(); err != nil {
			t.Fatalf("kill %d: close: %v", k+1, err)
		}
		snap := readSnapshot(t, dbPath)
		for key, got := range snap.items {
			w, ok := want.items[key]
			if !ok {
				t.Fatalf("kill %d: stored item %s %q is not in the reference", k, got.SourceID, got.Key)
			}
			if got.Title != w.Title || got.Link != w.Link || got.GUID != w.GUID {
				t.Errorf("kill %d: item %s %q = {%q %q %q}; want {%q %q %q}", k, got.SourceID, got.Key, got.Title, got.Link, got.GUID, w.Title, w.Link, w.GUID)
			}
		}
		for key, p := range prev {
			got, ok := snap.items[key]
			if !ok {
				t.Errorf("kill %d: item %s %q committed before is gone", k, p.SourceID, p.Key)
				continue
			}
			if got.ID != p.ID || got.StoryID != p.StoryID || !got.FirstSeen.Equal(p.FirstSeen) {
				t.Errorf("kill %d: item %s changed: id %s→%s story %s→%s first seen %v→%v", k, key, p.ID, got.ID, p.StoryID, got.StoryID, p.FirstSeen, got.FirstSeen)
			}
		}
		prev = snap.items
		counts = append(counts, len(snap.items))
		if t.Failed() {
			t.FailNow()
		}

		// Some wires publish more before the next run, so it writes.
		changed := 0
		for i := range shown {
			if shown[i] < crashItems && rng.IntN(3) == 0 {
				shown[i] = min(crashItems, shown[i]+1+rng.IntN(5))
				changed++
			}
		}
		changedWire += changed
		t.Logf("kill %2d %-24s: %5d items, %4d stories; then %d wires publish more", k+1, moment, len(snap.items), snap.stories, changed)
	}

	// d. The full corpus, no hanging wire: a run finishes and the database
	// holds exactly the reference items.
	for i := range shown {
		shown[i] = crashItems
	}
	corpus.set(shown, false)
	final := runBin(t, nil, "once", "-config", cfg, "-json")
	if final.code != 0 {
		t.Fatalf("final once: exit %d\n%s", final.code, final.stderr)
	}
	got := readSnapshot(t, dbPath)
	if len(got.items) != len(want.items) {
		t.Errorf("final run: %d items; want %d", len(got.items), len(want.items))
	}
	for key, w := range want.items {
		g, ok := got.items[key]
		if !ok {
			t.Errorf("final run lacks %s %q", w.SourceID, w.Key)
			continue
		}
		if g.Title != w.Title || g.Link != w.Link || g.GUID != w.GUID {
			t.Errorf("final item %s %q = {%q %q %q}; want {%q %q %q}", w.SourceID, w.Key, g.Title, g.Link, g.GUID, w.Title, w.Link, w.GUID)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "public", "central-asia.rss")); err != nil {
		t.Errorf("final run wrote no feed: %v", err)
	}
	// Runs killed while exporting leave their temporary files behind
	// (dot-files beside the feeds); count them for the report.
	leftovers := 0
	filepath.WalkDir(filepath.Join(dir, "public"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp") {
			leftovers++
		}
		return nil
	})
	t.Logf("temporary export files left in out_dir by killed runs: %d", leftovers)
	t.Logf("crash test: %d kills (%d runs finished before their kill, %d left a stale holder file), %d wire updates between kills; items after each kill %v; min %d, max %d; final %d items, %d stories (reference %d, %d)",
		crashKills, finished, staleHolders, changedWire, counts, slices.Min(counts), slices.Max(counts), len(got.items), got.stories, len(want.items), want.stories)
}
