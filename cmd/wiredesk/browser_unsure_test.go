package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// deskUnsureReports are two pairs of reports, RFE/RL's and AP's, that the
// matcher scores alike but below its threshold, so it keeps each pair
// apart: the first is about the same event (an editor merges it), the
// second too, but the test has the editor say it is two events. `story
// why` put them at 0.39 and 0.60 against 0.85 when the test was written;
// the test checks that the page lists them before it acts.
var deskUnsureReports = []struct{ rferl, rferlText, ap, apText string }{
	{"Turkmen Leader Opens New Airport In Ashgabat Suburb",
		"Turkmenistan's president has opened a new passenger terminal near the capital, Ashgabat, state media reported.",
		"Turkmenistan unveils bird-shaped air terminal",
		"ASHGABAT, Turkmenistan (AP) — Turkmenistan's leader inaugurated a new airport terminal built in the shape of a falcon on Tuesday."},
	{"Uzbekistan Raises Price Of Gas Exported To China",
		"Uzbekistan's state energy company says it will charge China more for natural gas from January, citing higher production costs.",
		"Tashkent lifts gas tariff for Beijing",
		"TASHKENT, Uzbekistan (AP) — Uzbekistan will raise the price of gas it sells to China next year, the energy ministry said."},
}

// addUnsurePairs adds deskUnsureReports to the demo's RFE/RL and AP feeds, dated
// hours before now (the Unsure page looks back from now), RFE/RL's an
// hour before AP's.
func addUnsurePairs(t *testing.T, cfg string) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	demo := filepath.Join(filepath.Dir(cfg), "testdata", "demo")
	for i, p := range deskUnsureReports {
		at := now.Add(-time.Duration(2+i) * time.Hour)
		insert(t, filepath.Join(demo, "rferl.central-asia.atom"), "  <entry>", fmt.Sprintf(`  <entry>
    <id>tag:rferl.org,2025:unsure-%d</id>
    <title>%s</title>
    <link rel="alternate" href="https://www.rferl.org/a/unsure/%d.html"/>
    <published>%s</published>
    <updated>%s</updated>
    <summary>%s</summary>
  </entry>
`, i, p.rferl, i, at.Add(-time.Hour).Format(time.RFC3339), at.Add(-time.Hour).Format(time.RFC3339), p.rferlText))
		insert(t, filepath.Join(demo, "apnews.asia.xml"), "    <item>", fmt.Sprintf(`    <item>
      <title>%s</title>
      <link>https://apnews.com/article/unsure-%d</link>
      <guid isPermaLink="false">ap-unsure-%d</guid>
      <pubDate>%s</pubDate>
      <description>%s</description>
    </item>
`, p.ap, i, i, at.Format(time.RFC1123Z), p.apText))
	}
}

// TestDeskUnsureInChromium drives Debian's Chromium against the built
// daemon: an editor finds the board saying that unsure pairs wait, opens
// the Unsure page from the menu, lists the last
// 6 hours from a floor of 0.2, opens the evidence of a pair (Why),
// presses "Not one event" on one pair and
// sees it leave the list, presses "Merge" on the other and sees the pair
// leave the list and the board show one story with both reports, and
// finds both decisions in the audit log. It saves desktop and phone screenshots as
// TestDeskInChromium does. It skips when no chromium is
// installed (CI installs it), or when the daemon answers that Unsure is
// not implemented yet.
func TestDeskUnsureInChromium(t *testing.T) {
	_, do, eval, shot := chromium(t, 90*time.Second)

	addr := freeAddr(t)
	cfg := demoDir(t, addr)
	addUnsurePairs(t, cfg)
	mustRun(t, nil, "once", "-config", cfg, "-out", t.TempDir())
	mustRun(t, []string{"WIREDESK_PASSWORD=anna-password-1"}, "user", "add", "-config", cfg, "-role", "editor", "anna")
	sts := stories(t, nil, cfg)
	type pair struct{ rferl, ap string }
	var pairs []pair
	for _, p := range deskUnsureReports {
		r, _ := find(t, sts, p.rferl)
		a, _ := find(t, sts, p.ap)
		if r == a {
			t.Fatalf("the matcher put %q and %q in one story; the test needs pairs it keeps apart", p.rferl, p.ap)
		}
		pairs = append(pairs, pair{r, a})
	}
	serve := startServeLogs(t, cfg, addr)
	base := "http://" + addr
	article := func(p pair) string {
		return `article.pair[data-pair~="` + p.rferl + `"][data-pair~="` + p.ap + `"]`
	}
	listed := func(p pair) bool {
		t.Helper()
		return eval(`String(document.querySelector('`+article(p)+`') !== null)`) == "true"
	}

	do("sign in", signIn(base+"/desk/", "anna", "anna-password-1")...)
	// The board says that pairs wait (one of the two scores above the
	// default floor of 0.5) and links them.
	if note := eval(`(document.querySelector('#unsure-note a[href="/desk/unsure"]') || {}).textContent || ""`); !strings.Contains(note, "of stories of the last day may each be one event") {
		t.Errorf("the board does not say that unsure pairs wait: %q", note)
	}
	// Each wait below is for an element only the next page has: the old
	// page's is removed or renamed first, or the wait would return at once
	// and the next step act on a page being replaced.
	eval(`document.querySelector("h1").remove(); ""`)
	do("open Unsure from the menu", chromedp.Click(`nav a[href="/desk/unsure"]`), chromedp.WaitVisible("h1"))
	if eval(`String(document.getElementById("unsure") === null)`) == "true" {
		problem := eval(`(document.querySelector(".problem") || document.body).textContent`)
		if strings.Contains(serve.logs.String(), "not implemented yet") {
			t.Skipf("the daemon's desk.Service.Unsure is not implemented yet (page: %q)", problem)
		}
		t.Fatalf("the Unsure page shows no list: %q", problem)
	}
	// The old page's list is renamed, so that waiting for #unsure waits
	// for the page the filter loads.
	eval(`document.getElementById("unsure").id = "unsure-before"; ""`)
	do("list 6 hours from 0.2",
		chromedp.SetValue(`select[name=since]`, "6h"),
		chromedp.SetValue(`input[name=floor]`, "0.2"),
		chromedp.Click(`form.filters button`),
		chromedp.WaitVisible("#unsure"),
	)
	if got := eval(`location.search`); got != "?since=6h&floor=0.2" {
		t.Errorf("the filter asked %q", got)
	}
	for i, p := range pairs {
		if !listed(p) {
			t.Fatalf("pair %d (%s, %s) is not listed:\n%s", i, p.rferl, p.ap, eval(`document.getElementById("unsure").innerText`))
		}
	}
	// Each pair says what its two closest items have in common, from the
	// index's evidence: both reports of the terminal say "airport".
	if shared := eval(`Array.from(document.querySelectorAll("#unsure .shared")).map(e => e.textContent).join("\n")`); !strings.Contains(shared, "In common: ") ||
		!strings.Contains(shared, "airport") {
		t.Errorf("the pairs' shared words %q; want a line naming the airport", shared)
	}
	// And where they differ: a title word of one report that the other
	// lacks.
	if only := eval(`Array.from(document.querySelectorAll("#unsure .only")).map(e => e.textContent).join("\n")`); !strings.Contains(only, "Only AP: ") ||
		!strings.Contains(only, " · only RFE/RL: ") {
		t.Errorf("the pairs' differing words %q; want lines naming AP and RFE/RL", only)
	}
	shot("desk-unsure-desktop")
	eval(`document.getElementById("unsure").id = "unsure-before"; ""`)
	do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Reload(), chromedp.WaitVisible("#unsure"))
	shot("desk-unsure-phone")
	eval(`document.getElementById("unsure").id = "unsure-before"; ""`)
	do("desktop viewport", chromedp.EmulateViewport(1280, 900), chromedp.Reload(), chromedp.WaitVisible("#unsure"))

	// Why: the evidence for the closest items, as `story why` prints it.
	do("why", chromedp.Click(article(pairs[1])+` a[href^="/desk/why?"]`), chromedp.WaitVisible("#why"))
	if why := eval(`document.getElementById("why").textContent`); !strings.Contains(why, deskUnsureReports[1].rferl) ||
		!strings.Contains(why, deskUnsureReports[1].ap) || !strings.Contains(why, "verdict: ") {
		t.Errorf("the Why page lacks the items or the verdict:\n%s", why)
	}
	do("back to the list", chromedp.Navigate(base+"/desk/unsure?since=6h&floor=0.2"), chromedp.WaitVisible("#unsure"))

	// Not one event: the pair leaves the list, the other stays.
	do("not one event", chromedp.Click(article(pairs[1])+` form.dismiss-pair button`), chromedp.WaitVisible(".done"))
	if got := eval(`document.querySelector('.done').textContent`); !strings.Contains(got, "two events") {
		t.Errorf("after dismissing the page says %q", got)
	}
	if got := eval(`location.search`); !strings.Contains(got, "since=6h") || !strings.Contains(got, "floor=0.2") {
		t.Errorf("after dismissing the page lost its filter: %q", got)
	}
	if listed(pairs[1]) {
		t.Error("the dismissed pair is still listed")
	}
	if !listed(pairs[0]) {
		t.Error("the other pair left the list too")
	}

	// Merge: back on the Unsure page without the pair; the board shows
	// one story with both reports.
	eval(`document.querySelector(".done").remove(); ""`) // so that waiting for .done waits for the next page
	do("merge", chromedp.Click(article(pairs[0])+` form.merge-pair button`), chromedp.WaitVisible(".done"))
	if got := eval(`document.querySelector('.done').textContent`); got != "Stories merged." {
		t.Errorf("after merging the page says %q", got)
	}
	if got := eval(`location.pathname`); got != "/desk/unsure" {
		t.Errorf("after merging the browser is at %s; want /desk/unsure", got)
	}
	if listed(pairs[0]) {
		t.Error("the merged pair is still listed")
	}
	do("board", chromedp.Navigate(base+"/desk/"), chromedp.WaitVisible("#board"))
	merged := ""
	for _, id := range []string{pairs[0].rferl, pairs[0].ap} {
		if eval(`String(document.querySelector('[data-story="`+id+`"]') !== null)`) == "true" {
			merged += id
		}
	}
	if merged != pairs[0].rferl && merged != pairs[0].ap {
		t.Fatalf("after the merge the board shows stories %q; want one of %s and %s", merged, pairs[0].rferl, pairs[0].ap)
	}
	card := eval(`document.querySelector('[data-story="` + merged + `"]').innerText`)
	if !strings.Contains(card, deskUnsureReports[0].rferl) || !strings.Contains(card, deskUnsureReports[0].ap) {
		t.Errorf("the merged story %s lacks a report:\n%s", merged, card)
	}

	// The audit log names both decisions and the editor.
	do("audit", chromedp.Navigate(base+"/desk/audit"), chromedp.WaitVisible("table.audit"))
	audit := eval(`document.querySelector('table.audit tbody').innerText`)
	for _, want := range []string{pairs[1].rferl, pairs[1].ap, "merge"} {
		if !strings.Contains(audit, want) {
			t.Errorf("the audit log lacks %q:\n%s", want, audit)
		}
	}
}
