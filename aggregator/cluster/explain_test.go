package cluster

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Explain names the same-source margin apart from the threshold, so that
// `story why` and `story unsure` can say why two items of one wire need
// more than the configured threshold.
func TestExplainSameSourceMargin(t *testing.T) {
	x := New(Options{Threshold: 0.7})
	a := wire("tass/2", "tass", "ru", "", time.Hour)
	tests := []struct {
		name          string
		other         string // the other item's source
		wantThreshold float64
		wantMargin    float64
		wantNeeds     string
	}{
		{"two wires", "interfax", 0.7, 0, "(needs 0.70: "},
		{"one wire", "tass", 0.7 + sameSourceMargin, sameSourceMargin,
			fmt.Sprintf("(needs %.2f, 0.70 plus %.2f for two items of one wire: ", 0.7+sameSourceMargin, sameSourceMargin)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := x.Explain(a, wire(tt.other+"/1", tt.other, "ru", "", 0))
			if ev.Threshold != tt.wantThreshold || ev.SameSourceMargin != tt.wantMargin {
				t.Errorf("threshold %v, margin %v; want %v, %v", ev.Threshold, ev.SameSourceMargin, tt.wantThreshold, tt.wantMargin)
			}
			if got := ev.String(); !strings.Contains(got, tt.wantNeeds) {
				t.Errorf("String() = %q; want it to contain %q", got, tt.wantNeeds)
			}
		})
	}
}
