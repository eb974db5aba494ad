package aggregator_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/aggregator"
	"github.com/wiredesk/wiredesk/aggregator/cluster"
	"github.com/wiredesk/wiredesk/aggregator/schedule"
)

// A 200 stores the validators; the next poll sends them and a 304 costs
// no parse and no item write, only the source state.
func TestPollConditionalGET(t *testing.T) {
	c := newClock()
	p, db := newPoller(t, c)
	store := &countingStore{Store: db}
	p.Store = store
	w := newWire(t)
	const lastMod = "Tue, 10 Jun 2025 11:00:00 GMT"
	body := rss("Wire", "", numbered(3, c.Now())...)
	w.handle("/feed", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("ETag", `"v1"`)
		rw.Header().Set("Last-Modified", lastMod)
		if r.Header.Get("If-None-Match") == `"v1"` && r.Header.Get("If-Modified-Since") == lastMod {
			rw.WriteHeader(http.StatusNotModified)
			return
		}
		rw.Write(body)
	})
	src := source("wire", w.URL+"/feed")

	first := mustPoll(t, p, src)
	if first.Outcome != aggregator.OutcomeOK || first.Status != 200 || first.New != 3 {
		t.Fatalf("first poll = %s status %d new %d; want ok 200 new 3", first.Outcome, first.Status, first.New)
	}
	st := state(t, db, "wire")
	if st.ETag != `"v1"` || st.LastModified != lastMod || st.State != wiredesk.StateOK {
		t.Fatalf("state after 200 = etag %q last-modified %q state %s; want %q, %q, ok", st.ETag, st.LastModified, st.State, `"v1"`, lastMod)
	}
	before := items(t, db, "wire")
	fetches, states := store.writes()
	if fetches != 1 || states != 0 {
		t.Errorf("200 poll wrote %d item batches and %d separate states; want one transaction (1 and 0)", fetches, states)
	}
	if !st.LastNewItem.Equal(c.Now()) {
		t.Errorf("LastNewItem = %v; want the poll time %v", st.LastNewItem, c.Now())
	}

	c.Advance(5 * time.Minute)
	second := mustPoll(t, p, src)
	if h := w.header("/feed"); h.Get("If-None-Match") != `"v1"` || h.Get("If-Modified-Since") != lastMod {
		t.Errorf("second request sent If-None-Match %q If-Modified-Since %q; want the stored validators", h.Get("If-None-Match"), h.Get("If-Modified-Since"))
	}
	if second.Outcome != aggregator.OutcomeNotModified || second.Status != 304 {
		t.Errorf("second poll = %s status %d; want not-modified 304", second.Outcome, second.Status)
	}
	if second.Items != 0 || second.Bytes != 0 || second.Encoding != "" || second.New != 0 {
		t.Errorf("304 poll parsed something: items %d bytes %d encoding %q new %d", second.Items, second.Bytes, second.Encoding, second.New)
	}
	f2, s2 := store.writes()
	if f2 != fetches || s2 != states+1 {
		t.Errorf("304 poll wrote %d item batches and %d states; want 0 and 1", f2-fetches, s2-states)
	}
	st = state(t, db, "wire")
	if st.State != wiredesk.StateNotModified || !st.LastSuccess.Equal(c.Now()) || st.ETag != `"v1"` || st.LastModified != lastMod {
		t.Errorf("state after 304 = %s, last success %v, etag %q, last-modified %q; want not-modified at %v with the validators kept",
			st.State, st.LastSuccess, st.ETag, st.LastModified, c.Now())
	}
	if want := c.Now().Add(5 * time.Minute); !st.NextDue.Equal(want) {
		t.Errorf("NextDue after 304 = %v; want %v", st.NextDue, want)
	}
	after := items(t, db, "wire")
	for title, it := range after {
		if b := before[title]; !it.Modified.Equal(b.Modified) || it.Hash != b.Hash {
			t.Errorf("item %q changed by a 304", title)
		}
	}
}

// 429 and 503 with Retry-After (seconds or an HTTP date) set the source's
// next attempt; a 429 also pauses the other sources of the host.
func TestPollRetryAfter(t *testing.T) {
	base := newClock().Now()
	date := base.Add(2 * time.Hour)
	tests := []struct {
		name       string
		code       int
		retryAfter string
		// want is the expected NextDue, or zero when it is "real now
		// + seconds" (checked against a range).
		want       time.Time
		seconds    time.Duration
		pausesHost bool
	}{
		{name: "429 seconds", code: 429, retryAfter: "3600", seconds: time.Hour, pausesHost: true},
		{name: "429 http date", code: 429, retryAfter: date.Format(http.TimeFormat), want: date, pausesHost: true},
		{name: "503 seconds", code: 503, retryAfter: "1800", seconds: 30 * time.Minute},
		{name: "503 http date", code: 503, retryAfter: date.Format(http.TimeFormat), want: date},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: base}
			p, db := newPoller(t, c)
			p.Hosts = schedule.NewHosts(2, 0)
			w := newWire(t)
			w.status("/limited", tt.code, "Retry-After", tt.retryAfter)
			w.feed("/other", "", rss("Other", "", numbered(1, base)...))
			limited, other := source("limited", w.URL+"/limited"), source("other", w.URL+"/other")

			realBefore := time.Now()
			res := mustPoll(t, p, limited)
			realAfter := time.Now()
			if res.Outcome != aggregator.OutcomeError || res.Status != tt.code {
				t.Fatalf("Poll = %s status %d; want error %d", res.Outcome, res.Status, tt.code)
			}
			st := state(t, db, "limited")
			if st.State != wiredesk.StateBackoff || st.LastStatus != tt.code || st.Failures != 1 {
				t.Errorf("state = %s status %d failures %d; want backoff %d 1", st.State, st.LastStatus, st.Failures, tt.code)
			}
			if !tt.want.IsZero() {
				if !st.NextDue.Equal(tt.want) {
					t.Errorf("NextDue = %v; want the Retry-After date %v", st.NextDue, tt.want)
				}
			} else if lo, hi := realBefore.Add(tt.seconds).Truncate(time.Second), realAfter.Add(tt.seconds); st.NextDue.Before(lo) || st.NextDue.After(hi) {
				t.Errorf("NextDue = %v; want Retry-After %v from the response, in [%v, %v]", st.NextDue, tt.seconds, lo, hi)
			}
			if !res.NextDue.Equal(st.NextDue) {
				t.Errorf("Result.NextDue = %v; want the stored %v", res.NextDue, st.NextDue)
			}

			// The other source of the host: waits while paused (here until
			// its context gives up), else is fetched.
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			ores, err := p.Poll(ctx, other)
			if tt.pausesHost {
				if !errors.Is(err, context.DeadlineExceeded) || w.hitsOf("/other") != 0 {
					t.Errorf("Poll of another source on the paused host = %s, %v after %d requests; want it waiting (deadline exceeded, no request)",
						ores.Outcome, err, w.hitsOf("/other"))
				}
				if st := state(t, db, "other"); st.State != wiredesk.StateNew {
					t.Errorf("state of the waiting source = %s; want untouched (new)", st.State)
				}
				return
			}
			if err != nil || ores.Outcome != aggregator.OutcomeOK {
				t.Errorf("Poll of another source on the host after a %d = %s, %v; want ok (a %d pauses only its source)", tt.code, ores.Outcome, err, tt.code)
			}
		})
	}
}

// Consecutive failures back off exponentially from the interval up to
// MaxBackoff; the first failure is "error", the next ones "backoff"; a
// success resets the count.
func TestPollBackoff(t *testing.T) {
	c := newClock()
	p, db := newPoller(t, c)
	p.Policy.MaxBackoff = 10 * time.Minute
	w := newWire(t)
	w.status("/feed", http.StatusInternalServerError)
	src := source("wire", w.URL+"/feed")
	src.Interval = time.Minute

	wants := []struct {
		delay time.Duration
		state wiredesk.State
	}{
		{time.Minute, wiredesk.StateError},
		{2 * time.Minute, wiredesk.StateBackoff},
		{4 * time.Minute, wiredesk.StateBackoff},
		{8 * time.Minute, wiredesk.StateBackoff},
		{10 * time.Minute, wiredesk.StateBackoff},
		{10 * time.Minute, wiredesk.StateBackoff},
	}
	for i, want := range wants {
		res := mustPoll(t, p, src)
		st := state(t, db, "wire")
		if res.Outcome != aggregator.OutcomeError || st.Failures != i+1 || st.State != want.state || st.LastStatus != 500 {
			t.Errorf("failure %d: outcome %s, failures %d, state %s, status %d; want error, %d, %s, 500",
				i+1, res.Outcome, st.Failures, st.State, st.LastStatus, i+1, want.state)
		}
		if got := st.NextDue.Sub(c.Now()); got != want.delay {
			t.Errorf("failure %d: next attempt in %v; want %v", i+1, got, want.delay)
		}
		if !strings.Contains(st.LastError, "500") {
			t.Errorf("failure %d: LastError = %q; want it to name the status", i+1, st.LastError)
		}
		c.Set(st.NextDue)
	}

	w.feed("/feed", "", rss("Wire", "", numbered(2, c.Now())...))
	res := mustPoll(t, p, src)
	st := state(t, db, "wire")
	if res.Outcome != aggregator.OutcomeOK || st.Failures != 0 || st.State != wiredesk.StateOK || st.LastError != "" {
		t.Errorf("after recovery: outcome %s, failures %d, state %s, last error %q; want ok, 0, ok, none", res.Outcome, st.Failures, st.State, st.LastError)
	}
	if got := st.NextDue.Sub(c.Now()); got != time.Minute {
		t.Errorf("after recovery: next poll in %v; want the interval 1m0s", got)
	}
}

// 410 Gone disables the source until its URL changes.
func TestPollGone(t *testing.T) {
	c := newClock()
	p, db := newPoller(t, c)
	w := newWire(t)
	w.status("/old", http.StatusGone)
	w.feed("/new", "", rss("Wire", "", numbered(2, c.Now())...))
	src := source("wire", w.URL+"/old")

	res := mustPoll(t, p, src)
	st := state(t, db, "wire")
	if res.Outcome != aggregator.OutcomeError || st.State != wiredesk.StateDisabled || st.GoneURL != src.URL || st.LastStatus != 410 {
		t.Fatalf("after 410: outcome %s, state %s, gone url %q, status %d; want error, disabled, %q, 410", res.Outcome, st.State, st.GoneURL, st.LastStatus, src.URL)
	}
	if !strings.Contains(st.LastError, "410") {
		t.Errorf("LastError = %q; want it to say 410", st.LastError)
	}

	for range 2 {
		c.Advance(24 * time.Hour)
		res = mustPoll(t, p, src)
		if res.Outcome != aggregator.OutcomeDisabled || res.Err == nil {
			t.Errorf("poll of a gone source = %s, %v; want disabled with an explanation", res.Outcome, res.Err)
		}
	}
	if n := w.hitsOf("/old"); n != 1 {
		t.Errorf("gone URL fetched %d times; want once", n)
	}

	src.URL = w.URL + "/new"
	res = mustPoll(t, p, src)
	st = state(t, db, "wire")
	if res.Outcome != aggregator.OutcomeOK || st.State != wiredesk.StateOK || st.GoneURL != "" || res.New != 2 {
		t.Errorf("after the URL changed: outcome %s, state %s, gone url %q, new %d; want ok, ok, none, 2", res.Outcome, st.State, st.GoneURL, res.New)
	}
}

// A permanent redirect is recorded in the state; the items are stored.
func TestPollMovedPermanently(t *testing.T) {
	c := newClock()
	p, db := newPoller(t, c)
	w := newWire(t)
	w.handle("/old", func(rw http.ResponseWriter, r *http.Request) {
		http.Redirect(rw, r, "/new", http.StatusMovedPermanently)
	})
	w.feed("/new", "", rss("Wire", "", numbered(2, c.Now())...))

	res := mustPoll(t, p, source("wire", w.URL+"/old"))
	st := state(t, db, "wire")
	if res.Outcome != aggregator.OutcomeOK || res.New != 2 {
		t.Errorf("Poll = %s new %d; want ok 2", res.Outcome, res.New)
	}
	if st.MovedTo != w.URL+"/new" {
		t.Errorf("MovedTo = %q; want %q", st.MovedTo, w.URL+"/new")
	}
}

// A truncated feed fails that poll only: stored items stay, the
// validators of the last good body stay (so the next poll refetches), and
// the error is recorded without secrets.
func TestPollBrokenFeed(t *testing.T) {
	c := newClock()
	p, db := newPoller(t, c)
	w := newWire(t)
	good := rss("Wire", "", numbered(3, c.Now())...)
	w.feed("/feed", `"good"`, good)
	src := source("wire", w.URL+"/feed?token=tok-SECRET-123")
	src.Username, src.Password = "desk", "pw-SECRET-456"
	src.Headers = map[string]wiredesk.Secret{"X-Api-Key": "hdr-SECRET-789"}
	mustPoll(t, p, src)
	before := items(t, db, "wire")

	w.feed("/feed", `"broken"`, good[:len(good)*2/3])
	c.Advance(5 * time.Minute)
	res := mustPoll(t, p, src)
	st := state(t, db, "wire")
	if res.Outcome != aggregator.OutcomeError || res.Err == nil || st.State != wiredesk.StateError || st.LastError == "" {
		t.Fatalf("broken poll = %s, %v, state %s, last error %q; want an error recorded", res.Outcome, res.Err, st.State, st.LastError)
	}
	for _, secret := range []string{"tok-SECRET-123", "pw-SECRET-456", "hdr-SECRET-789"} {
		if strings.Contains(st.LastError, secret) || strings.Contains(res.Err.Error(), secret) {
			t.Errorf("error shows secret %q: %q / %q", secret, st.LastError, res.Err)
		}
	}
	if st.ETag != `"good"` {
		t.Errorf("ETag after the broken body = %q; want the good body's %q", st.ETag, `"good"`)
	}
	after := items(t, db, "wire")
	if len(after) != len(before) {
		t.Errorf("items after the broken poll = %d; want %d", len(after), len(before))
	}
	for title, it := range before {
		if a, ok := after[title]; !ok || a.Hash != it.Hash {
			t.Errorf("item %q lost or changed by the broken poll", title)
		}
	}

	// The next poll does not present the broken body's ETag, so the
	// server sends the feed again in full.
	w.feed("/feed", `"fixed"`, rss("Wire", "", numbered(4, c.Now())...))
	c.Advance(5 * time.Minute)
	res = mustPoll(t, p, src)
	if got := w.header("/feed").Get("If-None-Match"); got != `"good"` {
		t.Errorf("If-None-Match after the broken poll = %q; want %q", got, `"good"`)
	}
	if res.Outcome != aggregator.OutcomeOK || res.New != 1 {
		t.Errorf("poll after the repair = %s new %d; want ok 1", res.Outcome, res.New)
	}
}

// An edited item is updated in place: same ID and FirstSeen; items that
// leave the feed stay.
func TestPollUpdateInPlace(t *testing.T) {
	c := newClock()
	t0 := c.Now()
	p, db := newPoller(t, c)
	w := newWire(t)
	feed := numbered(3, t0)
	w.feed("/feed", "", rss("Wire", "", feed...))
	src := source("wire", w.URL+"/feed")
	mustPoll(t, p, src)
	first := items(t, db, "wire")

	edited := feed[0]
	edited.Title = "Item 0 of the wire (updated)"
	edited.Desc = "Corrected body of item 0."
	fresh := entry{GUID: "urn:wire:new", Link: "https://wire.example/news/new", Title: "A new item", Date: t0.Format(time.RFC1123Z)}
	w.feed("/feed", "", rss("Wire", "", fresh, edited, feed[1])) // feed[2] left
	c.Advance(10 * time.Minute)
	res := mustPoll(t, p, src)
	if res.New != 1 || res.Updated != 1 {
		t.Errorf("second poll new %d updated %d; want 1 and 1", res.New, res.Updated)
	}

	got := items(t, db, "wire")
	if len(got) != 4 {
		t.Errorf("stored %d items; want 4 (3 first, 1 new, none removed)", len(got))
	}
	old, upd := first["Item 0 of the wire"], got[edited.Title]
	if upd.ID == "" || upd.ID != old.ID || !upd.FirstSeen.Equal(t0) || !upd.Modified.Equal(c.Now()) || upd.StoryID != old.StoryID {
		t.Errorf("edited item: id %q first seen %v modified %v story %q; want id %q first seen %v modified %v story %q",
			upd.ID, upd.FirstSeen, upd.Modified, upd.StoryID, old.ID, t0, c.Now(), old.StoryID)
	}
	if upd.Summary != "Corrected body of item 0." {
		t.Errorf("edited item summary = %q; want the corrected text", upd.Summary)
	}
	if _, ok := got["Item 2 of the wire"]; !ok {
		t.Error("item that left the feed was deleted; want it kept")
	}
	if _, ok := got["Item 0 of the wire"]; ok {
		t.Error("edited item stored twice (old title still present)")
	}
}

// A feed that gives every item the same GUID does not merge them, and a
// second poll recognises each one.
func TestPollReusedGUID(t *testing.T) {
	c := newClock()
	p, db := newPoller(t, c)
	w := newWire(t)
	feed := numbered(4, c.Now())
	for i := range feed {
		feed[i].GUID = "https://wire.example/rss"
	}
	w.feed("/feed", "", rss("Wire", "", feed...))
	src := source("wire", w.URL+"/feed")

	res := mustPoll(t, p, src)
	got := items(t, db, "wire")
	if res.New != 4 || len(got) != 4 {
		t.Fatalf("first poll new %d, stored %d; want 4 distinct items", res.New, len(got))
	}
	ids := map[string]bool{}
	for _, it := range got {
		ids[it.ID] = true
	}
	if len(ids) != 4 {
		t.Errorf("distinct ids = %d; want 4", len(ids))
	}
	c.Advance(5 * time.Minute)
	res = mustPoll(t, p, src)
	if res.New != 0 || res.Updated != 0 {
		t.Errorf("second poll of the same feed new %d updated %d; want 0 and 0", res.New, res.Updated)
	}
}

// A windows-1251 body whose charset is only in Content-Type, with MSK
// dates, is stored as correct UTF-8 with the right instant.
func TestPollWindows1251MSK(t *testing.T) {
	c := newClock()
	c.Set(time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC))
	p, db := newPoller(t, c)
	msk, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	const doc = `<?xml version="1.0"?>
<rss version="2.0"><channel><title>Лента новостей</title><link>https://wire.example/</link>
<item><guid>msk-1</guid><title>Правительство утвердило план на 2025 год</title>
<description>Документ подписал премьер-министр.</description>
<pubDate>Tue, 10 Jun 2025 14:03:00 MSK</pubDate></item>
<item><guid>msk-2</guid><title>Курс рубля на торгах в среду</title>
<pubDate>10 Jun 2025 09:15:00</pubDate></item>
</channel></rss>`
	body, err := charmap.Windows1251.NewEncoder().Bytes([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	w := newWire(t)
	w.handle("/feed", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/rss+xml; charset=windows-1251")
		rw.Write(body)
	})
	src := source("ria", w.URL+"/feed")
	src.Timezone = msk

	res := mustPoll(t, p, src)
	if res.Outcome != aggregator.OutcomeOK || res.New != 2 {
		t.Fatalf("Poll = %s new %d err %v; want ok 2", res.Outcome, res.New, res.Err)
	}
	got := items(t, db, "ria")
	tests := []struct {
		title string
		want  time.Time
	}{
		{"Правительство утвердило план на 2025 год", time.Date(2025, 6, 10, 11, 3, 0, 0, time.UTC)},
		{"Курс рубля на торгах в среду", time.Date(2025, 6, 10, 6, 15, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		it, ok := got[tt.title]
		if !ok {
			t.Errorf("no stored item titled %q; got %d items: %v", tt.title, len(got), keys(got))
			continue
		}
		if !it.Published.Equal(tt.want) || it.DateGuessed {
			t.Errorf("%q published %v (guessed %v); want %v", tt.title, it.Published.UTC(), it.DateGuessed, tt.want)
		}
	}
	if it := got["Правительство утвердило план на 2025 год"]; it.Summary != "Документ подписал премьер-министр." {
		t.Errorf("summary = %q; want the decoded Cyrillic text", it.Summary)
	}
	if st := state(t, db, "ria"); st.FeedTitle != "Лента новостей" || !strings.Contains(st.Encoding, "windows-1251") {
		t.Errorf("state feed title %q encoding %q; want %q from windows-1251", st.FeedTitle, st.Encoding, "Лента новостей")
	}
}

func keys(m map[string]wiredesk.Item) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// Two wires reporting the same event end in one story: the second wire's
// item joins the story of the first.
func TestPollClustersAcrossSources(t *testing.T) {
	c := newClock()
	now := c.Now()
	p, db := newPoller(t, c)
	p.Cluster = cluster.New(cluster.Options{})
	w := newWire(t)
	w.feed("/interfax", "", rss("Интерфакс", "<language>ru</language>",
		entry{
			GUID:  "interfax-1001",
			Link:  "https://www.interfax.ru/business/1001",
			Title: "Банк России сохранил ключевую ставку на уровне 21% годовых",
			Desc:  "Москва. 25 апреля. ИНТЕРФАКС - Совет директоров Банка России по итогам заседания в пятницу сохранил ключевую ставку на уровне 21% годовых, говорится в сообщении регулятора. Решение совпало с консенсус-прогнозом аналитиков.",
			Date:  now.Add(-20 * time.Minute).Format(time.RFC1123Z),
		}))
	w.feed("/tass", "", rss("ТАСС", "<language>ru</language>",
		entry{
			GUID:  "tass-2002",
			Link:  "https://tass.ru/ekonomika/2002",
			Title: "ЦБ РФ сохранил ключевую ставку на уровне 21%",
			Desc:  "МОСКВА, 25 апреля. /ТАСС/. Совет директоров Банка России сохранил ключевую ставку на уровне 21% годовых. Об этом говорится в сообщении регулятора по итогам заседания.",
			Date:  now.Add(-15 * time.Minute).Format(time.RFC1123Z),
		},
		entry{
			GUID:  "tass-2003",
			Link:  "https://tass.ru/kultura/2003",
			Title: "В Санкт-Петербурге открылся книжный салон",
			Desc:  "САНКТ-ПЕТЕРБУРГ, 25 апреля. /ТАСС/. Книжный салон на Дворцовой площади продлится четыре дня, на нем представят более 500 издательств.",
			Date:  now.Add(-10 * time.Minute).Format(time.RFC1123Z),
		}))
	interfax, tass := source("interfax", w.URL+"/interfax"), source("tass", w.URL+"/tass")
	interfax.Language, tass.Language = "ru", "ru"

	mustPoll(t, p, interfax)
	c.Advance(time.Minute)
	mustPoll(t, p, tass)

	first := items(t, db, "interfax")["Банк России сохранил ключевую ставку на уровне 21% годовых"]
	joined := items(t, db, "tass")["ЦБ РФ сохранил ключевую ставку на уровне 21%"]
	other := items(t, db, "tass")["В Санкт-Петербурге открылся книжный салон"]
	if first.StoryID == "" || joined.StoryID != first.StoryID {
		t.Fatalf("TASS item story %q; want the Interfax item's story %q", joined.StoryID, first.StoryID)
	}
	story, err := db.Story(context.Background(), first.StoryID)
	if err != nil {
		t.Fatal(err)
	}
	if got := story.SourceIDs(); len(got) != 2 || got[0] != "interfax" || got[1] != "tass" {
		t.Errorf("story sources = %v; want [interfax tass]", got)
	}
	if other.StoryID == first.StoryID || other.StoryID == "" {
		t.Errorf("unrelated TASS item story %q; want a story of its own", other.StoryID)
	}
}

// The feed's own interval hint (<ttl>, Cache-Control max-age) raises the
// configured interval, within MaxInterval; a body without it lowers it
// again.
func TestPollFeedIntervalHint(t *testing.T) {
	tests := []struct {
		name         string
		channelExtra string
		cacheControl string
		maxInterval  time.Duration
		want         time.Duration
	}{
		{name: "no hint", want: 5 * time.Minute},
		{name: "ttl above interval", channelExtra: "<ttl>60</ttl>", want: time.Hour},
		{name: "ttl capped by max interval", channelExtra: "<ttl>600</ttl>", maxInterval: 2 * time.Hour, want: 2 * time.Hour},
		{name: "ttl below interval", channelExtra: "<ttl>2</ttl>", want: 5 * time.Minute},
		{name: "max-age above interval", cacheControl: "max-age=1800", want: 30 * time.Minute},
		{name: "larger of ttl and max-age", channelExtra: "<ttl>20</ttl>", cacheControl: "max-age=1800", want: 30 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			p, db := newPoller(t, c)
			p.Policy.MaxInterval = tt.maxInterval
			w := newWire(t)
			body := rss("Wire", tt.channelExtra, numbered(1, c.Now())...)
			w.handle("/feed", func(rw http.ResponseWriter, r *http.Request) {
				if tt.cacheControl != "" {
					rw.Header().Set("Cache-Control", tt.cacheControl)
				}
				rw.Write(body)
			})
			src := source("wire", w.URL+"/feed")
			res := mustPoll(t, p, src)
			if got := res.NextDue.Sub(c.Now()); got != tt.want {
				t.Errorf("next poll in %v; want %v", got, tt.want)
			}

			// The wire drops its hints: the configured interval is back.
			w.feed("/feed", "", rss("Wire", "", numbered(1, c.Now())...))
			c.Set(res.NextDue)
			res = mustPoll(t, p, src)
			if got := res.NextDue.Sub(c.Now()); got != 5*time.Minute {
				t.Errorf("after the hint was dropped: next poll in %v; want 5m0s", got)
			}
			if st := state(t, db, "wire"); st.FeedInterval != 0 {
				t.Errorf("FeedInterval after the hint was dropped = %v; want 0", st.FeedInterval)
			}
		})
	}
}

// Storage failures are the returned error, not a source failure.
func TestPollStorageFailure(t *testing.T) {
	tests := []struct {
		name      string
		store     func(*countingStore)
		wantFetch int
	}{
		{name: "read state", store: func(s *countingStore) { s.failRead = errDisk }, wantFetch: 0},
		{name: "save fetch", store: func(s *countingStore) { s.failFetch = errDisk }, wantFetch: 1},
		{name: "save state after failure", store: func(s *countingStore) { s.failState = errDisk }, wantFetch: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			p, db := newPoller(t, c)
			store := &countingStore{Store: db}
			tt.store(store)
			p.Store = store
			w := newWire(t)
			if store.failState != nil {
				w.status("/feed", http.StatusBadGateway) // only the state is saved
			} else {
				w.feed("/feed", "", rss("Wire", "", numbered(2, c.Now())...))
			}
			_, err := p.Poll(context.Background(), source("wire", w.URL+"/feed"))
			if !errors.Is(err, errDisk) || !strings.Contains(err.Error(), "wire") {
				t.Errorf("Poll error = %v; want it to wrap %v and name the source", err, errDisk)
			}
			if n := w.hitsOf("/feed"); n != tt.wantFetch {
				t.Errorf("fetched %d times; want %d", n, tt.wantFetch)
			}
			if got := items(t, db, "wire"); len(got) != 0 {
				t.Errorf("stored %d items; want none", len(got))
			}
		})
	}
}

// Poll respects Hosts: a fetch in flight holds its host slot, so a second
// source of the host waits until it is done.
func TestPollHostSlot(t *testing.T) {
	c := newClock()
	p, _ := newPoller(t, c)
	p.Hosts = schedule.NewHosts(1, 0)
	a := newWire(t)
	a.feed("/1", "", rss("A", "", numbered(1, c.Now())...))
	a.feed("/2", "", rss("A", "", numbered(1, c.Now())...))
	hold := make(chan struct{})
	f := newCountingFetcher(p.Fetch)
	f.hold = func(ctx context.Context, url string, n int) {
		if url != a.URL+"/1" {
			return
		}
		select {
		case <-hold:
		case <-ctx.Done():
		}
	}
	p.Fetch = f

	done := make(chan error, 1)
	go func() {
		_, err := p.Poll(context.Background(), source("a1", a.URL+"/1"))
		done <- err
	}()
	eventually(t, "the first fetch", func() bool { n, _ := f.count(a.URL + "/1"); return n == 1 })

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := p.Poll(ctx, source("a2", a.URL+"/2")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second source of a busy host: %v; want it to wait until its context ends", err)
	}
	if n, _ := f.count(a.URL + "/2"); n != 0 {
		t.Errorf("second source fetched %d times while the host was busy; want 0", n)
	}
	close(hold)
	if err := <-done; err != nil {
		t.Errorf("first poll: %v", err)
	}
	if res, err := p.Poll(context.Background(), source("a2", a.URL+"/2")); err != nil || res.Outcome != aggregator.OutcomeOK {
		t.Errorf("second source after the host is free = %s, %v; want ok", res.Outcome, err)
	}
}
