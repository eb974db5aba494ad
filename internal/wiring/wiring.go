// Package wiring builds wiredesk's parts from a loaded config: it is the
// one place that knows how config values become storage, aggregator and
// publisher options. cmd/wiredesk uses it for every command, and
// cmd/wirebench uses it so the benchmark measures exactly what `once` and
// `serve` run. It holds no logic of its own beyond that mapping.
package wiring

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/aggregator"
	"github.com/wiredesk/wiredesk/aggregator/cluster"
	"github.com/wiredesk/wiredesk/aggregator/fetch"
	"github.com/wiredesk/wiredesk/aggregator/schedule"
	"github.com/wiredesk/wiredesk/config"
	"github.com/wiredesk/wiredesk/desk"
	"github.com/wiredesk/wiredesk/desk/web"
	"github.com/wiredesk/wiredesk/publisher"
	"github.com/wiredesk/wiredesk/publisher/status"
	"github.com/wiredesk/wiredesk/storage"
)

// Interface guards: storage satisfies what the aggregator, publisher and
// status page declare they need, without any of them importing it.
var (
	_ aggregator.Store   = (*storage.DB)(nil)
	_ aggregator.Fetcher = (*fetch.Client)(nil)
	_ publisher.Reader   = StoryReader{}
	_ status.Reader      = StatusReader{}
	_ desk.Store         = DeskStore{}
	_ desk.Index         = DeskIndex{}
	_ desk.UserStore     = DeskUsers{}
	_ desk.MarkStore     = (*storage.DB)(nil)
	_ web.Sessions       = (*storage.DB)(nil)
	_ web.Desk           = (*desk.Service)(nil)
)

// OpenDB opens the configured database with the configured lock timeout.
// A command that writes creates the database's folder first, so that a
// fresh config pointing at /var/lib/wiredesk/wiredesk.db works on the first
// `once`; a read-only command never creates anything.
func OpenDB(cfg *config.Config, readOnly bool, command string) (*storage.DB, error) {
	if !readOnly {
		if err := os.MkdirAll(filepath.Dir(cfg.Storage.Path), 0o750); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	return storage.Open(cfg.Storage.Path, storage.Options{
		Timeout:  cfg.Storage.LockTimeout,
		ReadOnly: readOnly,
		Command:  command,
	})
}

// UserAgent is [poll] user_agent with "VERSION" replaced by version.
func UserAgent(cfg *config.Config, version string) string {
	return strings.ReplaceAll(cfg.Poll.UserAgent, "VERSION", version)
}

// fetchClient is the HTTP client every poll uses.
func fetchClient(cfg *config.Config, userAgent string) *fetch.Client {
	redirects := cfg.Poll.MaxRedirects
	if redirects == 0 {
		redirects = -1 // config: 0 follows none; fetch: 0 means its default
	}
	return fetch.New(fetch.Options{
		Timeout:      cfg.Poll.Timeout,
		MaxBody:      cfg.Poll.MaxBody,
		MaxRedirects: redirects,
		UserAgent:    userAgent,
	})
}

// Prober is a Poller for Probe only (`check -fetch`): the client, per-host
// limits and logger of every poll, and no database, so that checking a
// config touches no stored state.
func Prober(cfg *config.Config, log *slog.Logger, version string) *aggregator.Poller {
	return &aggregator.Poller{
		Fetch: fetchClient(cfg, UserAgent(cfg, version)),
		Hosts: schedule.NewHosts(cfg.Poll.PerHost, cfg.Poll.HostDelay),
		Log:   log,
	}
}

// Poller wires the aggregator for cfg, with a cluster index warmed from the
// stored items of the last window.
func Poller(ctx context.Context, cfg *config.Config, db *storage.DB, log *slog.Logger, version string) (*aggregator.Poller, error) {
	idx, err := Cluster(ctx, cfg, db)
	if err != nil {
		return nil, err
	}
	return &aggregator.Poller{
		Fetch:   fetchClient(cfg, UserAgent(cfg, version)),
		Store:   db,
		Cluster: idx,
		Policy: schedule.Policy{
			MinInterval: cfg.Poll.MinInterval,
			MaxInterval: cfg.Poll.MaxInterval,
			MaxBackoff:  cfg.Poll.MaxBackoff,
			Jitter:      schedule.DefaultJitter,
		},
		Hosts: schedule.NewHosts(cfg.Poll.PerHost, cfg.Poll.HostDelay),
		Log:   log,
		Limits: aggregator.Limits{
			MaxItems:   cfg.Poll.MaxItems,
			MaxTitle:   int(cfg.Poll.MaxTitle),
			MaxSummary: int(cfg.Poll.MaxSummary),
			MaxContent: int(cfg.Poll.MaxContent),
		},
	}, nil
}

// warmCluster indexes the items of the last window, oldest first and one at
// a time, so a restart does not forget which stories are open and a large
// window never needs every stored text in memory at once. Editors'
// decisions bind it: stored items already carry the story a merge or split
// gave them, and every item an editor split out is kept apart from the
// story it left.
func warmCluster(ctx context.Context, idx *cluster.Index, db *storage.DB, window time.Duration) error {
	err := db.EachItem(ctx, storage.ItemQuery{Since: time.Now().Add(-window)}, true, func(it wiredesk.Item) error {
		idx.Add(it)
		return nil
	})
	if err != nil {
		return fmt.Errorf("load recent items for clustering: %w", err)
	}
	decisions, err := db.Decisions(ctx)
	if err != nil {
		return fmt.Errorf("load editors' decisions for clustering: %w", err)
	}
	for _, d := range decisions {
		if d.Kind != wiredesk.DecisionSplit {
			continue
		}
		for _, id := range d.Items {
			idx.KeepApart(id, d.From)
		}
	}
	return nil
}

// Publisher wires the publisher for cfg.
func Publisher(cfg *config.Config, db *storage.DB, log *slog.Logger, version string) *publisher.Publisher {
	return publisher.New(StoryReader{db}, PublisherOptions(cfg, log, version))
}

// PublisherOptions maps cfg onto publisher.Options (also for a SIGHUP
// reload).
func PublisherOptions(cfg *config.Config, log *slog.Logger, version string) publisher.Options {
	return publisher.Options{
		BaseURL:          cfg.Server.BaseURL,
		Generator:        "wiredesk " + version,
		Title:            "wiredesk",
		Hub:              cfg.Publish.Hub,
		ArchivePeriod:    cfg.Publish.ArchivePeriod,
		DecisionElements: cfg.Publish.DecisionElements,
		Retention:        cfg.Storage.Retention,
		Sources:          cfg.Sources,
		Feeds:            cfg.Feeds,
		Log:              log,
	}
}

// StoryReader adapts *storage.DB to publisher.Reader.
type StoryReader struct{ DB *storage.DB }

// RecentStories returns the stories updated at or after since.
func (r StoryReader) RecentStories(ctx context.Context, since time.Time) ([]wiredesk.Story, error) {
	return r.DB.Stories(ctx, storage.StoryQuery{Since: since})
}

// SourceLinks returns the home link each source's feed gave, by source id.
func (r StoryReader) SourceLinks(ctx context.Context) (map[string]string, error) {
	states, err := r.DB.SourceStates(ctx)
	if err != nil {
		return nil, err
	}
	links := make(map[string]string, len(states))
	for id, st := range states {
		if st.FeedLink != "" {
			links[id] = st.FeedLink
		}
	}
	return links, nil
}

// StatusReader adapts *storage.DB to status.Reader.
type StatusReader struct{ DB *storage.DB }

// SourceStates returns every stored source state.
func (r StatusReader) SourceStates(ctx context.Context) (map[string]wiredesk.SourceState, error) {
	return r.DB.SourceStates(ctx)
}

// RecentItems returns the items first seen at or after since.
func (r StatusReader) RecentItems(ctx context.Context, since time.Time) ([]wiredesk.Item, error) {
	return r.DB.Items(ctx, storage.ItemQuery{Since: since})
}

// Cluster returns the cluster index for cfg, warmed from db as `serve` and
// `once` warm theirs (warmCluster).
func Cluster(ctx context.Context, cfg *config.Config, db *storage.DB) (*cluster.Index, error) {
	idx := cluster.New(cluster.Options{Window: cfg.Cluster.Window, Threshold: cfg.Cluster.Threshold})
	if err := warmCluster(ctx, idx, db, cfg.Cluster.Window); err != nil {
		return nil, err
	}
	return idx, nil
}

// Desk wires the editors' operations on db. idx is the cluster index that
// follows the decisions and explains pairs: the daemon's own, a freshly
// warmed one (`story why` without a daemon), or nil (merges and splits
// without a daemon, which the next start reads from db).
func Desk(cfg *config.Config, db *storage.DB, idx *cluster.Index, log *slog.Logger) *desk.Service {
	s := &desk.Service{Store: DeskStore{db}, Window: cfg.Cluster.Window, Log: log, Audit: DeskUsers{db}, Marks: db,
		Dismissals: DeskStore{db}}
	if idx != nil {
		s.Index = DeskIndex{idx}
	}
	return s
}

// DeskStore adapts *storage.DB to desk.Store.
type DeskStore struct{ *storage.DB }

// RecentStories returns at most limit stories updated at or after since.
func (s DeskStore) RecentStories(ctx context.Context, since time.Time, limit int) ([]wiredesk.Story, error) {
	return s.DB.Stories(ctx, storage.StoryQuery{Since: since, Limit: limit})
}

// DismissStories stores the dismissal and returns the pair as stored.
func (s DeskStore) DismissStories(ctx context.Context, a, b, by string) ([2]string, error) {
	d, err := s.DB.DismissStories(ctx, a, b, by)
	return [2]string{d.A, d.B}, err
}

// Users wires desk users and the audit log on db.
func Users(db *storage.DB) *desk.Users { return &desk.Users{Store: DeskUsers{db}} }

// DeskUsers adapts *storage.DB to desk.UserStore.
type DeskUsers struct{ *storage.DB }

// AddUser stores a new user; a taken name matches desk.ErrUserExists.
func (u DeskUsers) AddUser(ctx context.Context, usr wiredesk.User) error {
	err := u.DB.AddUser(ctx, usr)
	if errors.Is(err, storage.ErrExists) {
		return fmt.Errorf("user %s: %w", usr.Name, desk.ErrUserExists)
	}
	return err
}

// DeskIndex adapts *cluster.Index to desk.Index.
type DeskIndex struct{ *cluster.Index }

// Explain formats the index's evidence for the pair.
func (x DeskIndex) Explain(a, b wiredesk.Item) desk.Evidence {
	ev := x.Index.Explain(a, b)
	return desk.Evidence{Probability: ev.Probability, Threshold: ev.Threshold, SameWireMargin: ev.SameSourceMargin,
		Text: ev.String(), Shared: sharedWords(ev.Shared), OnlyA: texts(ev.OnlyA), OnlyB: texts(ev.OnlyB)}
}

// texts returns the words as written, in order.
func texts(ws []cluster.Word) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Text
	}
	return out
}

// sharedWords lists the words behind the shared keys, rarest first (by
// how many indexed items have the key; ties in the order the first item
// wrote them), each once: "Купянск / Kupyansk" when the two items wrote
// it differently.
func sharedWords(ws []cluster.SharedWord) []string {
	ws = slices.Clone(ws)
	slices.SortStableFunc(ws, func(a, b cluster.SharedWord) int { return cmp.Compare(a.DF, b.DF) })
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		s := w.A
		if !strings.EqualFold(w.A, w.B) {
			s += " / " + w.B
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Unsure converts the index's stories near an item.
func (x DeskIndex) Unsure(it wiredesk.Item, floor float64) []desk.Near {
	ns := x.Index.Unsure(it, floor)
	out := make([]desk.Near, len(ns))
	for i, n := range ns {
		out[i] = desk.Near{Story: n.Story, Probability: n.Probability}
	}
	return out
}
