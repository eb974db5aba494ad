package parse

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Moscow on machines without a zoneinfo database

	"github.com/wiredesk/wiredesk"
)

// goldenResult is how a Result is written to testdata/*.golden.json.
type goldenResult struct {
	Title, Link, Language, Format string
	Encoding                      Decision
	Interval                      string
	Items                         []wiredesk.Item
}

func moscow(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatalf("load Europe/Moscow: %v", err)
	}
	return loc
}

// TestGolden parses every testdata/*.xml and testdata/*.json feed as a
// Moscow source first seen at fixedNow and compares the Result with
// testdata/NAME.golden.json. Regenerate with `go test -run TestGolden -update`.
func TestGolden(t *testing.T) {
	var files []string
	for _, pat := range []string{"testdata/*.xml", "testdata/*.json"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			if !strings.HasSuffix(f, ".golden.json") {
				files = append(files, f)
			}
		}
	}
	if len(files) == 0 {
		t.Fatal("no golden inputs in testdata")
	}
	for _, in := range files {
		name := strings.TrimSuffix(filepath.Base(in), filepath.Ext(in))
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Parse(body, "", Options{
				SourceID: "test",
				FeedURL:  "https://feeds.example/" + filepath.Base(in),
				Language: "xx",
				Timezone: moscow(t),
				Now:      fixedNow,
			})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, err := json.MarshalIndent(goldenResult{
				Title: res.Title, Link: res.Link, Language: res.Language, Format: res.Format,
				Encoding: res.Encoding, Interval: res.Interval.String(), Items: res.Items,
			}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden (run with -update to create it): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Parse(%s) differs from %s; run `go test -run TestGolden -update` and review the diff.\ngot:\n%s", in, golden, got)
			}
		})
	}
}
