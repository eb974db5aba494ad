package cluster

import (
	"path/filepath"
	"testing"
)

// TestRealPrecision clusters the copied real sets with the shipped
// defaults, as `wiredesk once` does (items in publication order), and
// fails when pairwise precision falls below its floor. The floors of the
// tune sets and of testdata/events.txt are the targets; on the
// held-out sets Russian–English precision has the target too (0.909
// measured), while same-language precision keeps the 0.90 the shipped
// model measured when it was chosen (testdata/README.md), below the
// target of 0.95, as a guard against getting worse.
func TestRealPrecision(t *testing.T) {
	tests := []struct {
		name        string
		sets        []string
		minP, minXP float64
		minR, minXR float64 // 0: reported only
		realistic   bool
	}{
		{name: "tune", sets: tuneSets, minP: 0.90, minXP: 0.90},
		{name: "held-out", sets: heldOutSets, minP: 0.90, minXP: 0.90},
		{name: "realistic", realistic: true, minP: 0.98, minR: 0.90},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var total pairScore
			add := func(items []realItem) {
				story, _ := clusterReal(items, Options{})
				total.add(scoreReal(items, story, nil))
			}
			if tt.realistic {
				add(loadEventsSet(t))
			}
			for _, name := range tt.sets {
				items, err := loadRealSet(filepath.Join("testdata", "real", name))
				if err != nil {
					t.Fatal(err)
				}
				add(items)
			}
			t.Logf("%s: %v", tt.name, total)
			if total.precision() < tt.minP || total.xlPrecision() < tt.minXP {
				t.Errorf("precision %.3f (same language), %.3f (Russian–English); want at least %.2f, %.2f",
					total.precision(), total.xlPrecision(), tt.minP, tt.minXP)
			}
			if total.recall() < tt.minR || total.xlRecall() < tt.minXR {
				t.Errorf("recall %.3f (same language), %.3f (Russian–English); want at least %.2f, %.2f",
					total.recall(), total.xlRecall(), tt.minR, tt.minXR)
			}
		})
	}
}

// TestTGContestPairs scores the model on the held-out half of the labelled
// article pairs (pairs-tgcontest, every other pair; the tune half is in
// the fit) at the default threshold.
func TestTGContestPairs(t *testing.T) {
	var tp, fp, fn int
	for _, r := range tgRows(t, 1) {
		p := model.predict(r.f, r.cross) >= DefaultThreshold
		switch {
		case p && r.same:
			tp++
		case p:
			fp++
		case r.same:
			fn++
		}
	}
	t.Logf("held-out tgcontest pairs: precision %.3f recall %.3f (tp %d fp %d fn %d)", frac(tp, tp+fp), frac(tp, tp+fn), tp, fp, fn)
	if frac(tp, tp+fp) < 0.85 {
		t.Errorf("precision %.3f; want at least 0.85", frac(tp, tp+fp))
	}
}
