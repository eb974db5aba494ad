package wiring

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/aggregator/websub"
	"github.com/wiredesk/wiredesk/alert"
	"github.com/wiredesk/wiredesk/config"
	"github.com/wiredesk/wiredesk/publisher/status"
	"github.com/wiredesk/wiredesk/storage"
)

// The outbox of alerts lives in storage.
var _ alert.Outbox = (*storage.DB)(nil)

// AlertEngine builds the alert rules of cfg. A [[alert]] that names feeds
// matches through those feeds' own rules.
func AlertEngine(cfg *config.Config) (*alert.Engine, error) {
	rules := make([]alert.Rule, 0, len(cfg.Alerts))
	for _, a := range cfg.Alerts {
		r := alert.Rule{
			Name: a.Name, Channels: a.Channels,
			Filter:     alert.Filter{Sources: a.Sources, Tags: a.Tags, Include: a.Include, Exclude: a.Exclude},
			Urgent:     a.Urgent,
			MinWires:   a.MinWires,
			SourceDown: a.SourceDown,
			MaxAge:     a.MaxAge,
			QuietStart: a.QuietStart, QuietEnd: a.QuietEnd, Timezone: a.Timezone,
		}
		for _, f := range cfg.Feeds {
			if slices.Contains(a.Feeds, f.Slug) {
				r.Feeds = append(r.Feeds, alert.Filter{Sources: f.Sources, Tags: f.Tags, Include: f.Include, Exclude: f.Exclude, Languages: f.Languages})
			}
		}
		rules = append(rules, r)
	}
	e, err := alert.NewEngine(rules, cfg.Sources, nil)
	if err != nil {
		return nil, fmt.Errorf("alert rules: %w", err)
	}
	return e, nil
}

// SourceNames maps source ids to the names wires are credited with.
func SourceNames(cfg *config.Config) map[string]string {
	m := make(map[string]string, len(cfg.Sources))
	for _, s := range cfg.Sources {
		m[s.ID] = s.Name
	}
	return m
}

// AlertDeliverer wires the delivery of the outbox of db to the channels of
// cfg.
func AlertDeliverer(cfg *config.Config, db *storage.DB, log *slog.Logger) *alert.Deliverer {
	d := &alert.Deliverer{Outbox: db, Names: SourceNames(cfg), Log: log}
	for _, c := range cfg.Channels {
		d.Channels = append(d.Channels, alert.Channel{
			Name: c.Name, Sender: Sender(c),
			PerMinute: c.PerMinute, Burst: c.Burst, Timeout: c.Timeout,
			MaxAttempts: c.MaxAttempts, Backoff: c.Backoff, MaxBackoff: c.MaxBackoff,
		})
	}
	return d
}

// Sender is the sender of one configured channel.
func Sender(c config.Channel) alert.Sender {
	// Redirects are not followed: a webhook that moves should be
	// reconfigured, and a signed body must not be re-sent elsewhere.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	switch c.Type {
	case config.ChannelSlack:
		return &alert.Slack{Name: c.Name, URL: c.URL, Client: client}
	case config.ChannelTelegram:
		return &alert.Telegram{Name: c.Name, APIURL: c.APIURL, Token: c.Token, ChatID: c.ChatID, Client: client}
	case config.ChannelSMTP:
		return &alert.SMTP{Name: c.Name, Host: c.SMTPHost, Username: c.Username, Password: c.Password,
			From: c.From, To: c.To, StartTLS: c.StartTLS}
	default:
		return &alert.Webhook{Name: c.Name, URL: c.URL, Secret: c.Secret, Client: client}
	}
}

// SourceProblems returns the sources the status page shows as failing
// (error or backoff) or silent, which source_down rules alert on.
func SourceProblems(ctx context.Context, cfg *config.Config, db *storage.DB) ([]alert.Problem, error) {
	page := &status.Page{Reader: StatusReader{DB: db}, Sources: func() []wiredesk.Source { return cfg.Sources }}
	v, err := page.Build(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]wiredesk.Source, len(cfg.Sources))
	for _, s := range cfg.Sources {
		byID[s.ID] = s
	}
	var out []alert.Problem
	for _, r := range v.Rows {
		src, ok := byID[r.ID]
		if !ok || !src.Enabled {
			continue
		}
		switch {
		case r.State == wiredesk.StateError || r.State == wiredesk.StateBackoff:
			out = append(out, alert.Problem{Source: src, Since: r.LastSuccess, LastError: r.LastError})
		case r.Silent:
			out = append(out, alert.Problem{Source: src, Silent: true, Since: r.LastItem})
		}
	}
	return out, nil
}

// QueueSourceAlerts queues the source_down alerts of engine for the
// sources failing or silent now; it returns how many it queued.
func QueueSourceAlerts(ctx context.Context, cfg *config.Config, db *storage.DB, engine *alert.Engine) (int, error) {
	if !engine.HasSourceRules() {
		return 0, nil // the status page reads a week of items: only when needed
	}
	problems, err := SourceProblems(ctx, cfg, db)
	if err != nil {
		return 0, fmt.Errorf("source alerts: %w", err)
	}
	alerts := engine.SourceAlerts(problems)
	if len(alerts) == 0 {
		return 0, nil
	}
	return db.QueueAlerts(ctx, alerts)
}

// DeadAlerts lists the dead letters of db's outbox, for /status.
func DeadAlerts(db *storage.DB) func(ctx context.Context) ([]wiredesk.Alert, error) {
	return func(ctx context.Context) ([]wiredesk.Alert, error) {
		_, dead, err := db.AlertLists(ctx)
		return dead, err
	}
}

// OnceAlertWait is how long `wiredesk once` waits for its channels to take
// what it queued before it exits (the rest is delivered by the next run).
const OnceAlertWait = 30 * time.Second

// WebSub is the daemon's WebSub subscriber: hubs call back under
// [server] base_url + "/websub/", and a verified notification calls onPush
// with the source's id.
func WebSub(cfg *config.Config, log *slog.Logger, onPush func(sourceID string)) *websub.Subscriber {
	return &websub.Subscriber{
		Client:   &http.Client{Timeout: cfg.Poll.Timeout},
		Callback: cfg.Server.BaseURL + "/websub/",
		OnPush:   onPush,
		Log:      log,
	}
}

// EnsureSubscriptions subscribes every enabled urgent source whose feed
// advertised a WebSub hub (stored with its state by the last full poll),
// and renews leases near their end. The topic is the feed's rel="self";
// a feed without one is not subscribed (the polled URL may be a private
// endpoint and is never sent to a hub).
func EnsureSubscriptions(ctx context.Context, cfg *config.Config, db *storage.DB, sub *websub.Subscriber) error {
	var urgent []wiredesk.Source
	for _, s := range cfg.Sources {
		if s.Urgent && s.Enabled {
			urgent = append(urgent, s)
		}
	}
	if len(urgent) == 0 {
		return nil
	}
	states, err := db.SourceStates(ctx)
	if err != nil {
		return fmt.Errorf("websub: source states: %w", err)
	}
	var errs []error
	for _, s := range urgent {
		st := states[s.ID]
		if st.Hub == "" || st.Self == "" {
			continue
		}
		if err := sub.Ensure(ctx, s.ID, st.Hub, st.Self); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
