package main

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/aggregator"
	"github.com/wiredesk/wiredesk/alert"
	"github.com/wiredesk/wiredesk/storage"
)

// metrics holds the daemon's Prometheus collectors in its own registry (no
// global default registry).
type metrics struct {
	reg           *prometheus.Registry
	fetches       *prometheus.CounterVec
	fetchDuration *prometheus.HistogramVec
	bytes         *prometheus.CounterVec
	items         *prometheus.CounterVec
	lastSuccess   *prometheus.GaugeVec
	stories       *prometheus.CounterVec
	feedRenders   prometheus.Counter
	requests      *prometheus.CounterVec
	alerts        *prometheus.CounterVec
}

// observeAlert counts one alert delivery attempt.
func (m *metrics) observeAlert(channel string, o alert.Outcome) {
	m.alerts.WithLabelValues(channel, string(o)).Inc()
}

func newMetrics(db *storage.DB) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wiredesk_fetches_total", Help: "Polls per source by result (ok, not-modified, error, skipped, disabled).",
		}, []string{"source", "result"}),
		fetchDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "wiredesk_fetch_duration_seconds", Help: "Time to fetch, parse and store one source.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 10),
		}, []string{"source"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wiredesk_fetched_bytes_total", Help: "Feed body bytes fetched (after decompression).",
		}, []string{"source"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wiredesk_items_total", Help: "Items stored, by kind (new, updated).",
		}, []string{"source", "kind"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "wiredesk_source_last_success_timestamp_seconds", Help: "Unix time of the last successful poll (200 or 304).",
		}, []string{"source"}),
		stories: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wiredesk_stories_total", Help: "Stories started, and items that joined another wire's story.",
		}, []string{"kind"}),
		feedRenders: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wiredesk_feed_renders_total", Help: "Published feeds re-rendered because their content changed.",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wiredesk_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"path", "code"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wiredesk_alert_deliveries_total", Help: "Alert delivery attempts per channel by outcome (delivered, retried, dead).",
		}, []string{"channel", "outcome"}),
	}
	m.reg.MustRegister(m.fetches, m.fetchDuration, m.bytes, m.items, m.lastSuccess, m.stories, m.feedRenders, m.requests, m.alerts,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "wiredesk_database_size_bytes", Help: "Size of the bbolt database file.",
		}, func() float64 {
			n, err := db.Size()
			if err != nil {
				return 0
			}
			return float64(n)
		}))
	}
	return m
}

// seedLastSuccess starts the last-success gauge of each configured source
// from its stored state, so after a restart a wire that keeps failing still
// has a series for alerts to compare with time().
func (m *metrics) seedLastSuccess(sources []wiredesk.Source, states map[string]wiredesk.SourceState) {
	for _, src := range sources {
		if st, ok := states[src.ID]; ok && !st.LastSuccess.IsZero() {
			m.lastSuccess.WithLabelValues(src.ID).Set(float64(st.LastSuccess.Unix()))
		}
	}
}

// ObservePoll implements aggregator.Observer.
func (m *metrics) ObservePoll(src wiredesk.Source, r aggregator.Result) {
	m.fetches.WithLabelValues(src.ID, string(r.Outcome)).Inc()
	if r.Outcome == aggregator.OutcomeSkipped || r.Outcome == aggregator.OutcomeDisabled {
		return
	}
	m.fetchDuration.WithLabelValues(src.ID).Observe(r.Duration.Seconds())
	m.bytes.WithLabelValues(src.ID).Add(float64(r.Bytes))
	m.items.WithLabelValues(src.ID, "new").Add(float64(r.New))
	m.items.WithLabelValues(src.ID, "updated").Add(float64(r.Updated))
	if r.Outcome == aggregator.OutcomeOK || r.Outcome == aggregator.OutcomeNotModified {
		m.lastSuccess.WithLabelValues(src.ID).Set(float64(time.Now().Unix()))
	}
	for _, it := range r.NewItems {
		if it.StoryID == it.ID {
			m.stories.WithLabelValues("started").Inc()
		} else {
			m.stories.WithLabelValues("joined").Inc()
		}
	}
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// instrument counts requests by route (a bounded set of labels, never raw
// paths) and status code.
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, r)
		m.requests.WithLabelValues(route(r.URL.Path), strconv.Itoa(sw.code)).Inc()
	})
}

func route(p string) string {
	switch {
	case p == "/", p == "/status", p == "/metrics", p == "/healthz", p == "/feeds.opml", p == "/admin/poll-now", p == "/admin/backup":
		return p
	case p == "/admin/story/list", p == "/admin/story/why", p == "/admin/story/merge", p == "/admin/story/split",
		p == "/admin/story/unsure", p == "/admin/story/dismiss":
		return p
	case strings.HasPrefix(p, "/admin/story/"):
		return "/admin/story/{id}"
	case strings.HasPrefix(p, "/websub/"):
		return "/websub/{token}"
	case strings.HasPrefix(p, "/desk/static/"):
		return "/desk/static/"
	case strings.HasPrefix(p, "/desk/feeds/"):
		return "/desk/feeds/{slug}"
	case p == "/desk/", p == "/desk/board", p == "/desk/audit", p == "/desk/login", p == "/desk/logout",
		p == "/desk/merge", p == "/desk/split", p == "/desk/mark":
		return p
	case strings.HasPrefix(p, "/feeds/") && strings.Contains(p, "/archive/"):
		return "/feeds/{slug}/archive/{n}.atom"
	case strings.HasPrefix(p, "/feeds/"):
		for _, ext := range []string{".rss", ".atom", ".json", ".html"} {
			if strings.HasSuffix(p, ext) {
				return "/feeds/{slug}" + ext
			}
		}
	}
	return "other"
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
