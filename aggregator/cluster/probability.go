package cluster

import "math"

// The features of a pair: what the probability that two items report one
// event is computed from. Every one is measured on the keys that can meet
// across the pair's languages: word and number keys within one language,
// concept, skeleton and number keys across two.
const (
	fCoverQ       = iota // idf-weighted share of the new item's keys the other has
	fCoverC              // the same for the indexed item
	fTitleQ              // idf-weighted share of the new item's title keys the other has anywhere
	fTitleC              // the same for the indexed item
	fShared              // log(1 + idf mass of the shared keys)
	fRare                // shared keys at most rareDF items have, up to 4, over 4
	fNames               // shared keys written as names, up to 4, over 4
	fNumAgree            // both carry numbers and share one
	fNumConflict         // both titles carry numbers and share none
	fHours               // hours between the two, over 12, at most 3
	fMinTitle            // the smaller of title_new and title_indexed
	fMinCover            // the smaller of cover_new and cover_indexed
	fTitleTitle          // idf of keys in both titles over the smaller title's
	fAnchor              // idf of the rarest shared key over log of the items indexed
	fNovel               // rare title keys either has and the other lacks, up to 4, over 4
	fNameConflict        // each title names someone or somewhere rare the other never mentions
	fTitleKeys           // share of both titles' keys that the other item has, not weighted
	nFeatures
)

var featureNames = [nFeatures]string{"cover_new", "cover_indexed", "title_new", "title_indexed",
	"shared", "rare", "names", "num_agree", "num_conflict", "hours", "min_title", "min_cover", "title_title", "anchor", "novel", "name_conflict", "title_keys"}

// rareDF is the document frequency up to which a shared key counts as rare.
const rareDF = 4

// nameDF is the document frequency up to which a name in a title is
// specific enough that another report of the event would mention it.
const nameDF = 8

// fixedWeights are weights the fit does not choose: what the labelled
// days hold too few examples of to learn, but what the labelling rule
// says outright — the same daily report with other numbers, and the same
// kind of event with other people or places ("Путин провел переговоры с
// Токаевым" after "… с Эрдоганом"), are different events. The fit learns
// the other weights with these in place.
var fixedWeights = [nFeatures]float64{fNumConflict: -3, fNameConflict: -2.5}

// leadWeight is how much a key seen only in the lead weighs beside one of
// the title.
const leadWeight = 0.5

// relevant reports whether keys of kind meet across a pair that is (cross)
// or is not in two languages.
func relevant(kind int, cross bool) bool {
	if cross {
		return kind != kindWord
	}
	return kind != kindSkeleton
}

// pairFeatures computes the features of new item q against indexed entry e;
// x.mu is held.
func (x *Index) pairFeatures(q *query, e *entry) (f [nFeatures]float64, cross bool) {
	return x.pairFeaturesKeys(q, e, x.arena[e.off:e.off+uint32(e.n)])
}

// side is what the features need of one item's keys on their own.
type side struct {
	mass, title                                   float64 // idf sums: all keys (lead ones weighed less), title keys
	nums, titleNums, rareTitles, names, titleKeys int
}

// weight is how much a key with this idf counts in an item's mass.
func weight(k key, idf float64) float64 {
	if k.title() {
		return idf
	}
	return idf * leadWeight
}

// add counts key k with document frequency df and idf into s.
func (s *side) add(k key, df int32, idf float64) {
	s.count(k)
	s.weigh(k, df, idf)
}

// count counts what of key k needs no document frequency into s.
func (s *side) count(k key) {
	if k.title() {
		s.titleKeys++
	}
	if k.kind() == kindNum {
		s.nums++
		if k.title() {
			s.titleNums++
		}
	}
}

// weigh adds what of key k needs its document frequency df and idf to s.
func (s *side) weigh(k key, df int32, idf float64) {
	s.mass += weight(k, idf)
	if k.title() {
		s.title += idf
		if df <= rareDF {
			s.rareTitles++
		}
		if k.name() && df <= nameDF {
			s.names++
		}
	}
}

// prepare looks up the document frequencies of q's keys and sums its two
// sides (one language, two languages) once for all its candidates; x.mu is
// held.
func (x *Index) prepare(q *query) {
	q.lnN = math.Log(float64(x.live) + idfPrior)
	q.df = make([]int32, len(q.keys))
	q.idf = make([]float64, len(q.keys))
	q.sides = [2]side{}
	for i, k := range q.keys {
		df := x.df.get(slot(k))
		idf := q.idfOf(df)
		q.df[i], q.idf[i] = df, idf
		for c := range 2 {
			if relevant(k.kind(), c == 1) {
				q.sides[c].add(k, df, idf)
			}
		}
	}
	q.prepared = true
}

// idfOf is the inverse document frequency of a key in df live items (see
// Index.idf), with the logarithm of the item count computed once.
func (q *query) idfOf(df int32) float64 {
	return max(q.lnN-lnPlus1(df), 0)
}

// lnPlus1 returns ln(df+1), from a table for the usual small counts.
func lnPlus1(df int32) float64 {
	if df >= 0 && int(df) < len(lnTable) {
		return lnTable[df]
	}
	return math.Log(float64(df) + 1)
}

var lnTable = func() (t [4096]float64) {
	for i := range t {
		t[i] = math.Log(float64(i) + 1)
	}
	return t
}()

// pairFeaturesKeys is pairFeatures with the keys of e given.
func (x *Index) pairFeaturesKeys(q *query, e *entry, b []key) (f [nFeatures]float64, cross bool) {
	if !q.prepared {
		x.prepare(q)
	}
	cross = q.lang != e.lang
	var m pairMatch
	var sb side
	x.pairShared(q, b, cross, &m, &sb)
	x.weighSide(q, b, cross, &sb)
	return x.features(q, e, cross, &m, &sb), cross
}

// A pairMatch is what the merge of a pair's keys finds: the keys both
// items have, and the counts of the indexed item's keys that need no
// document frequency.
type pairMatch struct {
	sharedA, sharedB, sharedTitleA, sharedTitleB, shared, both, anchor  float64
	rare, names, nums, titleNums, matchedRareTitles, matchedRareTitlesB int
	sharedNamesA, sharedNamesB, matchedTitleKeys                        int
}

// pairShared merges q's keys with b, an indexed item's, into m, and counts
// b's keys on their own into sb as far as that needs no document
// frequency (which weighSide then looks up); q is prepared and x.mu is
// held.
func (x *Index) pairShared(q *query, b []key, cross bool, m *pairMatch, sb *side) {
	a := q.keys
	i := 0
	for _, kb := range b {
		if !relevant(kb.kind(), cross) {
			continue // nor is the key of the same slot in a
		}
		sb.count(kb)
		s := slot(kb)
		for i < len(a) && slot(a[i]) < s {
			i++
		}
		if i == len(a) || slot(a[i]) != s {
			continue
		}
		ka := a[i]
		i++
		if ka.kind() == kindSkeleton && !ka.name() && !kb.name() {
			continue
		}
		idf, df := q.idf[i-1], q.df[i-1]
		m.sharedA += weight(ka, idf)
		m.sharedB += weight(kb, idf)
		m.shared += idf
		if ka.title() {
			m.sharedTitleA += idf
		}
		if kb.title() {
			m.sharedTitleB += idf
		}
		if df <= rareDF {
			m.rare++
		}
		if ka.title() && kb.title() {
			m.both += idf
		}
		m.anchor = max(m.anchor, idf)
		if ka.title() {
			m.matchedTitleKeys++
		}
		if kb.title() {
			m.matchedTitleKeys++
		}
		if df <= rareDF && ka.title() {
			m.matchedRareTitles++
		}
		if df <= nameDF && ka.title() && ka.name() {
			m.sharedNamesA++
		}
		if df <= nameDF && kb.title() && kb.name() {
			m.sharedNamesB++
		}
		if df <= rareDF && kb.title() {
			m.matchedRareTitles++
			m.matchedRareTitlesB++
		}
		if ka.name() || kb.name() {
			m.names++
		}
		if ka.kind() == kindNum {
			m.nums++
			if ka.title() && kb.title() {
				m.titleNums++
			}
		}
	}
}

// weighSide adds to sb what needs the document frequencies of b's keys:
// one lookup in the index's counts per key, most of the cost of a pair's
// features; x.mu is held.
func (x *Index) weighSide(q *query, b []key, cross bool, sb *side) {
	for _, k := range b {
		if !relevant(k.kind(), cross) {
			continue
		}
		df := x.df.get(slot(k))
		sb.weigh(k, df, q.idfOf(df))
	}
}

// features computes the features of a pair from its merge and the two
// sides; x.mu is held.
func (x *Index) features(q *query, e *entry, cross bool, m *pairMatch, sb *side) (f [nFeatures]float64) {
	c := 0
	if cross {
		c = 1
	}
	sa := &q.sides[c]
	massA, massB, titleA, titleB := sa.mass, sb.mass, sa.title, sb.title
	numsA, numsB, titleNumsA, titleNumsB := sa.nums, sb.nums, sa.titleNums, sb.titleNums
	rareTitlesA, rareTitlesB, namesA, namesB := sa.rareTitles, sb.rareTitles, sa.names, sb.names
	titleKeys := sa.titleKeys + sb.titleKeys
	f[fCoverQ] = ratio(m.sharedA, massA)
	f[fCoverC] = ratio(m.sharedB, massB)
	f[fTitleQ] = ratio(m.sharedTitleA, titleA)
	f[fTitleC] = ratio(m.sharedTitleB, titleB)
	f[fShared] = math.Log1p(m.shared)
	f[fRare] = float64(min(m.rare, 4)) / 4
	f[fNames] = float64(min(m.names, 4)) / 4
	if numsA > 0 && numsB > 0 && m.nums > 0 {
		f[fNumAgree] = 1
	}
	if titleNumsA > 0 && titleNumsB > 0 && m.titleNums == 0 {
		f[fNumConflict] = 1
	}
	f[fMinTitle] = min(f[fTitleQ], f[fTitleC])
	f[fTitleTitle] = ratio(m.both, min(titleA, titleB))
	f[fAnchor] = ratio(m.anchor, q.lnN) // ln(live items + idfPrior)
	f[fTitleKeys] = ratio(float64(m.matchedTitleKeys), float64(titleKeys))
	if namesA > m.sharedNamesA && namesB > m.sharedNamesB {
		f[fNameConflict] = 1
	}
	f[fNovel] = float64(min(rareTitlesA+rareTitlesB-m.matchedRareTitles, 4)) / 4
	f[fMinCover] = min(f[fCoverQ], f[fCoverC])
	f[fHours] = min(math.Abs(float64(q.unix-e.unix))/3600/12, 3)
	return f
}

// maxProbability is a bound from above on the probability of a pair whose
// merge is m and whose indexed side sb is counted but not weighed (see
// pairShared): what weighSide would add is unknown, but it only adds, and
// each feature moves one way as it does. Every feature is computed at
// both ends — b's key weights no more than the shared keys' and b's rare
// titles and names only the shared ones (the least sb can be), and b's
// weights unbounded with every title key of b rare and a name (the most)
// — and each weight takes the end that raises the sum. It lets a Match
// skip the document frequencies of candidates that cannot reach the
// threshold (see decideKeys); x.mu is held.
func (x *Index) maxProbability(q *query, e *entry, cross bool, m *pairMatch, sb *side) float64 {
	least, most := *sb, *sb
	least.mass, least.title = m.sharedB, m.sharedTitleB
	least.rareTitles, least.names = m.matchedRareTitlesB, m.sharedNamesB
	most.mass, most.title = math.Inf(1), math.Inf(1)
	most.rareTitles, most.names = sb.titleKeys, sb.titleKeys
	lo := x.features(q, e, cross, m, &least)
	hi := x.features(q, e, cross, m, &most)
	return model.predictMax(lo, hi, cross)
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

// probability returns the model's probability that q and e report one
// event; x.mu is held.
func (x *Index) probability(q *query, e *entry) float64 {
	f, cross := x.pairFeatures(q, e)
	return model.predict(f, cross)
}

// A logistic is a logistic regression over the features of a pair, one
// set of weights for pairs in one language and one for pairs across two.
type logistic struct {
	same, cross [nFeatures + 1]float64 // the last is the intercept
}

func (m *logistic) predict(f [nFeatures]float64, cross bool) float64 {
	w := &m.same
	if cross {
		w = &m.cross
	}
	z := w[nFeatures]
	for i, v := range f {
		if fixedWeights[i] != 0 {
			z += fixedWeights[i] * v
			continue
		}
		z += w[i] * v
	}
	return 1 / (1 + math.Exp(-z))
}

// predictMax is the most predict can give for features f with lo[i] ≤
// f[i] ≤ hi[i] (or hi[i] ≤ f[i] ≤ lo[i]): each term takes the end that
// raises the sum, in predict's order.
func (m *logistic) predictMax(lo, hi [nFeatures]float64, cross bool) float64 {
	w := &m.same
	if cross {
		w = &m.cross
	}
	z := w[nFeatures]
	for i := range lo {
		wi := w[i]
		if fixedWeights[i] != 0 {
			wi = fixedWeights[i]
		}
		z += max(wi*lo[i], wi*hi[i])
	}
	return 1 / (1 + math.Exp(-z))
}
