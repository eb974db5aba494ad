package storage_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/storage"
	"github.com/wiredesk/wiredesk/storage/storagetest"
)

// storyAlert is the alert an alert rule would return for a story with
// these wires.
func storyAlert(story, channel string, wires ...string) wiredesk.Alert {
	return wiredesk.Alert{
		ID:   "r/" + channel + "/" + story + "/" + string(rune('0'+len(wires))),
		Kind: wiredesk.AlertNew, Rule: "r", Channel: channel, Once: wiredesk.StoryOnce(story, "r", channel),
		StoryID: story, SourceID: wires[len(wires)-1], Wires: wires, Title: "МОЛНИЯ Заголовок",
	}
}

func pending(t *testing.T, db *storage.DB, channel string) []wiredesk.Alert {
	t.Helper()
	as, err := db.PendingAlerts(context.Background(), channel, 0)
	if err != nil {
		t.Fatalf("PendingAlerts(%s): %v", channel, err)
	}
	return as
}

// A story alerts once per Once key; a later alert of the same key is
// queued as an update only when the story has more wires.
func TestQueueAlertsOnce(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	steps := []struct {
		name  string
		alert wiredesk.Alert
		queue int
		kind  wiredesk.AlertKind
	}{
		{"first alert", storyAlert("s1", "hook", "interfax"), 1, wiredesk.AlertNew},
		{"same wires again", storyAlert("s1", "hook", "interfax"), 0, ""},
		{"second wire", storyAlert("s1", "hook", "interfax", "tass"), 1, wiredesk.AlertUpdate},
		{"second wire again", storyAlert("s1", "hook", "interfax", "tass"), 0, ""},
		{"other channel", storyAlert("s1", "mail", "interfax", "tass"), 1, wiredesk.AlertNew},
		{"no once key", wiredesk.Alert{ID: "t1", Kind: wiredesk.AlertTest, Channel: "hook"}, 1, wiredesk.AlertTest},
	}
	for _, s := range steps {
		n, err := db.QueueAlerts(ctx, []wiredesk.Alert{s.alert})
		if err != nil {
			t.Fatalf("%s: QueueAlerts: %v", s.name, err)
		}
		if n != s.queue {
			t.Errorf("%s: queued %d; want %d", s.name, n, s.queue)
		}
	}
	hook := pending(t, db, "hook")
	var kinds []wiredesk.AlertKind
	for _, a := range hook {
		kinds = append(kinds, a.Kind)
	}
	if want := []wiredesk.AlertKind{wiredesk.AlertNew, wiredesk.AlertUpdate, wiredesk.AlertTest}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("hook outbox kinds = %v; want %v (in queue order)", kinds, want)
	}
	if mail := pending(t, db, "mail"); len(mail) != 1 || mail[0].Kind != wiredesk.AlertNew {
		t.Errorf("mail outbox = %+v; want one new alert", mail)
	}
	if hook[0].Title != "МОЛНИЯ Заголовок" || hook[0].Queued.IsZero() || hook[0].Seq == 0 {
		t.Errorf("stored alert = %+v; want the title, a queue time and a sequence", hook[0])
	}
}

// Ack, retry and dead-letter move alerts as documented, and everything
// survives closing and reopening the file.
func TestOutboxLifecycle(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.QueueAlerts(ctx, []wiredesk.Alert{
		storyAlert("a", "hook", "interfax"), storyAlert("b", "hook", "tass"), storyAlert("c", "hook", "reuters"),
	}); err != nil {
		t.Fatal(err)
	}
	q := pending(t, db, "hook")
	if len(q) != 3 {
		t.Fatalf("outbox has %d alerts; want 3", len(q))
	}
	if err := db.AckAlert(ctx, q[0]); err != nil {
		t.Fatal(err)
	}
	if err := db.AckAlert(ctx, q[0]); err != nil {
		t.Errorf("second AckAlert = %v; want nil (acknowledged already)", err)
	}
	retry := q[1]
	retry.Attempts, retry.LastError, retry.NextAttempt = 1, "status 503", t0
	if err := db.RetryAlert(ctx, retry); err != nil {
		t.Fatal(err)
	}
	dead := q[2]
	dead.Attempts, dead.LastError = 8, "status 404"
	if err := db.DeadAlert(ctx, dead); err != nil {
		t.Fatal(err)
	}
	if err := db.RetryAlert(ctx, q[0]); err == nil {
		t.Error("RetryAlert of an acknowledged alert = nil; want an error")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	outbox, deadList, err := db.AlertLists(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(outbox) != 1 || outbox[0].ID != retry.ID || outbox[0].Attempts != 1 || !outbox[0].NextAttempt.Equal(t0) || outbox[0].LastError != "status 503" {
		t.Errorf("outbox after reopen = %+v; want the retried alert with its attempt recorded", outbox)
	}
	if len(deadList) != 1 || deadList[0].ID != dead.ID || deadList[0].LastError != "status 404" {
		t.Errorf("dead letters after reopen = %+v; want the dead alert", deadList)
	}
	if n, err := db.DeadAlertCount(ctx); err != nil || n != 1 {
		t.Errorf("DeadAlertCount = %d, %v; want 1", n, err)
	}
}

// SaveFetch queues an item's alerts in the transaction that stores the
// item, with the story's items; items stored before do not ask again.
func TestSaveFetchQueuesAlerts(t *testing.T) {
	db := storagetest.Open(t)
	var calls [][]string // per call: the story's item ids
	alerts := func(it wiredesk.Item, story []wiredesk.Item) []wiredesk.Alert {
		var ids, wires []string
		for _, s := range story {
			ids = append(ids, s.ID)
		}
		wires = wiredesk.Story{Items: story}.SourceIDs()
		calls = append(calls, ids)
		return []wiredesk.Alert{storyAlert(it.StoryID, "hook", wires...)}
	}
	first := item("interfax", 1, "h1")
	r := poll(t0, "interfax", first)
	r.Alerts = alerts
	st := mustSave(t, db, r)
	sid := st.NewItems[0].StoryID

	// TASS's item joins the story: one update. Re-polling Interfax stores
	// nothing new and asks for no alert.
	r = poll(t0.Add(time.Minute), "tass", item("tass", 1, "h2"))
	r.Alerts = alerts
	r.Assign = func(wiredesk.Item) string { return sid }
	mustSave(t, db, r)
	r = poll(t0.Add(2*time.Minute), "interfax", first)
	r.Alerts = alerts
	mustSave(t, db, r)

	if len(calls) != 2 || len(calls[0]) != 1 || len(calls[1]) != 2 {
		t.Errorf("Alerts called with stories %v; want one call of 1 item, then one of 2", calls)
	}
	q := pending(t, db, "hook")
	if len(q) != 2 || q[0].Kind != wiredesk.AlertNew || q[1].Kind != wiredesk.AlertUpdate || !reflect.DeepEqual(q[1].Wires, []string{"interfax", "tass"}) {
		t.Errorf("outbox = %+v; want a new alert, then an update with both wires", q)
	}
}

// A save that fails stores neither the item nor its alert.
func TestSaveFetchAlertsAtomic(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	r := poll(t0, "interfax", item("interfax", 1, "h1"), wiredesk.Item{SourceID: "interfax"}) // the second has no key
	r.Alerts = func(it wiredesk.Item, story []wiredesk.Item) []wiredesk.Alert {
		return []wiredesk.Alert{storyAlert(it.StoryID, "hook", "interfax")}
	}
	if _, err := db.SaveFetch(ctx, r); err == nil {
		t.Fatal("SaveFetch of an item without a key = nil error")
	}
	if q := pending(t, db, "hook"); len(q) != 0 {
		t.Errorf("outbox after a failed save = %+v; want empty", q)
	}
	if _, err := db.QueueAlerts(ctx, []wiredesk.Alert{{Channel: "hook"}}); err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("QueueAlerts of an alert without id = %v; want an error", err)
	}
}

// Retention forgets an alerted story's once-keys with the story: a story
// id seen again later alerts again instead of being taken for a repeat.
func TestPruneForgetsAlerted(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	r := poll(t0, "interfax", item("interfax", 1, "h1"))
	st := mustSave(t, db, r)
	sid := st.NewItems[0].StoryID
	if n, err := db.QueueAlerts(ctx, []wiredesk.Alert{storyAlert(sid, "hook", "interfax")}); err != nil || n != 1 {
		t.Fatalf("QueueAlerts = %d, %v", n, err)
	}
	if _, err := db.Prune(ctx, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, err := db.QueueAlerts(ctx, []wiredesk.Alert{storyAlert(sid, "hook", "interfax")}); err != nil || n != 1 {
		t.Errorf("QueueAlerts after the story was pruned = %d, %v; want 1 (its key forgotten)", n, err)
	}
}

// check -db decodes the outbox too: a damaged alert is reported.
func TestCheckFindsDamagedAlert(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.QueueAlerts(ctx, []wiredesk.Alert{storyAlert("a", "hook", "interfax")}); err != nil {
		t.Fatal(err)
	}
	if errs := db.Check(ctx); len(errs) != 0 {
		t.Fatalf("Check of a sound file: %v", errs)
	}
	db.Close()
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("alert_outbox"))
		k, _ := b.Cursor().First()
		return b.Put(k, []byte("{not json"))
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	db, err = storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	errs := db.Check(ctx)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "alert_outbox") {
		t.Errorf("Check = %v; want the damaged alert named", errs)
	}
}

// A story an editor spiked from every feed stops alerting: a wire joining
// it queues no update.
func TestSpikedStoryStopsAlerting(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	alerts := func(it wiredesk.Item, story []wiredesk.Item) []wiredesk.Alert {
		return []wiredesk.Alert{storyAlert(it.StoryID, "hook", wiredesk.Story{Items: story}.SourceIDs()...)}
	}
	r := poll(t0, "interfax", item("interfax", 1, "h1"))
	r.Alerts = alerts
	sid := mustSave(t, db, r).NewItems[0].StoryID
	if _, _, err := db.MarkStory(ctx, sid, func(m *wiredesk.StoryMarks) { m.SpikedAll = true }); err != nil {
		t.Fatal(err)
	}
	r = poll(t0.Add(time.Minute), "tass", item("tass", 1, "h2"))
	r.Alerts = alerts
	r.Assign = func(wiredesk.Item) string { return sid }
	mustSave(t, db, r)
	if q := pending(t, db, "hook"); len(q) != 1 || q[0].Kind != wiredesk.AlertNew {
		t.Errorf("outbox = %+v; want only the alert from before the spike", q)
	}
}
