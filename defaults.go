package wiredesk

import "time"

// Defaults that more than one stage applies: config fills them into an
// unset key, and aggregator/fetch into a zero Options field (the `fetch`
// command builds its client without a config). Writing them once here is
// what keeps `wiredesk fetch` and `wiredesk once` enforcing the same
// limits; they once drifted to 10<<20 and 10,000,000 bytes.
const (
	// DefaultMaxBody is the largest feed body accepted, after
	// decompression: 10MB as config sizes count it ([poll] max_body).
	DefaultMaxBody = 10_000_000
	// DefaultFetchTimeout bounds one whole fetch ([poll] timeout).
	DefaultFetchTimeout = 20 * time.Second
	// DefaultMaxRedirects is how many redirects a fetch follows
	// ([poll] max_redirects).
	DefaultMaxRedirects = 5
)

// Story matching defaults ([cluster]), shared by config and
// aggregator/cluster.
const (
	// DefaultClusterThreshold is the probability that an item reports the
	// same event as a member of a story that it needs to join the story
	// ([cluster] threshold). It was chosen on the tune days of the real
	// evaluation data: aggregator/cluster/testdata/README.md.
	DefaultClusterThreshold = 0.85
	// DefaultClusterWindow is how far apart in time two items of one
	// story may be ([cluster] window).
	DefaultClusterWindow = 36 * time.Hour
)
