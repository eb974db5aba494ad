package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// hostileTitle is a wire headline written to run script if a page ever
// treats it as markup.
const hostileTitle = `Kazakh <script>window.pwned=1</script><img src=x onerror="window.pwned=2"> headline`

// TestDeskInChromium drives Debian's Chromium against the built daemon:
// sign in, see the board, see a new story appear without a reload, merge
// two stories and see the published feed carry one, spike it from that
// feed and see it leave, see the merge in the audit log, sign out, and
// check that a hostile headline is shown as text and runs
// nothing, on the desk and on the public reading pages. It saves phone and
// desktop screenshots in $WIREDESK_SCREENSHOTS when set (else a temporary
// folder). It skips when no chromium is installed; CI installs it.
func TestDeskInChromium(t *testing.T) {
	ctx, do, eval, shot := chromium(t, 90*time.Second)

	addr := freeAddr(t)
	cfg := demoDir(t, addr)
	hostile := `  <entry>
    <id>tag:rferl.org,2025:hostile</id>
    <title>Kazakh &lt;script&gt;window.pwned=1&lt;/script&gt;&lt;img src=x onerror="window.pwned=2"&gt; headline</title>
    <link rel="alternate" href="https://www.rferl.org/a/hostile/1.html"/>
    <published>2026-11-27T10:30:00Z</published>
    <updated>2026-11-27T10:30:00Z</updated>
    <summary>Kazakh test item.</summary>
  </entry>
`
	insert(t, filepath.Join(filepath.Dir(cfg), "testdata", "demo", "rferl.central-asia.atom"), "  <entry>", hostile)
	mustRun(t, nil, "once", "-config", cfg, "-out", t.TempDir())
	mustRun(t, []string{"WIREDESK_PASSWORD=anna-password-1"}, "user", "add", "-config", cfg, "-role", "editor", "anna")
	sts := stories(t, nil, cfg)
	hostileStory, _ := find(t, sts, hostileTitle)
	rogun, _ := find(t, sts, rogunInterfax)
	startServeLogs(t, cfg, addr)
	base := "http://" + addr

	// notPwned checks that no hostile script or handler ran on this page.
	notPwned := func(page string) {
		t.Helper()
		if got := eval(`String(window.pwned)`); got != "undefined" {
			t.Errorf("%s: the hostile headline ran script (window.pwned = %s)", page, got)
		}
		if got := eval(`String(document.querySelectorAll('img[src="x"], script:not([src])').length)`); got != "0" {
			t.Errorf("%s: %s elements made from the hostile headline", page, got)
		}
	}

	// Sign in.
	do("sign in", signIn(base+"/desk/", "anna", "anna-password-1")...)
	if got := eval(`document.querySelector('.who').textContent`); got != "anna (editor)" {
		t.Errorf("signed in as %q; want anna (editor)", got)
	}
	if got := eval(`document.querySelector('[data-story="` + hostileStory + `"] h2').textContent`); !strings.Contains(got, "<script>window.pwned=1</script>") {
		t.Errorf("the hostile headline is not shown as text on the board: %q", got)
	}
	notPwned("board")
	shot("desk-board-desktop")
	do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Reload(), chromedp.WaitVisible("#board"))
	notPwned("board on a phone")
	shot("desk-board-phone")
	do("desktop viewport", chromedp.EmulateViewport(1280, 900), chromedp.Reload(), chromedp.WaitVisible("#board"))

	// A story that arrives while the board is open appears without a
	// reload: the page's script fetches the board again (every 15s, and
	// at once when the window gets the focus, which the test sends).
	const fresh = "Uzbek live desk test headline"
	eval(`window.notReloaded = "yes"`)
	insert(t, filepath.Join(filepath.Dir(cfg), "testdata", "demo", "rferl.central-asia.atom"), "  <entry>", `  <entry>
    <id>tag:rferl.org,2025:fresh</id>
    <title>`+fresh+`</title>
    <link rel="alternate" href="https://www.rferl.org/a/fresh/1.html"/>
    <published>2026-11-27T11:00:00Z</published>
    <updated>2026-11-27T11:00:00Z</updated>
  </entry>
`)
	mustRun(t, nil, "poll-now", "-config", cfg)
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`(window.dispatchEvent(new Event("focus")), document.getElementById("board").textContent.includes("`+fresh+`"))`,
		chromedp.WithPollingInterval(500*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		t.Fatalf("the new story did not appear on the open board: %v", err)
	}
	if got := eval(`String(window.notReloaded)`); got != "yes" {
		t.Errorf("the board was reloaded to show the new story (marker %q)", got)
	}

	// feedHas reports whether the published central-asia feed carries the
	// story id (its entries name their story in _wiredesk.story); waitFeed
	// polls it until it says want, as the daemon re-renders after a
	// decision.
	feedHas := func(story string) bool {
		t.Helper()
		resp, err := http.Get(base + "/feeds/central-asia.json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Contains(string(b), `/story/`+story+`"`)
	}
	waitFeed := func(what, story string, want bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for feedHas(story) != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: central-asia.json still %s story %s", what, map[bool]string{true: "lacks", false: "carries"}[want], story)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	waitFeed("before the merge", hostileStory, true)
	waitFeed("before the merge", rogun, true)

	// Merge the hostile story into the Rogun story by ticking both.
	eval(`document.querySelector('[data-story="` + hostileStory + `"] input[type=checkbox]').click(); ""`)
	eval(`document.querySelector('[data-story="` + rogun + `"] input[type=checkbox]').click(); ""`)
	do("merge", chromedp.Click("#merge"), chromedp.WaitVisible(".done"))
	if got := eval(`document.querySelector('.done').textContent`); got != "Stories merged." {
		t.Errorf("after merging the board says %q", got)
	}
	notPwned("board after the merge")
	// The published feed changes: one story, under the surviving id.
	survivor, gone := rogun, hostileStory
	if eval(`String(document.querySelector('[data-story="`+rogun+`"]') !== null)`) != "true" {
		survivor, gone = hostileStory, rogun
	}
	waitFeed("after the merge", gone, false)
	waitFeed("after the merge", survivor, true)

	// Spike the merged story from central-asia in the browser: it leaves
	// that feed.
	card := `[data-story="` + survivor + `"]`
	eval(`document.querySelector(".done").remove(); ""`) // so that waiting for .done waits for the spike's page
	do("spike",
		chromedp.Click(card+` details.actions summary`),
		chromedp.SetValue(card+` select[name=feed]`, "central-asia"),
		chromedp.Click(card+` button[value=spike]`),
		chromedp.WaitVisible(".done"))
	waitFeed("after the spike", survivor, false)

	// The audit log shows the merge.
	do("audit", chromedp.Navigate(base+"/desk/audit"), chromedp.WaitVisible("table.audit"))
	audit := eval(`document.querySelector('table.audit tbody').innerText`)
	if !strings.Contains(audit, "merge") || !strings.Contains(audit, "anna") {
		t.Errorf("the audit page lacks anna's merge:\n%s", audit)
	}
	shot("desk-audit-desktop")

	// The public reading pages show the hostile headline as text too.
	for _, path := range []string{"/", "/feeds/all-wires.html"} {
		do("reading page "+path, chromedp.Navigate(base+path), chromedp.WaitVisible("main"))
		if got := eval(`document.body.innerText`); !strings.Contains(got, "<script>window.pwned=1</script>") {
			t.Errorf("%s does not show the hostile headline as text", path)
		}
		notPwned(path)
	}
	shot("reading-page-desktop")
	do("reading page on a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Reload(), chromedp.WaitVisible("main"))
	if got := eval(`String(document.documentElement.scrollWidth <= window.innerWidth)`); got != "true" {
		t.Errorf("the reading page is wider than a phone's screen (scrollWidth %s, width %s)",
			eval(`String(document.documentElement.scrollWidth)`), eval(`String(window.innerWidth)`))
	}
	shot("reading-page-phone")
	do("desktop viewport", chromedp.EmulateViewport(1280, 900))

	// Sign out: the desk asks for a sign-in again.
	do("sign out", chromedp.Navigate(base+"/desk/"), chromedp.WaitVisible("#board"),
		chromedp.Click(".inline button"), chromedp.WaitVisible("#signin"))
}
