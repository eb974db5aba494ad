package aggregator_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/aggregator"
	"github.com/wiredesk/wiredesk/aggregator/cluster"
	"github.com/wiredesk/wiredesk/storage"
)

// A cron pass gives the same stories whichever wire answers first (issue
// 10, "stable results"): the English report that bridges two Russian ones
// is matched in publication order, not in the order the wires answered.
// Each run starts from an empty database and makes a different wire the
// slow one, with and without a hundred and twenty other sources beside
// them (a desk of about a hundred outlets is one pass too).
func TestRunOnceStoriesIndependentOfAnswerOrder(t *testing.T) {
	for _, others := range []int{0, 120} {
		t.Run(fmt.Sprintf("%d other sources", others), func(t *testing.T) { testAnswerOrder(t, others) })
	}
}

func testAnswerOrder(t *testing.T, others int) {
	base := time.Date(2026, 11, 27, 8, 42, 0, 0, time.UTC)
	date := func(m int) string { return base.Add(time.Duration(m) * time.Minute).Format(time.RFC1123Z) }
	wires := map[string][]entry{
		"interfax": {
			{GUID: "if-1", Title: "Токаев подписал закон о ратификации соглашения с Киргизией о делимитации границы",
				Desc: "Президент Казахстана Касым-Жомарт Токаев подписал закон о ратификации договора с Киргизией о казахстанско-киргизской государственной границе.", Date: date(0)},
			{GUID: "if-2", Title: "В Москве ожидается снегопад и гололедица", Desc: "Синоптики прогнозируют до 10 сантиметров снега.", Date: date(5)},
		},
		"tass": {
			{GUID: "ts-1", Title: "Токаев ратифицировал соглашение о границе между Казахстаном и Киргизией",
				Desc: "Глава Казахстана Касым-Жомарт Токаев подписал закон о ратификации договора о государственной границе с Киргизией.", Date: date(16)},
			{GUID: "ts-2", Title: "Сборная России по хоккею обыграла Белоруссию", Desc: "Матч прошел в Санкт-Петербурге.", Date: date(20)},
		},
		"rferl": {
			{GUID: "rf-1", Title: "Kyrgyzstan, Kazakhstan Finalize Border Deal As Toqaev Signs Ratification Law",
				Desc: "Kazakh President Qasym-Zhomart Toqaev has signed a law ratifying the treaty on the state border with Kyrgyzstan.", Date: date(48)},
			{GUID: "rf-2", Title: "Armenia and Azerbaijan hold new round of peace talks", Desc: "Foreign ministers met in Washington.", Date: date(50)},
		},
	}
	ids := []string{"interfax", "tass", "rferl"}
	wireTitle := map[string]bool{}
	for _, es := range wires {
		for _, e := range es {
			wireTitle[e.Title] = true
		}
	}
	run := func(slow string) map[string]string {
		w := newWire(t)
		var sources []wiredesk.Source
		for i := range others {
			id := fmt.Sprintf("other%03d", i)
			body := rss(id, "", entry{GUID: id, Title: fmt.Sprintf("Local council %d approves its budget for the year", i),
				Desc: "The vote was unanimous.", Date: date(i % 60)})
			w.handle("/"+id, func(rw http.ResponseWriter, r *http.Request) { rw.Write(body) })
			sources = append(sources, source(id, w.URL+"/"+id))
		}
		for _, id := range ids {
			body := rss(id, "", wires[id]...)
			delay := time.Duration(0)
			if id == slow {
				delay = 300 * time.Millisecond
			}
			w.handle("/"+id, func(rw http.ResponseWriter, r *http.Request) {
				time.Sleep(delay)
				rw.Write(body)
			})
			src := source(id, w.URL+"/"+id)
			src.Language = map[string]string{"interfax": "ru", "tass": "ru", "rferl": "en"}[id]
			sources = append(sources, src)
		}
		p, db := newPoller(t, nil)
		p.Cluster = cluster.New(cluster.Options{})
		if _, err := p.RunOnce(context.Background(), sources, aggregator.OnceOptions{}); err != nil {
			t.Fatal(err)
		}
		list, err := db.Items(context.Background(), storage.ItemQuery{})
		if err != nil {
			t.Fatal(err)
		}
		story := map[string]string{} // title → story
		for _, it := range list {
			if wireTitle[it.Title] {
				story[it.Title] = it.StoryID
			}
		}
		return story
	}
	partition := func(story map[string]string) string {
		groups := map[string][]string{}
		for title, s := range story {
			groups[s] = append(groups[s], title[:min(len(title), 24)])
		}
		var out []string
		for s, g := range groups {
			slices.Sort(g)
			out = append(out, s+"="+strings.Join(g, "|"))
		}
		slices.Sort(out)
		return strings.Join(out, "\n")
	}
	first := run("interfax")
	treaty := first[wires["interfax"][0].Title]
	for _, e := range []entry{wires["tass"][0], wires["rferl"][0]} {
		if first[e.Title] != treaty {
			t.Fatalf("%q is in story %s; want the treaty's story %s:\n%s", e.Title, first[e.Title], treaty, partition(first))
		}
	}
	for _, slow := range []string{"tass", "rferl"} {
		if got, want := partition(run(slow)), partition(first); got != want {
			t.Errorf("with %s answering last the stories differ:\n%s\nwant\n%s", slow, got, want)
		}
	}
}
