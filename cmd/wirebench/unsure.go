package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/wiredesk/wiredesk/aggregator/cluster"
	"github.com/wiredesk/wiredesk/config"
	"github.com/wiredesk/wiredesk/desk"
	"github.com/wiredesk/wiredesk/internal/wiring"
	"github.com/wiredesk/wiredesk/storage"
)

// unsureResult is one listing of the unsure pairs, as the desk's board
// counts them on every page load and its Unsure page lists them.
type unsureResult struct {
	took  time.Duration
	pairs int
	cpu   time.Duration
}

// unsureLimit is the desk's Unsure page limit (desk/web), which the
// board's count asks for too.
const unsureLimit = 100

// measureUnsure lists the unsure pairs of the last day over the database
// the fresh pass filled, with the index that pass built (as the daemon
// keeps it): the cost the desk pays for its board's count and its Unsure
// page. The synthetic items are dated within the day before the wire's
// "now", so the whole database is that day.
func measureUnsure(ctx context.Context, cfg *config.Config, db *storage.DB, idx *cluster.Index, log *slog.Logger) (unsureResult, error) {
	s := wiring.Desk(cfg, db, idx, log)
	c0, t0 := cpuTime(), time.Now()
	vs, err := s.Unsure(ctx, desk.UnsureQuery{Since: t0.Add(-desk.DefaultUnsureSince), Floor: desk.DefaultUnsureFloor, Limit: unsureLimit})
	if err != nil {
		return unsureResult{}, err
	}
	return unsureResult{took: time.Since(t0), pairs: len(vs), cpu: cpuTime() - c0}, nil
}
