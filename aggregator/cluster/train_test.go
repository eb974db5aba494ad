package cluster

import (
	"bytes"
	"flag"
	"fmt"
	"github.com/wiredesk/wiredesk"
	"go/format"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

var train = flag.Bool("train", false, "retrain model.go on the tune sets of testdata/real (TestTrainModel)")

// tuneSets are the real sets the model and the threshold are fitted on;
// heldOutSets were looked at by no choice and only report the result
// (testdata/README.md).
var (
	tuneSets    = []string{"day-2025-11-06", "day-2025-11-07", "newsag-2021-05-09"}
	heldOutSets = []string{"day-2025-11-10", "day-2025-11-13", "newsag-2021-05-10"}
)

// A row is one candidate pair seen while clustering a set online: its
// features and whether the two items are one labelled event.
type row struct {
	f     [nFeatures]float64
	cross bool
	same  bool
}

// pairRows runs a set through an Index in publication order and returns a
// row for every candidate pair of items from different sources, with the
// features Match would have computed at that moment.
func pairRows(items []realItem) []row {
	x := New(Options{})
	event := map[uint64]string{}
	var rows []row
	for _, it := range byTime(items) {
		ks := keys(it.Title, it.Summary, x.lx)
		q := query{keys: ks, unix: unixOf(it.Item), item: hash64(it.ID)}
		x.mu.RLock()
		q.source, q.lang = x.lookup(it.SourceID), x.lookup(itemLanguage(it.Item))
		x.prepare(&q)
		for _, c := range x.candidates(&q) {
			e := &x.entries[c]
			if e.source == q.source {
				continue
			}
			f, cross := x.pairFeatures(&q, e)
			rows = append(rows, row{f: f, cross: cross, same: event[e.id] == it.Event})
		}
		x.mu.RUnlock()
		event[hash64(it.ID)] = it.Event
		it.StoryID = it.Event
		x.Add(it.Item)
	}
	return rows
}

// tgPair is one labelled pair of testdata/real/pairs-tgcontest.
type tgPair struct {
	same bool
	a, b wiredesk.Item
}

func loadTGPairs(t testing.TB) []tgPair {
	rows, err := readTSV("testdata/real/pairs-tgcontest/pairs.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var out []tgPair
	for _, r := range rows {
		lang := r["language"]
		out = append(out, tgPair{
			same: r["label"] == "same",
			a:    wiredesk.Item{ID: r["pair"] + "/a", SourceID: "a", Language: lang, Title: r["title_a"], Summary: r["lead_a"], Published: t0},
			b:    wiredesk.Item{ID: r["pair"] + "/b", SourceID: "b", Language: lang, Title: r["title_b"], Summary: r["lead_b"], Published: t0},
		})
	}
	return out
}

// tgRows returns a row for every tgcontest pair whose index has parity
// half (0: the tune half, 1: held out), with document frequencies from all
// the pairs' texts. The pairs have no times: hours is 0.
func tgRows(t testing.TB, half int) []row {
	pairs := loadTGPairs(t)
	x := New(Options{})
	for _, p := range pairs {
		a, b := p.a, p.b
		a.StoryID, b.StoryID = a.ID, b.ID
		x.Add(a)
		x.Add(b)
	}
	var rows []row
	for i, p := range pairs {
		if i%2 != half {
			continue
		}
		ka, kb := keys(p.a.Title, p.a.Summary, x.lx), keys(p.b.Title, p.b.Summary, x.lx)
		x.mu.RLock()
		q := query{keys: ka, unix: unixOf(p.a), source: x.lookup(p.a.SourceID), lang: x.lookup(itemLanguage(p.a))}
		e := entry{unix: unixOf(p.b), source: x.lookup(p.b.SourceID), lang: x.lookup(itemLanguage(p.b)), n: uint16(len(kb))}
		f, cross := x.pairFeaturesKeys(&q, &e, kb)
		x.mu.RUnlock()
		rows = append(rows, row{f: f, cross: cross, same: p.same})
	}
	return rows
}

// fitLogistic fits weights (intercept last) by Newton's method with an L2
// penalty lambda on the weights but not the intercept.
func fitLogistic(rows []row, lambda float64) [nFeatures + 1]float64 {
	const n = nFeatures + 1
	var w [n]float64
	for iter := 0; iter < 50; iter++ {
		var grad [n]float64
		var hess [n][n]float64
		for _, r := range rows {
			var x [n]float64
			copy(x[:], r.f[:])
			x[nFeatures] = 1
			z := 0.0
			for i := range x {
				if i < nFeatures && fixedWeights[i] != 0 {
					z += fixedWeights[i] * x[i]
					x[i] = 0 // not fitted
					continue
				}
				z += w[i] * x[i]
			}
			p := 1 / (1 + math.Exp(-z))
			y := 0.0
			if r.same {
				y = 1
			}
			for i := range x {
				grad[i] += (p - y) * x[i]
				for j := range x {
					hess[i][j] += p * (1 - p) * x[i] * x[j]
				}
			}
		}
		for i := range nFeatures {
			grad[i] += lambda * w[i]
			hess[i][i] += lambda
		}
		hess[nFeatures][nFeatures] += 1e-9
		step := solve(hess, grad)
		change := 0.0
		for i := range w {
			w[i] -= step[i]
			change = max(change, math.Abs(step[i]))
		}
		if change < 1e-9 {
			break
		}
	}
	return w
}

// solve returns the solution of a·x = b by Gaussian elimination with
// partial pivoting.
func solve(a [nFeatures + 1][nFeatures + 1]float64, b [nFeatures + 1]float64) [nFeatures + 1]float64 {
	const n = nFeatures + 1
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		b[c], b[p] = b[p], b[c]
		if a[c][c] == 0 {
			continue
		}
		for r := c + 1; r < n; r++ {
			k := a[r][c] / a[c][c]
			for j := c; j < n; j++ {
				a[r][j] -= k * a[c][j]
			}
			b[r] -= k * b[c]
		}
	}
	var x [n]float64
	for c := n - 1; c >= 0; c-- {
		if a[c][c] == 0 {
			continue
		}
		s := b[c]
		for j := c + 1; j < n; j++ {
			s -= a[c][j] * x[j]
		}
		x[c] = s / a[c][c]
	}
	return x
}

// modelLambda is the L2 penalty of the fit: strong enough that weights
// stay small and no feature is trusted on a handful of pairs.
const modelLambda = 1.0

// TestTrainModel refits the model on the tune sets and checks that
// model.go holds the result, so the shipped weights are reproducible:
//
//	go test ./aggregator/cluster -run TestTrainModel -train   # rewrite model.go
func TestTrainModel(t *testing.T) {
	same, cross := trainRows(t, tuneSets)
	got := logistic{same: fitLogistic(same, modelLambda), cross: fitLogistic(cross, modelLambda)}
	src := modelSource(got, len(same), len(cross), countSame(same), countSame(cross))
	if *train {
		if err := os.WriteFile("model.go", src, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile("model.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, src) {
		t.Errorf("model.go is not what the tune sets train; run go test ./aggregator/cluster -run TestTrainModel -train (make cluster-model) and review the diff")
	}
}

// trainRows returns the candidate pairs the model is fitted on — those of
// the named real sets and of the tune half of the tgcontest pairs — split
// into one-language and two-language rows.
func trainRows(t testing.TB, sets []string) (same, cross []row) {
	for _, name := range sets {
		items, err := loadRealSet(filepath.Join("testdata", "real", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range pairRows(items) {
			if r.cross {
				cross = append(cross, r)
			} else {
				same = append(same, r)
			}
		}
	}
	for _, r := range tgRows(t, 0) {
		if r.cross {
			cross = append(cross, r)
		} else {
			same = append(same, r)
		}
	}
	return same, cross
}

var crossValidate = flag.Bool("cv", false, "score each tune set with a model fitted on the other tune sets (TestCrossValidate)")

// TestCrossValidate scores every tune set with the model fitted without
// it, pooled, for a range of thresholds: how a change of evidence or of
// the fit does on days the fit has not seen, with all the tune pairs
// counted. It judges changes on the tune sets without touching the held-out
// ones (testdata/README.md).
//
//	go test ./aggregator/cluster -run TestCrossValidate -cv -v
func TestCrossValidate(t *testing.T) {
	if !*crossValidate {
		t.Skip("no -cv")
	}
	shipped := model
	defer func() { model = shipped }()
	thresholds := []float64{0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95}
	totals := make([]pairScore, len(thresholds))
	for i := range tuneSets {
		items := fitWithout(t, i)
		for j, th := range thresholds {
			story, _ := clusterReal(items, Options{Threshold: th})
			totals[j].add(scoreReal(items, story, nil))
		}
	}
	for j, th := range thresholds {
		t.Logf("threshold %.2f: %v", th, totals[j])
	}
}

// fitWithout sets model to the one fitted on every tune set but
// tuneSets[i], and returns the items of that set to score with it. The
// caller restores the shipped model.
func fitWithout(t testing.TB, i int) []realItem {
	others := append(slices.Clone(tuneSets[:i]), tuneSets[i+1:]...)
	same, cross := trainRows(t, others)
	model = logistic{same: fitLogistic(same, modelLambda), cross: fitLogistic(cross, modelLambda)}
	items, err := loadRealSet(filepath.Join("testdata", "real", tuneSets[i]))
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func countSame(rows []row) (n int) {
	for _, r := range rows {
		if r.same {
			n++
		}
	}
	return n
}

func modelSource(m logistic, nSame, nCross, posSame, posCross int) []byte {
	var b bytes.Buffer
	b.WriteString("// Code generated by go test ./aggregator/cluster -run TestTrainModel -train; DO NOT EDIT.\n\npackage cluster\n\n")
	fmt.Fprintf(&b, "// model is fitted on the candidate pairs of the tune sets of testdata/real\n")
	fmt.Fprintf(&b, "// (%d pairs in one language, %d of them one event; %d across languages, %d\n", nSame, posSame, nCross, posCross)
	fmt.Fprintf(&b, "// one event). Weights are in the order of the features; the last is the\n// intercept.\n")
	b.WriteString("var model = logistic{\n")
	for _, side := range []struct {
		name string
		w    [nFeatures + 1]float64
	}{{"same", m.same}, {"cross", m.cross}} {
		fmt.Fprintf(&b, "\t%s: [nFeatures + 1]float64{\n", side.name)
		for i, v := range side.w {
			name := "intercept"
			if i < nFeatures {
				name = featureNames[i]
			}
			fmt.Fprintf(&b, "\t\t%.4f, // %s\n", v, name)
		}
		b.WriteString("\t},\n")
	}
	b.WriteString("}\n")
	out, err := format.Source(b.Bytes())
	if err != nil {
		panic(err)
	}
	return out
}
