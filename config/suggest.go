package config

import "strings"

// maxSuggestLen bounds the work of suggest: longer strings are not typos
// of a key.
const maxSuggestLen = 100

// suggest returns the candidate closest to s by edit distance (ignoring
// case and treating "-" like "_"), or "" when none is close enough to be a
// likely typo.
func suggest(s string, candidates []string) string {
	if len(s) > maxSuggestLen {
		return ""
	}
	norm := func(x string) string { return strings.ReplaceAll(strings.ToLower(x), "-", "_") }
	ns := norm(s)
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(ns, norm(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	limit := max(1, min(len([]rune(s)), len([]rune(best)))/3)
	if bestDist > limit && !(len(ns) >= 4 && strings.HasPrefix(norm(best), ns)) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes,
// counting a swap of two neighbours as one edit.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// d[i][j] is the distance between ra[:i] and rb[:j]; three rows suffice.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
