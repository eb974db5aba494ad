package cluster

import (
	"path/filepath"
	"testing"
)

func TestDiagPairs(t *testing.T) {
	sets := tuneSets
	if *evalDirs == "held" {
		sets = heldOutSets
	}
	var rows []row
	for _, name := range sets {
		items, err := loadRealSet(filepath.Join("testdata", "real", name))
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, pairRows(items)...)
	}
	for _, cross := range []bool{false, true} {
		for _, th := range []float64{0.3, 0.5, 0.7, 0.8, 0.9} {
			tp, fp, pos := 0, 0, 0
			for _, r := range rows {
				if r.cross != cross {
					continue
				}
				if r.same {
					pos++
				}
				if model.predict(r.f, r.cross) >= th {
					if r.same {
						tp++
					} else {
						fp++
					}
				}
			}
			t.Logf("cross=%v th=%.1f tp=%d fp=%d pos=%d P=%.2f R=%.2f", cross, th, tp, fp, pos, frac(tp, tp+fp), frac(tp, pos))
		}
	}
}

func TestDiagTG(t *testing.T) {
	pairs := loadTGPairs(t)
	x := New(Options{})
	for _, p := range pairs {
		a, b := p.a, p.b
		a.StoryID, b.StoryID = a.ID, b.ID
		x.Add(a)
		x.Add(b)
	}
	for _, th := range []float64{0.3, 0.5, 0.7, 0.8, 0.9} {
		tp, fp, pos := 0, 0, 0
		for _, p := range pairs {
			if p.same {
				pos++
			}
			if x.Explain(p.a, p.b).Probability >= th {
				if p.same {
					tp++
				} else {
					fp++
				}
			}
		}
		t.Logf("th=%.1f tp=%d fp=%d pos=%d P=%.2f R=%.2f", th, tp, fp, pos, frac(tp, tp+fp), frac(tp, pos))
	}
}
