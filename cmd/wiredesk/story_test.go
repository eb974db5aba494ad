package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk/storage"
)

// Editors' decisions, end to end with the built binary: `wiredesk story`
// on the database, through a running daemon, and with neither available.
// The demo's Rogun dam event is the example: Interfax and TASS report it in
// Russian, RFE/RL in English, and the machine puts the three in one story.
// The tests do not rely on that: each first checks, on its own copy of the
// demo, where the machine puts what the test then decides about.

// Titles of the demo items the tests decide about, and of the later
// reports they add: an AP copy of RFE/RL's report and an AP copy of
// Interfax's.
const (
	rogunInterfax = "Рахмон открыл третий агрегат Рогунской ГЭС"
	rogunRFERL    = "Tajik Leader Opens Third Turbine At Giant Rogun Dam"
	laterRogunEN  = "Tajik leader opens third turbine at giant Rogun dam"
	laterRogunRU  = "Рахмон открыл третий гидроагрегат Рогунской ГЭС"
)

type storyJSON struct {
	ID    string `json:"id"`
	Items []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
		Story string `json:"story"`
	} `json:"items"`
	Decisions []struct {
		Kind, From, To, By string
	} `json:"decisions"`
	Requested string `json:"requested"`
}

// stories lists every story through `wiredesk story list -json`.
func stories(t *testing.T, env []string, cfg string) []storyJSON {
	t.Helper()
	r := runBin(t, env, "story", "list", "-config", cfg, "-n", "1000", "-json")
	if r.code != 0 {
		t.Fatalf("story list: exit %d\n%s", r.code, r.stderr)
	}
	var out []storyJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("story list -json: %v\n%s", err, r.stdout)
	}
	return out
}

// find returns the story and item id of the item with this title.
func find(t *testing.T, sts []storyJSON, title string) (story, item string) {
	t.Helper()
	for _, s := range sts {
		for _, it := range s.Items {
			if it.Title == title {
				return s.ID, it.ID
			}
		}
	}
	t.Fatalf("no item titled %q among %d stories", title, len(sts))
	return "", ""
}

// addLaterReport adds to the demo's AP feed a later report of the Rogun
// turbine: in English in RFE/RL's words (ru false), or in Russian in
// Interfax's (ru true). The English lead also says "power plant", the
// Russian reports' "ГЭС": to join a story of two Russian reports and one
// English, an English report must be close enough to the Russian ones
// too (the story's support), and this test is about the editors'
// decisions, not about how close is close enough.
func addLaterReport(t *testing.T, cfg string, ru bool) {
	t.Helper()
	title, text, guid, at := laterRogunEN,
		"DUSHANBE, Tajikistan (AP) — Tajik President Emomali Rahmon on Thursday launched the third 600-megawatt unit of the Rogun hydroelectric power plant, bringing its capacity to 1,200 megawatts.",
		"ap-9d1f0a10", "Thu, 26 Nov 2026 14:00:00 GMT"
	if ru {
		title, text, guid, at = laterRogunRU,
			"Президент Таджикистана Эмомали Рахмон принял участие в церемонии запуска третьего гидроагрегата Рогунской ГЭС мощностью 600 МВт.",
			"ap-9d1f0a11", "Thu, 26 Nov 2026 14:30:00 GMT"
	}
	insert(t, filepath.Join(filepath.Dir(cfg), "testdata", "demo", "apnews.asia.xml"), "    <item>", `    <item>
      <title>`+title+`</title>
      <link>https://apnews.com/article/`+guid+`</link>
      <guid isPermaLink="false">`+guid+`</guid>
      <pubDate>`+at+`</pubDate>
      <description>`+text+`</description>
    </item>
`)
}

// insert puts text before the first occurrence of before in the file.
func insert(t *testing.T, path, before, text string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(b), before)
	if i < 0 {
		t.Fatalf("%s has no %q", path, before)
	}
	out := string(b[:i]) + text + string(b[i:])
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	// file:// fetches are conditional on the modification time; make sure
	// it moves even on a coarse clock.
	later := time.Now().Add(2 * time.Second)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
}

func mustRun(t *testing.T, env []string, args ...string) result {
	t.Helper()
	r := runBin(t, env, args...)
	if r.code != 0 {
		t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// TestStoryDecisionsWithoutDaemon splits and merges on the database and
// checks that the decisions bind the next passes: later reports join the
// stories the editors chose, where without the decisions (checked first,
// on another copy of the demo) the machine put them elsewhere. Then the
// decisions are in the feeds.
func TestStoryDecisionsWithoutDaemon(t *testing.T) {
	t.Parallel() // see TestMain
	// Without decisions: both later reports join the Rogun story. (A
	// subtest of its own that runs beside the rest: it needs no decision.)
	t.Run("control", func(t *testing.T) {
		t.Parallel()
		control := demoDir(t, "127.0.0.1:0")
		mustRun(t, nil, "once", "-config", control, "-out", t.TempDir())
		rogun, _ := find(t, stories(t, nil, control), rogunRFERL)
		addLaterReport(t, control, false)
		addLaterReport(t, control, true)
		mustRun(t, nil, "once", "-config", control, "-out", t.TempDir())
		sts := stories(t, nil, control)
		for _, title := range []string{laterRogunEN, laterRogunRU} {
			if s, _ := find(t, sts, title); s != rogun {
				t.Fatalf("control: %q joined %s; the test expects the machine to put it in the Rogun story %s", title, s, rogun)
			}
		}
	})

	cfg := demoDir(t, "127.0.0.1:0")
	out := t.TempDir()
	mustRun(t, nil, "once", "-config", cfg, "-out", out)
	sts := stories(t, nil, cfg)
	o, interfaxItem := find(t, sts, rogunInterfax)
	if s, _ := find(t, sts, rogunRFERL); s != o {
		t.Fatalf("the test expects RFE/RL's Rogun report in Interfax's story %s, not %s", o, s)
	}
	_, rferlItem := find(t, sts, rogunRFERL)

	r := mustRun(t, nil, "story", "why", "-config", cfg, interfaxItem, rferlItem)
	for _, want := range []string{"probability", "two languages", "shared", "verdict: machine: ", "now in one story, " + o} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("story why lacks %q:\n%s", want, r.stdout)
		}
	}

	// An editor takes RFE/RL's report out; a later English report in its
	// words joins it there, no longer the Russian story.
	r = mustRun(t, nil, "story", "split", "-config", cfg, "-by", "boris", rferlItem)
	if !strings.Contains(r.stdout, "split item "+rferlItem+" out of story "+o+" into story "+rferlItem+"~") {
		t.Errorf("story split output:\n%s", r.stdout)
	}
	split, _ := find(t, stories(t, nil, cfg), rogunRFERL)
	addLaterReport(t, cfg, false)
	mustRun(t, nil, "once", "-config", cfg, "-out", out)
	if s, _ := find(t, stories(t, nil, cfg), laterRogunEN); s != split {
		t.Errorf("a later report of the split item joined %s; want its new story %s", s, split)
	}

	// The editor then merges the Russian story into the English one, which
	// keeps its id; a later Russian report joins it.
	r = mustRun(t, nil, "story", "merge", "-config", cfg, "-by", "anna", split, o)
	if !strings.Contains(r.stdout, "merged story "+o+" into "+split) || !strings.Contains(r.stdout, rogunInterfax) {
		t.Errorf("story merge output:\n%s", r.stdout)
	}
	r = mustRun(t, nil, "story", "show", "-config", cfg, o)
	if !strings.Contains(r.stdout, "story "+o+" was merged into "+split) {
		t.Errorf("story show of the merged-away story:\n%s", r.stdout)
	}
	addLaterReport(t, cfg, true)
	mustRun(t, nil, "once", "-config", cfg, "-out", out)
	if s, _ := find(t, stories(t, nil, cfg), laterRogunRU); s != split {
		t.Errorf("a later report of the merged story's items joined %s; want the surviving story %s", s, split)
	}

	// Refused and unknown decisions: exit 1 with the reason.
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"merge", split, split}, "into itself"},
		{[]string{"merge", split, o}, "merged into " + split},
		{[]string{"show", "nope/nope"}, "story nope/nope: not found"},
		{[]string{"why", interfaxItem, "nope/nope"}, "item nope/nope: not found"},
	} {
		r := runBin(t, nil, append(append([]string{"story"}, tt.args...), "-config", cfg)...)
		if r.code != 1 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("story %v: exit %d %q; want 1 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}

	// Visible in story show and in every published format.
	r = mustRun(t, nil, "story", "show", "-config", cfg, split)
	for _, want := range []string{"split  item " + rferlItem + " split out of story " + o + " into this story, by boris",
		"merge  story " + o + " (2 items) merged into " + split + ", by anna"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("story show lacks %q:\n%s", want, r.stdout)
		}
	}
	var feed struct {
		Items []struct {
			ID       string `json:"id"`
			Content  string `json:"content_html"`
			Wiredesk struct {
				Story     string                                    `json:"story"`
				Decisions []struct{ Kind, From, To, At, By string } `json:"decisions"`
			} `json:"_wiredesk"`
		} `json:"items"`
	}
	body, err := os.ReadFile(filepath.Join(out, "central-asia.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &feed); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range feed.Items {
		if strings.HasSuffix(it.ID, "story/"+o) {
			t.Errorf("central-asia.json still publishes the merged-away story %s as an entry", o)
		}
		if !strings.HasSuffix(it.ID, "story/"+split) {
			continue
		}
		found = true
		ds := it.Wiredesk.Decisions
		if len(ds) != 2 || ds[0].Kind != "split" || ds[0].By != "boris" || ds[1].Kind != "merge" || ds[1].By != "anna" ||
			!strings.HasSuffix(ds[1].From, ":story/"+o) || ds[1].To != it.Wiredesk.Story || ds[1].At == "" {
			t.Errorf("_wiredesk.decisions of story %s = %+v; want the split by boris, then the merge of %s by anna", split, ds, o)
		}
		// An English story that absorbed Russian wires credits them, and
		// its links say which language each is in.
		for _, want := range []string{"With reporting by Interfax, TASS, RFE/RL and AP", "TASS</a> (Russian)"} {
			if !strings.Contains(it.Content, want) {
				t.Errorf("story %s content lacks %q: %s", split, want, it.Content)
			}
		}
	}
	if !found {
		t.Errorf("central-asia.json has no entry for story %s", split)
	}
	// RSS and Atom say which kinds of decision shaped a story with standard
	// categories; the full decisions, editors' names included, are in
	// JSON Feed only (wd:decision is opt-in: [publish] decision_elements).
	for _, c := range []struct{ file, want string }{
		{"central-asia.rss", `<category domain="https://github.com/wiredesk/wiredesk/ns/1.0/decision">merge</category>`},
		{"central-asia.rss", `<category domain="https://github.com/wiredesk/wiredesk/ns/1.0/decision">split</category>`},
		{"central-asia.atom", `<category term="merge" scheme="https://github.com/wiredesk/wiredesk/ns/1.0/decision"`},
	} {
		if b, _ := os.ReadFile(filepath.Join(out, c.file)); !strings.Contains(string(b), c.want) {
			t.Errorf("%s lacks %s", c.file, c.want)
		}
	}
	for _, file := range []string{"central-asia.rss", "central-asia.atom"} {
		if b, _ := os.ReadFile(filepath.Join(out, file)); strings.Contains(string(b), "wd:decision") || strings.Contains(string(b), `"boris"`) {
			t.Errorf("%s has wd:decision or an editor's name without [publish] decision_elements", file)
		}
	}
}

// tokenDemo is a copy of the demo whose daemon, listening on addr, wants
// the admin token: its config reads the token from the environment
// (daemonEnv), and the commands of env send theirs from
// WIREDESK_ADMIN_TOKEN.
func tokenDemo(t *testing.T, token string) (addr, cfg, daemonEnv string, env []string) {
	t.Helper()
	addr = freeAddr(t)
	cfg = demoDir(t, addr)
	serverSection(t, cfg, `admin_token = "${WIREDESK_TEST_ADMIN_TOKEN}"`)
	daemonEnv = "WIREDESK_TEST_ADMIN_TOKEN=" + token
	return addr, cfg, daemonEnv, []string{daemonEnv, "WIREDESK_ADMIN_TOKEN=" + token}
}

// TestStoryThroughDaemon runs the story commands beside `wiredesk serve`,
// which holds the database: they go through the admin endpoints, at once
// when the holder file names the daemon and after the lock times out when
// it does not, print what they print without a daemon, and the daemon's
// feeds show the decision without a poll.
func TestStoryThroughDaemon(t *testing.T) {
	addr, cfg, daemonEnv, env := tokenDemo(t, "desk-7Hq2")
	mustRun(t, env, "once", "-config", cfg, "-out", t.TempDir())
	serve := startServeLogs(t, cfg, addr, daemonEnv)

	sts := stories(t, env, cfg)
	o, interfaxItem := find(t, sts, rogunInterfax)
	_, rferlItem := find(t, sts, rogunRFERL)

	if r := runBin(t, []string{daemonEnv, "WIREDESK_ADMIN_TOKEN=wrong"}, "story", "show", "-config", cfg, o); r.code != 1 || !strings.Contains(r.stderr, "missing or wrong admin token") {
		t.Errorf("story show with a wrong token: exit %d %q; want 1 and the daemon's refusal", r.code, r.stderr)
	}
	r := mustRun(t, env, "story", "why", "-config", cfg, interfaxItem, rferlItem)
	if !strings.Contains(r.stdout, "verdict: machine: ") {
		t.Errorf("story why through the daemon:\n%s", r.stdout)
	}
	if r.took > 20*time.Second {
		t.Errorf("story why took %v", r.took)
	}
	r = mustRun(t, env, "story", "split", "-config", cfg, "-by", "boris", rferlItem)
	if !strings.Contains(r.stdout, "split item "+rferlItem+" out of story "+o) {
		t.Errorf("story split through the daemon:\n%s", r.stdout)
	}
	split, _ := find(t, stories(t, env, cfg), rogunRFERL)

	// The daemon re-renders its feeds after a decision, without a poll.
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, body := httpGet(t, "http://"+addr+"/feeds/central-asia.json")
		if strings.Contains(body, `"kind": "split"`) && strings.Contains(body, `"by": "boris"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("central-asia.json shows no split 20s after it:\n%s", body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The admin path is counted under a fixed label, not the raw path.
	if _, body := httpGet(t, "http://"+addr+"/metrics"); !strings.Contains(body, `path="/admin/story/split"`) {
		t.Errorf("/metrics has no request count for /admin/story/split")
	}

	// Without the holder file, the command waits for the lock (1s in the
	// demo config), then asks the daemon.
	db := filepath.Join(filepath.Dir(cfg), "demo.db")
	if err := os.Remove(db + ".lock-info"); err != nil {
		t.Fatal(err)
	}
	r = mustRun(t, env, "story", "merge", "-config", cfg, "-by", "anna", split, o)
	if !strings.Contains(r.stdout, "merged story "+o+" into "+split) {
		t.Errorf("story merge through the daemon after the lock timed out:\n%s", r.stdout)
	}
	viaDaemon := mustRun(t, env, "story", "show", "-config", cfg, split).stdout

	if _, err := serve.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("serve after SIGTERM: %v", err)
	}
	local := mustRun(t, env, "story", "show", "-config", cfg, split).stdout
	if local != viaDaemon {
		t.Errorf("story show differs with and without the daemon\nvia daemon:\n%s\nlocal:\n%s", viaDaemon, local)
	}
	for _, want := range []string{"split  item " + rferlItem, "by boris", "merge  story " + o, "by anna"} {
		if !strings.Contains(local, want) {
			t.Errorf("story show after the daemon stopped lacks %q:\n%s", want, local)
		}
	}
}

// TestStoryLockedWithoutDaemon holds the database in this process, which is
// not a daemon: the command waits for the lock, finds no daemon to ask and
// exits 4 saying both.
func TestStoryLockedWithoutDaemon(t *testing.T) {
	cfg := demoDir(t, freeAddr(t))
	db, err := storage.Open(filepath.Join(filepath.Dir(cfg), "demo.db"), storage.Options{Command: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := runBin(t, nil, "story", "show", "-config", cfg, "interfax/1")
	if r.code != 4 || !strings.Contains(r.stderr, "locked by another process") || !strings.Contains(r.stderr, "asking the daemon at http://") {
		t.Errorf("story show with the database locked and no daemon: exit %d %q; want 4 naming the lock and the daemon", r.code, r.stderr)
	}
}

// TestStoryUsage checks the subcommand help and usage errors.
func TestStoryUsage(t *testing.T) {
	t.Parallel() // see TestMain
	for _, sub := range []string{"", "show", "list", "merge", "split", "why", "unsure", "dismiss"} {
		args := []string{"story"}
		if sub != "" {
			args = append(args, sub)
		}
		r := runBin(t, nil, append(args, "--help")...)
		if r.code != 0 || !strings.Contains(r.stderr, "Examples:\n  wiredesk story") {
			t.Errorf("%v --help: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"story"}, "story needs a subcommand"},
		{[]string{"story", "mrege"}, `unknown subcommand "mrege"`},
		{[]string{"story", "merge", "a"}, "merge needs two story ids"},
		{[]string{"story", "why", "a", "b", "c"}, "why needs two item ids"},
	} {
		if r := runBin(t, nil, tt.args...); r.code != 2 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: exit %d %q; want 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
}

// Titles of the demo's two reports of the Kyrgyz NGO law, which the
// machine keeps apart although it finds them alike: the pair `story
// unsure` lists.
const (
	ngoAP    = "Kyrgyz lawmakers pass law targeting foreign-funded groups"
	ngoRFERL = "Kyrgyz Parliament Approves Bill Restricting Foreign-Funded NGOs"
)

type unsureJSON struct {
	Story       struct{ ID string } `json:"story"`
	Other       struct{ ID string } `json:"other"`
	Item        string              `json:"item"`
	OtherItem   string              `json:"other_item"`
	Probability float64             `json:"probability"`
	Threshold   float64             `json:"threshold"`
}

// unsurePairs lists every unsure pair of the demo (its items are dated
// days ago: -since 0) through `wiredesk story unsure -json`.
func unsurePairs(t *testing.T, env []string, cfg string) []unsureJSON {
	t.Helper()
	r := mustRun(t, env, "story", "unsure", "-config", cfg, "-since", "0", "-n", "1000", "-json")
	var out []unsureJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("story unsure -json: %v\n%s", err, r.stdout)
	}
	return out
}

// findPair returns the pair of stories a and b, in either order.
func findPair(ps []unsureJSON, a, b string) (unsureJSON, bool) {
	for _, p := range ps {
		if p.Story.ID == a && p.Other.ID == b || p.Story.ID == b && p.Other.ID == a {
			return p, true
		}
	}
	return unsureJSON{}, false
}

// TestStoryUnsureSameWireMargin finds the demo's unsure pairs of two items
// of one wire and checks that `story unsure` and `story why` say how
// their threshold is made up: the configured one plus the same-wire
// margin, the figures the index's evidence gives.
func TestStoryUnsureSameWireMargin(t *testing.T) {
	t.Parallel() // see TestMain
	cfg := demoDir(t, "127.0.0.1:0")
	mustRun(t, nil, "once", "-config", cfg, "-out", t.TempDir())
	args := []string{"story", "unsure", "-config", cfg, "-since", "0", "-floor", "0.01", "-n", "1000"}
	var pairs []struct {
		Item           string  `json:"item"`
		OtherItem      string  `json:"other_item"`
		Threshold      float64 `json:"threshold"`
		SameWireMargin float64 `json:"same_wire_margin"`
	}
	if r := mustRun(t, nil, append(args, "-json")...); json.Unmarshal([]byte(r.stdout), &pairs) != nil {
		t.Fatalf("story unsure -json:\n%s", r.stdout)
	}
	text := mustRun(t, nil, args...).stdout
	oneWire := 0
	for _, p := range pairs {
		wire, _, _ := strings.Cut(p.Item, "/")
		otherWire, _, _ := strings.Cut(p.OtherItem, "/")
		if wire != otherWire {
			if p.SameWireMargin != 0 {
				t.Errorf("pair %s, %s of two wires: same-wire margin %v; want none", p.Item, p.OtherItem, p.SameWireMargin)
			}
			continue
		}
		oneWire++
		if p.SameWireMargin <= 0 {
			t.Errorf("pair %s, %s of one wire: no same-wire margin in %+v", p.Item, p.OtherItem, p)
			continue
		}
		base, m := p.Threshold-p.SameWireMargin, p.SameWireMargin
		if want := fmt.Sprintf(" the threshold %.2f (%.2f plus %.2f for two items of one wire)\n", p.Threshold, base, m); !strings.Contains(text, want) {
			t.Errorf("story unsure lacks %q:\n%s", want, text)
		}
		why := mustRun(t, nil, "story", "why", "-config", cfg, p.Item, p.OtherItem).stdout
		if want := fmt.Sprintf("(needs %.2f, %.2f plus %.2f for two items of one wire: ", p.Threshold, base, m); !strings.Contains(why, want) {
			t.Errorf("story why %s %s lacks %q:\n%s", p.Item, p.OtherItem, want, why)
		}
	}
	if oneWire == 0 {
		t.Fatalf("the test expects the demo to hold an unsure pair of one wire at floor 0.01; it lists:\n%s", text)
	}
}

// ngoStories checks that the machine keeps the two NGO reports apart and
// returns their stories and items, the AP one (the later) first.
func ngoStories(t *testing.T, env []string, cfg string) (apStory, apItem, rferlStory, rferlItem string) {
	t.Helper()
	sts := stories(t, env, cfg)
	apStory, apItem = find(t, sts, ngoAP)
	rferlStory, rferlItem = find(t, sts, ngoRFERL)
	if apStory == rferlStory {
		t.Fatalf("the test expects the machine to keep AP's and RFE/RL's NGO law reports apart; both are in %s", apStory)
	}
	return apStory, apItem, rferlStory, rferlItem
}

// TestStoryUnsureAndDismissWithoutDaemon lists the unsure pairs of the
// demo on the database, dismisses one, and finds it gone from the list
// while every story stays as it was.
func TestStoryUnsureAndDismissWithoutDaemon(t *testing.T) {
	t.Parallel() // see TestMain
	cfg := demoDir(t, "127.0.0.1:0")
	mustRun(t, nil, "once", "-config", cfg, "-out", t.TempDir())
	ap, apItem, rferl, rferlItem := ngoStories(t, nil, cfg)

	before := unsurePairs(t, nil, cfg)
	p, ok := findPair(before, ap, rferl)
	if !ok {
		t.Fatalf("story unsure does not list the NGO law pair %s, %s:\n%+v", ap, rferl, before)
	}
	if p.Story.ID != ap || p.Item != apItem || p.OtherItem != rferlItem || p.Probability < 0.5 || p.Threshold <= 0 {
		t.Errorf("NGO law pair = %+v; want AP's (later) item %s in story %s against RFE/RL's %s, probability at least 0.5", p, apItem, ap, rferlItem)
	}
	r := mustRun(t, nil, "story", "unsure", "-config", cfg, "-since", "0")
	for _, want := range []string{"probability ", ngoAP, ngoRFERL,
		// The commands to paste name the config they need.
		"one event:  wiredesk story merge " + rferl + " " + ap + " -config " + cfg + "\n",
		"two events: wiredesk story dismiss " + rferl + " " + ap + " -config " + cfg + "\n",
		"evidence:   wiredesk story why " + apItem + " " + rferlItem + " -config " + cfg + "\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("story unsure lacks %q:\n%s", want, r.stdout)
		}
	}
	// The default window is the last day: the demo's items are older.
	if r := mustRun(t, nil, "story", "unsure", "-config", cfg, "-json"); strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("story unsure within the last day of a demo dated days ago = %s; want []", r.stdout)
	}

	published := mustRun(t, nil, "story", "list", "-config", cfg, "-n", "1000", "-json").stdout
	r = mustRun(t, nil, "story", "dismiss", "-config", cfg, "-by", "anna", rferl, ap)
	if !strings.Contains(r.stdout, "dismissed stories "+rferl+" and "+ap) {
		t.Errorf("story dismiss output:\n%s", r.stdout)
	}
	after := unsurePairs(t, nil, cfg)
	if _, ok := findPair(after, ap, rferl); ok || len(after) != len(before)-1 {
		t.Errorf("after dismissing %s and %s, story unsure lists %d pairs (%d before): %+v; want that pair alone gone", rferl, ap, len(after), len(before), after)
	}
	if got := mustRun(t, nil, "story", "list", "-config", cfg, "-n", "1000", "-json").stdout; got != published {
		t.Errorf("dismissing changed the stories:\nbefore:\n%s\nafter:\n%s", published, got)
	}
	if r := mustRun(t, nil, "audit", "-config", cfg, "-json"); !strings.Contains(r.stdout, `"dismiss"`) || !strings.Contains(r.stdout, `"anna"`) {
		t.Errorf("the audit log lacks anna's dismissal:\n%s", r.stdout)
	}

	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"dismiss", ap, ap}, 1, "one story"},
		{[]string{"dismiss", ap, "nope/nope"}, 1, "story nope/nope: not found"},
		{[]string{"dismiss", ap}, 2, "dismiss needs two story ids"},
		{[]string{"unsure", "-floor", "1.5"}, 2, "-floor 1.5"},
		{[]string{"unsure", ap}, 2, "unsure takes no arguments"},
	} {
		r := runBin(t, nil, append(append([]string{"story"}, tt.args...), "-config", cfg)...)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("story %v: exit %d %q; want %d and %q", tt.args, r.code, r.stderr, tt.code, tt.want)
		}
	}
}

// TestStoryUnsureAndDismissThroughDaemon does the same beside `wiredesk
// serve`: through the admin endpoints, with the daemon's own index, and
// the dismissal outlives the daemon.
func TestStoryUnsureAndDismissThroughDaemon(t *testing.T) {
	addr, cfg, daemonEnv, env := tokenDemo(t, "desk-u5Tq")
	mustRun(t, env, "once", "-config", cfg, "-out", t.TempDir())
	local := mustRun(t, env, "story", "unsure", "-config", cfg, "-since", "0").stdout
	serve := startServeLogs(t, cfg, addr, daemonEnv)

	ap, _, rferl, _ := ngoStories(t, env, cfg)
	if _, ok := findPair(unsurePairs(t, env, cfg), ap, rferl); !ok {
		t.Fatalf("story unsure through the daemon does not list the NGO law pair %s, %s", ap, rferl)
	}
	if got := mustRun(t, env, "story", "unsure", "-config", cfg, "-since", "0").stdout; got != local {
		t.Errorf("story unsure differs with and without the daemon\nvia daemon:\n%s\nlocal:\n%s", got, local)
	}
	r := mustRun(t, env, "story", "dismiss", "-config", cfg, "-by", "boris", ap, rferl)
	if !strings.Contains(r.stdout, "dismissed stories "+ap+" and "+rferl) {
		t.Errorf("story dismiss through the daemon:\n%s", r.stdout)
	}
	if _, ok := findPair(unsurePairs(t, env, cfg), ap, rferl); ok {
		t.Errorf("story unsure through the daemon still lists %s and %s after the dismissal", ap, rferl)
	}
	viaDaemon := mustRun(t, env, "story", "unsure", "-config", cfg, "-since", "0").stdout
	_, metrics := httpGet(t, "http://"+addr+"/metrics")
	for _, path := range []string{`path="/admin/story/unsure"`, `path="/admin/story/dismiss"`} {
		if !strings.Contains(metrics, path) {
			t.Errorf("/metrics has no request count for %s", path)
		}
	}
	if _, err := serve.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("serve after SIGTERM: %v", err)
	}
	if got := mustRun(t, env, "story", "unsure", "-config", cfg, "-since", "0").stdout; got != viaDaemon {
		t.Errorf("after the daemon stopped, story unsure differs from the daemon's\nvia daemon:\n%s\nlocal:\n%s", viaDaemon, got)
	}
}
