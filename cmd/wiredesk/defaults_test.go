package main

import (
	"testing"

	"github.com/wiredesk/wiredesk/aggregator/cluster"
	"github.com/wiredesk/wiredesk/config"
)

// config may not import aggregator/cluster, so the default threshold is
// written twice; this keeps the copies equal.
func TestClusterDefaultsAgree(t *testing.T) {
	if config.DefaultClusterThreshold != cluster.DefaultThreshold {
		t.Errorf("config.DefaultClusterThreshold = %v; cluster.DefaultThreshold = %v", config.DefaultClusterThreshold, cluster.DefaultThreshold)
	}
}
