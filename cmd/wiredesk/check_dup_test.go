package main

import (
	"reflect"
	"testing"

	"github.com/wiredesk/wiredesk"
)

func TestDuplicateURLs(t *testing.T) {
	src := func(id, u string) wiredesk.Source { return wiredesk.Source{ID: id, URL: u} }
	tests := []struct {
		name    string
		sources []wiredesk.Source
		want    [][2]string
	}{
		{"distinct", []wiredesk.Source{src("a", "https://x.example/a"), src("b", "https://x.example/b")}, nil},
		{"same", []wiredesk.Source{src("a", "https://x.example/rss"), src("b", "https://x.example/rss")}, [][2]string{{"a", "b"}}},
		{"case of host and trailing slash", []wiredesk.Source{src("a", "HTTPS://X.Example/rss/"), src("b", "https://x.example/rss")}, [][2]string{{"a", "b"}}},
		{"path case matters", []wiredesk.Source{src("a", "https://x.example/RSS"), src("b", "https://x.example/rss")}, nil},
		{"three", []wiredesk.Source{src("a", "https://x.example/r"), src("b", "https://x.example/r"), src("c", "https://x.example/r")}, [][2]string{{"a", "b"}, {"a", "c"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := duplicateURLs(tt.sources); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("duplicateURLs = %v; want %v", got, tt.want)
			}
		})
	}
}
