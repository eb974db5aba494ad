package cluster

// DefaultThreshold is the similarity needed to join a story when
// Options.Threshold is zero.
const DefaultThreshold = 0.33
