package alert

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

var now = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

var testSources = []wiredesk.Source{
	{ID: "interfax", Name: "Интерфакс", Tags: []string{"wire", "russia"}, UrgentPrefixes: wiredesk.DefaultUrgentPrefixes()},
	{ID: "tass", Name: "ТАСС", Tags: []string{"wire", "russia"}, UrgentPrefixes: []string{"МОЛНИЯ"}},
	{ID: "reuters", Name: "Reuters", Tags: []string{"wire"}, UrgentCategories: []string{"Flash"}},
	{ID: "blog", Name: "Blog", UrgentPrefixes: nil},
}

func newsItem(src, id, title string, cats ...string) wiredesk.Item {
	return wiredesk.Item{ID: src + "/" + id, SourceID: src, StoryID: "story-1", Title: title, Categories: cats,
		Link: "https://example.org/" + id, Published: now.Add(-time.Minute), FirstSeen: now}
}

func mustEngine(t *testing.T, rules ...Rule) *Engine {
	t.Helper()
	e, err := NewEngine(rules, testSources, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestUrgent(t *testing.T) {
	for _, tt := range []struct {
		name string
		it   wiredesk.Item
		want bool
	}{
		{"cyrillic prefix", newsItem("interfax", "1", "МОЛНИЯ: Токаев подписал указ"), true},
		{"prefix ignores case", newsItem("interfax", "1", "молния Токаев подписал указ"), true},
		{"english prefix on the default list", newsItem("interfax", "1", "BREAKING: quake"), true},
		{"own list only", newsItem("tass", "1", "СРОЧНО Токаев"), false},
		{"prefix mid-title", newsItem("tass", "1", "Токаев: МОЛНИЯ"), false},
		{"category", newsItem("reuters", "1", "Quake hits", "flash"), true},
		{"no markers", newsItem("blog", "1", "BREAKING: nothing"), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := mustEngine(t)
			if got := Urgent(tt.it, e.source(tt.it.SourceID)); got != tt.want {
				t.Errorf("Urgent(%q from %s) = %v; want %v", tt.it.Title, tt.it.SourceID, got, tt.want)
			}
		})
	}
}

func TestItemAlerts(t *testing.T) {
	flash := Rule{Name: "flash", Channels: []string{"hook", "mail"}, Urgent: true, MaxAge: time.Hour}
	kz := Rule{Name: "kz", Channels: []string{"hook"}, Filter: Filter{Include: []string{"Казахстан*", "Kazakh*"}, Exclude: []string{"футбол*"}}}
	twoWires := Rule{Name: "two", Channels: []string{"hook"}, MinWires: 2}
	ruOnly := Rule{Name: "ru", Channels: []string{"hook"}, Filter: Filter{Tags: []string{"russia"}},
		Feeds: []Filter{{Include: []string{"указ"}}}}

	ifx := newsItem("interfax", "1", "МОЛНИЯ Токаев подписал указ о Казахстане")
	tass := newsItem("tass", "2", "Токаев подписал указ")
	reu := newsItem("reuters", "3", "Tokayev signs Kazakhstan decree")
	old := newsItem("interfax", "4", "МОЛНИЯ old news")
	old.Published = now.Add(-2 * time.Hour)
	foot := newsItem("interfax", "5", "Казахстан выиграл футбольный матч")

	type want struct{ rule, channel string }
	for _, tt := range []struct {
		name  string
		rules []Rule
		it    wiredesk.Item
		story []wiredesk.Item
		want  []want
	}{
		{"urgent to every channel", []Rule{flash}, ifx, nil, []want{{"flash", "hook"}, {"flash", "mail"}}},
		{"not urgent", []Rule{flash}, tass, nil, nil},
		{"older than max_age", []Rule{flash}, old, nil, nil},
		{"joins an urgent story: follow-up candidate", []Rule{flash}, tass, []wiredesk.Item{ifx, tass}, []want{{"flash", "hook"}, {"flash", "mail"}}},
		{"wildcard include across languages", []Rule{kz}, reu, nil, []want{{"kz", "hook"}}},
		{"exclude wins", []Rule{kz}, foot, nil, nil},
		{"one wire is not two", []Rule{twoWires}, ifx, nil, nil},
		{"two wires", []Rule{twoWires}, tass, []wiredesk.Item{ifx, tass}, []want{{"two", "hook"}}},
		{"same wire twice is one wire", []Rule{twoWires}, old, []wiredesk.Item{ifx, old}, nil},
		{"tag and feed filter", []Rule{ruOnly}, tass, nil, []want{{"ru", "hook"}}},
		{"tag filter leaves reuters out", []Rule{ruOnly}, reu, nil, nil},
		{"source_down rules ignore items", []Rule{{Name: "down", Channels: []string{"hook"}, SourceDown: true}}, ifx, nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := mustEngine(t, tt.rules...)
			var got []want
			for _, a := range e.ItemAlerts(tt.it, tt.story) {
				got = append(got, want{a.Rule, a.Channel})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ItemAlerts = %v; want %v", got, tt.want)
			}
		})
	}
}

// An alert names its story's lead, carries every wire and a key that is
// the same for every alert of the story, rule and channel; its id changes
// with the number of wires, so an update is a new delivery.
func TestItemAlertKeys(t *testing.T) {
	e := mustEngine(t, Rule{Name: "flash", Channels: []string{"hook"}, Urgent: true})
	ifx := newsItem("interfax", "1", "МОЛНИЯ Токаев подписал указ")
	tass := newsItem("tass", "2", "Токаев подписал указ")
	a1 := e.ItemAlerts(ifx, []wiredesk.Item{ifx})[0]
	a2 := e.ItemAlerts(tass, []wiredesk.Item{ifx, tass})[0]
	if a1.Once != a2.Once || a1.ID == a2.ID {
		t.Errorf("Once %q/%q, ID %q/%q; want one Once key and two ids", a1.Once, a2.Once, a1.ID, a2.ID)
	}
	if a2.Title != ifx.Title || a2.Link != ifx.Link || a2.Detail != tass.Title || a2.SourceID != "tass" || !reflect.DeepEqual(a2.Wires, []string{"interfax", "tass"}) {
		t.Errorf("follow-up = %+v; want the lead's headline, TASS's title as detail and both wires", a2)
	}
}

func TestQuietHours(t *testing.T) {
	msk, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	for _, tt := range []struct {
		name        string
		start, end  time.Duration
		at          time.Time
		wantAlerted bool
	}{
		{"inside across midnight", 23 * time.Hour, 7 * time.Hour, time.Date(2026, 11, 29, 1, 0, 0, 0, msk), false},
		{"before the end", 23 * time.Hour, 7 * time.Hour, time.Date(2026, 11, 29, 6, 59, 0, 0, msk), false},
		{"at the end", 23 * time.Hour, 7 * time.Hour, time.Date(2026, 11, 29, 7, 0, 0, 0, msk), true},
		{"daytime", 23 * time.Hour, 7 * time.Hour, time.Date(2026, 11, 29, 12, 0, 0, 0, msk), true},
		{"zone counts: 22:00 UTC is 01:00 MSK", 23 * time.Hour, 7 * time.Hour, time.Date(2026, 11, 29, 22, 0, 0, 0, time.UTC), false},
		{"same-day span", 12 * time.Hour, 14 * time.Hour, time.Date(2026, 11, 29, 13, 0, 0, 0, msk), false},
		{"no quiet hours", 0, 0, time.Date(2026, 11, 29, 3, 0, 0, 0, msk), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := Rule{Name: "r", Channels: []string{"hook"}, QuietStart: tt.start, QuietEnd: tt.end, Timezone: msk}
			e, err := NewEngine([]Rule{r}, testSources, func() time.Time { return tt.at })
			if err != nil {
				t.Fatal(err)
			}
			it := newsItem("interfax", "1", "x")
			it.Published = tt.at
			if got := len(e.ItemAlerts(it, nil)) > 0; got != tt.wantAlerted {
				t.Errorf("alerted at %s = %v; want %v", tt.at.In(msk).Format("15:04 MST"), got, tt.wantAlerted)
			}
		})
	}
}

func TestSourceAlerts(t *testing.T) {
	e := mustEngine(t,
		Rule{Name: "down", Channels: []string{"mail"}, SourceDown: true, Filter: Filter{Tags: []string{"russia"}}},
		Rule{Name: "items", Channels: []string{"hook"}},
	)
	since := now.Add(-time.Hour)
	problems := []Problem{
		{Source: testSources[0], Since: since, LastError: "status 503"},
		{Source: testSources[1], Silent: true, Since: since},
		{Source: testSources[2], Since: since}, // not tagged russia
	}
	got := e.SourceAlerts(problems)
	if len(got) != 2 || got[0].SourceID != "interfax" || got[0].Title != "failing" || got[1].SourceID != "tass" || got[1].Title != "silent" {
		t.Fatalf("SourceAlerts = %+v; want interfax failing and tass silent, through the source_down rule only", got)
	}
	later := e.SourceAlerts(problems[:1])[0]
	if later.Once != got[0].Once {
		t.Errorf("the same outage has keys %q and %q; want one", got[0].Once, later.Once)
	}
	problems[0].Since = now
	if next := e.SourceAlerts(problems[:1])[0]; next.Once == got[0].Once {
		t.Error("a new outage has the old one's key; it would never alert")
	}
}

func TestSample(t *testing.T) {
	e := mustEngine(t, Rule{Name: "flash", Channels: []string{"hook", "tg"}})
	got, ok := e.Sample("flash")
	if !ok || len(got) != 2 || got[0].Kind != wiredesk.AlertTest || got[1].Channel != "tg" || !strings.Contains(got[0].Title, "Тестовое") {
		t.Errorf("Sample(flash) = %+v, %v", got, ok)
	}
	if _, ok := e.Sample("nope"); ok {
		t.Error("Sample of an unknown rule is ok")
	}
}

func TestRender(t *testing.T) {
	names := map[string]string{"interfax": "Интерфакс", "tass": "ТАСС"}
	pub := time.Date(2026, 11, 29, 9, 4, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		a    wiredesk.Alert
		want string
	}{
		{"new", wiredesk.Alert{Kind: wiredesk.AlertNew, SourceID: "interfax", Wires: []string{"interfax"}, Title: "МОЛНИЯ Токаев\nподписал указ", Link: "https://e.org/1", Published: pub},
			"МОЛНИЯ Токаев подписал указ\nИнтерфакс · 2026-11-29 09:04 UTC\nhttps://e.org/1"},
		{"update", wiredesk.Alert{Kind: wiredesk.AlertUpdate, SourceID: "tass", Wires: []string{"interfax", "tass"}, Title: "МОЛНИЯ Токаев подписал указ", Detail: "Токаев подписал указ о выборах", Link: "https://e.org/1", Published: pub},
			"МОЛНИЯ Токаев подписал указ\nConfirmed by ТАСС (2 wires: Интерфакс, ТАСС)\nТАСС: Токаев подписал указ о выборах\nhttps://e.org/1"},
		{"failing source", wiredesk.Alert{Kind: wiredesk.AlertSource, SourceID: "tass", Title: "failing", Detail: "status 503", Published: pub},
			"Source ТАСС is failing\nFailing; last success 2026-11-29 09:04 UTC\nLast error: status 503"},
		{"silent source", wiredesk.Alert{Kind: wiredesk.AlertSource, SourceID: "reuters", Title: "silent", Published: pub},
			"Source reuters is silent\nNo new item since 2026-11-29 09:04 UTC"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Render(tt.a, names).Text(); got != tt.want {
				t.Errorf("Render().Text() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	long := strings.Repeat("ж", 1000)
	if got := []rune(Render(wiredesk.Alert{Title: long}, nil).Headline); len(got) != maxLine || got[len(got)-1] != '…' {
		t.Errorf("a long headline is cut to %d characters; want %d ending in …", len(got), maxLine)
	}
}

func TestBackoff(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want time.Duration
	}{{1, 5 * time.Second}, {2, 10 * time.Second}, {3, 20 * time.Second}, {20, time.Minute}} {
		if got := Backoff(5*time.Second, time.Minute, tt.n); got != tt.want {
			t.Errorf("Backoff(5s, 1m, %d) = %v; want %v", tt.n, got, tt.want)
		}
	}
}
