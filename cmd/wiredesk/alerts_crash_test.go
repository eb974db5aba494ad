package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk/storage"
)

// alertReceiver is a webhook that counts, per idempotency key, the
// deliveries it received and the ones it acknowledged (answered 200).
// After ackFirst acknowledgements it holds every further request open,
// unacknowledged, until the client goes away or release is closed.
type alertReceiver struct {
	mu       sync.Mutex
	ackFirst int // -1: acknowledge everything
	received map[string]int
	acked    map[string]int
	hung     chan string   // keys of requests held open
	gone     chan string   // keys of held requests whose client went away
	release  chan struct{} // closed: acknowledge everything from now on
}

func newAlertReceiver(ackFirst int) *alertReceiver {
	return &alertReceiver{ackFirst: ackFirst, received: map[string]int{}, acked: map[string]int{},
		hung: make(chan string, 1000), gone: make(chan string, 1000), release: make(chan struct{})}
}

func (a *alertReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	// Read the body first: the server notices a client that went away
	// (cancelling r.Context) only once the body is consumed.
	io.Copy(io.Discard, r.Body)
	a.mu.Lock()
	a.received[key]++
	hold := a.ackFirst >= 0 && a.total() >= a.ackFirst
	a.mu.Unlock()
	if hold {
		select {
		case <-a.release:
		default:
			a.hung <- key
			select {
			case <-r.Context().Done(): // the client died: not acknowledged
				a.gone <- key
				return
			case <-a.release:
			}
		}
	}
	a.mu.Lock()
	a.acked[key]++
	a.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// total is the number of acknowledgements so far; a.mu is held.
func (a *alertReceiver) total() int {
	n := 0
	for _, c := range a.acked {
		n += c
	}
	return n
}

// alertFeeds writes two wires' RSS files: every event is a story, and the
// first six events are carried by both wires, so their stories alert once
// and then follow up once.
func alertFeeds(t *testing.T, dir string) {
	t.Helper()
	events := []string{
		"Токаев подписал указ о выборах в маслихаты",
		"Нацбанк Киргизии повысил учетную ставку до 11 процентов",
		"Минэнерго России сообщило о поставках газа в Узбекистан",
		"Рахмон встретился с послом Китая в Душанбе",
		"Сенат Казахстана одобрил закон о пенсионной реформе",
		"Мэрия Алма-Аты закрыла проспект Абая на ремонт",
		"В Бишкеке открылся форум по водным ресурсам",
		"Туркменистан увеличил экспорт хлопка в Турцию",
		"Парламент Узбекистана принял бюджет на 2027 год",
		"Росстат опубликовал данные о ценах на бензин",
	}
	base := time.Now().UTC().Add(-time.Hour)
	write := func(name string, titles []string) {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>` + name + `</title><link>https://` + name + `.example/</link><description>d</description>`)
		for i, title := range titles {
			fmt.Fprintf(&b, `<item><title>МОЛНИЯ %s</title><link>https://%s.example/%d</link><guid>%s-%d</guid><pubDate>%s</pubDate><description>%s.</description></item>`,
				title, name, i, name, i, base.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z), title)
		}
		b.WriteString("</channel></rss>\n")
		if err := os.WriteFile(filepath.Join(dir, name+".xml"), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("interfax", events)
	write("tass", events[:6])
}

// TestAlertsSurviveSIGKILL kills `wiredesk once` while it delivers: the
// alerts queued at the kill, the one in flight included, go out on the
// next run, and no alert the receiver acknowledged is sent to it again.
func TestAlertsSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the built binary")
	}
	const ackFirst = 4
	recv := newAlertReceiver(ackFirst)
	srv := httptest.NewServer(recv)
	defer srv.Close()
	defer func() {
		select {
		case <-recv.release:
		default:
			close(recv.release)
		}
	}()

	dir := t.TempDir()
	alertFeeds(t, dir)
	cfg := filepath.Join(dir, "wiredesk.toml")
	err := os.WriteFile(cfg, []byte(`[storage]
path = "wiredesk.db"

[publish]
out_dir = "public"

[[source]]
id = "interfax"
name = "Интерфакс"
url = "interfax.xml"

[[source]]
id = "tass"
name = "ТАСС"
url = "tass.xml"

[[feed]]
slug = "all"
title = "All"

[[channel]]
name = "hook"
type = "webhook"
url = "`+srv.URL+`/hook"
per_minute = 6000
burst = 100
timeout = "5m"
backoff = "100ms"

[[alert]]
name = "flash"
channels = ["hook"]
urgent = true
max_age = "0s"
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}

	// 1. Killed while the receiver holds a delivery open.
	run := startOnce(t, cfg)
	select {
	case key := <-recv.hung:
		t.Logf("killing with %s in flight", key)
	case err := <-run.done:
		t.Fatalf("once ended before the kill: %v\n%s", err, run.logs.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("no delivery was held open:\n%s", run.logs.String())
	}
	if run.kill(t) {
		t.Fatal("once finished although a delivery was held open")
	}
	// The held request must see its client gone before the receiver is
	// released, or it would count an acknowledgement nobody received.
	select {
	case <-recv.gone:
	case <-time.After(time.Minute):
		t.Fatal("the held request never saw the killed client go away")
	}
	dbPath := filepath.Join(dir, "wiredesk.db")
	queued, want := alertState(t, dbPath)
	if len(queued) == 0 {
		t.Fatal("nothing queued at the kill; the test proves nothing")
	}
	t.Logf("at the kill: %d acknowledged, %d queued, %d expected in all", ackFirst, len(queued), len(want))

	// 2. The next run delivers the rest.
	close(recv.release)
	res := runBin(t, nil, "once", "-config", cfg)
	if res.code != 0 {
		t.Fatalf("once after the kill: exit %d\n%s", res.code, res.stderr)
	}
	left, _ := alertState(t, dbPath)
	if len(left) != 0 {
		t.Errorf("outbox after the second run: %v; want empty", left)
	}
	recv.mu.Lock()
	defer recv.mu.Unlock()
	for _, key := range want {
		if n := recv.acked[key]; n != 1 {
			t.Errorf("alert %s acknowledged %d times; want exactly 1", key, n)
		}
	}
	for key, n := range recv.acked {
		if !contains(want, key) {
			t.Errorf("unexpected alert %s acknowledged %d times", key, n)
		}
	}
	for _, key := range queued {
		if recv.acked[key] != 1 {
			t.Errorf("alert %s, queued at the kill, was not delivered after restart", key)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// alertState returns the ids of the alerts in the outbox, and the ids of
// every alert the stored stories call for: one per wire of each story
// ("flash/hook/story/ID/N" for its N-th wire).
func alertState(t *testing.T, path string) (queued, want []string) {
	t.Helper()
	db, err := storage.Open(path, storage.Options{ReadOnly: true, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	outbox, dead, err := db.AlertLists(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) > 0 {
		t.Errorf("dead letters: %+v", dead)
	}
	for _, a := range outbox {
		queued = append(queued, a.ID)
	}
	stories, err := db.Stories(ctx, storage.StoryQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stories {
		for n := 1; n <= len(s.SourceIDs()); n++ {
			want = append(want, fmt.Sprintf("flash/hook/story/%s/%d", s.ID, n))
		}
	}
	return queued, want
}
