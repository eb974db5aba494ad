package main

import (
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

func TestSourceSchedule(t *testing.T) {
	moscow, err := time.LoadLocation("Europe/Moscow") // +0300, no daylight saving
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	due := now.Add(4 * time.Minute)
	on := wiredesk.Source{ID: "a", URL: "https://x.example/rss", Enabled: true}
	off := on
	off.Enabled = false
	tests := []struct {
		name      string
		src       wiredesk.Source
		st        wiredesk.SourceState
		wantState string
		wantNext  string
	}{
		{"polled", on, wiredesk.SourceState{State: wiredesk.StateOK, NextDue: due}, "ok", "2026-11-29 15:04 (in 4m)"},
		{"disabled by config", off, wiredesk.SourceState{State: wiredesk.StateOK, NextDue: due}, "disabled (config)", "-"},
		{"410 at its url", on, wiredesk.SourceState{State: wiredesk.StateDisabled, GoneURL: on.URL, NextDue: due},
			"disabled (410 Gone; change its url to poll again)", "-"},
		{"410 at an old url: polled again", on, wiredesk.SourceState{State: wiredesk.StateDisabled, GoneURL: "https://x.example/old", NextDue: due},
			"disabled", "2026-11-29 15:04 (in 4m)"},
		{"never polled", on, wiredesk.SourceState{State: wiredesk.StateNew}, "new", "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, next := sourceSchedule(tt.src, tt.st, now, moscow)
			if state != tt.wantState || next != tt.wantNext {
				t.Errorf("sourceSchedule = %q, %q; want %q, %q", state, next, tt.wantState, tt.wantNext)
			}
		})
	}
}
