package cluster

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// refSimilarity is the straightforward similarity the merged one replaced:
// float weights summed per feature while merging. similarity must return
// the same float64 for every pair.
func refSimilarity(a, b []feature) float64 {
	var inter, union float64
	var numsA, numsB, numsShared int
	var titleNumsA, titleNumsB, titleNumsShared int
	count := func(f feature, nums, titleNums *int) {
		if f.number() {
			*nums++
			if f.class() == classTitleNum {
				*titleNums++
			}
		}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i].hash() < b[j].hash():
			union += classWeight[a[i].class()]
			count(a[i], &numsA, &titleNumsA)
			i++
		case i == len(a) || b[j].hash() < a[i].hash():
			union += classWeight[b[j].class()]
			count(b[j], &numsB, &titleNumsB)
			j++
		default:
			w := max(classWeight[a[i].class()], classWeight[b[j].class()])
			inter += w
			union += w
			count(a[i], &numsA, &titleNumsA)
			count(b[j], &numsB, &titleNumsB)
			if a[i].number() && b[j].number() {
				numsShared++
			}
			if a[i].class() == classTitleNum && b[j].class() == classTitleNum {
				titleNumsShared++
			}
			i++
			j++
		}
	}
	if union == 0 {
		return 0
	}
	s := inter / union
	if numsA > 0 && numsB > 0 {
		s *= math.Sqrt(2 * float64(numsShared) / float64(numsA+numsB))
	}
	if titleNumsA > 0 && titleNumsB > 0 && titleNumsShared == 0 {
		s *= numberConflictFactor
	}
	return s
}

func TestClassWeight4Exact(t *testing.T) {
	for c, w := range classWeight {
		if got := float64(classWeight4[c]) / 4; got != w {
			t.Errorf("classWeight4[%d]/4 = %v; want %v", c, got, w)
		}
	}
}

// randomFeatures returns sorted features, distinct by hash, drawn from a
// small hash space so that two draws share many.
func randomFeatures(r *rand.Rand, n, space int) []feature {
	fs := make([]feature, 0, n)
	for range n {
		fs = append(fs, feature(uint32(r.IntN(space))<<2|uint32(r.IntN(4))))
	}
	slices.Sort(fs)
	return slices.CompactFunc(fs, func(x, y feature) bool { return x.hash() == y.hash() })
}

func TestSimilarityMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(a, b []feature) {
		t.Helper()
		if got, want := similarity(a, b), refSimilarity(a, b); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("similarity(%v, %v) = %v; reference %v", a, b, got, want)
		}
	}
	check(nil, nil)
	check(nil, randomFeatures(r, 5, 10))
	for range 20000 {
		space := 1 + r.IntN(200)
		check(randomFeatures(r, r.IntN(80), space), randomFeatures(r, r.IntN(80), space))
	}
	for _, p := range loadPairs(t) {
		check(features(p.A.Title, p.A.Summary), features(p.B.Title, p.B.Summary))
	}
}

// BenchmarkSimilarity compares one item's features with 26 others, as
// Match does with its candidates: "merged" is what Match runs (the new
// item's totals computed once), "reference" the float merge it replaced.
func BenchmarkSimilarity(b *testing.B) {
	c := newCorpus(1)
	var fss [][]feature
	for i := range 27 * 64 {
		it := c.item(i)
		fss = append(fss, features(it.Title, it.Summary))
	}
	b.Run("merged", func(b *testing.B) {
		var sum float64
		i := 0
		for b.Loop() {
			q := fss[i%len(fss)]
			t := summarize(q)
			for k := 1; k <= 26; k++ {
				sum += similarityTo(t, q, fss[(i+k)%len(fss)])
			}
			i += 27
		}
		_ = sum
	})
	b.Run("reference", func(b *testing.B) {
		var sum float64
		i := 0
		for b.Loop() {
			q := fss[i%len(fss)]
			for k := 1; k <= 26; k++ {
				sum += refSimilarity(q, fss[(i+k)%len(fss)])
			}
			i += 27
		}
		_ = sum
	})
}
