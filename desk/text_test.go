package desk

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestText renders each answer of a short editing session and compares it
// with testdata/NAME.golden; regenerate with `go test ./desk -update`.
func TestText(t *testing.T) {
	ctx := context.Background()
	ev := Evidence{Probability: 0.31, Threshold: 0.5, Text: "probability 0.310 (needs 0.50: apart), two languages\n  shared spelling Rogun / Рогунской (in 2 indexed items)\n"}
	x := &fakeIndex{ev: ev, near: map[string][]Near{"rferl/1": {{"interfax/1", 0.62}}}}
	s := &Service{Store: newFakeStore(demoStories()...), Index: x, Window: 36 * time.Hour}

	tests := []struct {
		name  string
		write func() (func(*bytes.Buffer) error, error)
	}{
		{"show", func() (func(*bytes.Buffer) error, error) {
			v, err := s.Show(ctx, "interfax/1")
			return func(b *bytes.Buffer) error { return WriteStory(b, v) }, err
		}},
		{"why", func() (func(*bytes.Buffer) error, error) {
			v, err := s.Why(ctx, "interfax/1", "rferl/1")
			return func(b *bytes.Buffer) error { return WriteWhy(b, v) }, err
		}},
		{"unsure", func() (func(*bytes.Buffer) error, error) {
			x.evs = map[[2]string]Evidence{{"rferl/1", "tass/1"}: {Probability: 0.62, Threshold: 0.75,
				Shared: []string{"rogun / рогунской", "hydropower / гэс", "third / третий"},
				OnlyA:  []string{"tajik", "leader"}, OnlyB: []string{"рахмон"}}}
			defer func() { x.evs = nil }()
			vs, err := s.Unsure(ctx, UnsureQuery{Since: t0})
			return func(b *bytes.Buffer) error { return WriteUnsure(b, vs) }, err
		}},
		// Two items of one wire need the same-wire margin on top of the
		// threshold; the line says so, with the evidence's figures. The
		// commands repeat the config they need, quoted for a shell.
		{"unsure-one-wire", func() (func(*bytes.Buffer) error, error) {
			tass := func(id string, at time.Duration, title string) ItemView {
				return ItemView{ID: id, Source: "tass", Language: "ru", Date: t0.Add(at), Title: title, Story: id}
			}
			a, b := tass("tass/7", time.Hour, "Рахмон открыл третий агрегат Рогунской ГЭС"), tass("tass/5", 0, "Рогунская ГЭС: третий агрегат")
			vs := []UnsureView{{Story: StoryView{ID: a.ID, Items: []ItemView{a}}, Other: StoryView{ID: b.ID, Items: []ItemView{b}},
				Item: a.ID, OtherItem: b.ID, Probability: 0.633, Threshold: 1.1, SameWireMargin: 0.25,
				// More shared words than the line prints: it says how many more.
				Shared:   []string{"рогунской / рогунская", "агрегат", "третий", "гэс", "1", "2", "3", "4", "5", "6"},
				ItemOnly: []string{"рахмон", "открыл"}}}
			return func(b *bytes.Buffer) error { return WriteUnsure(b, vs, "-config", "/etc/wire desk/anna's.toml") }, nil
		}},
		{"unsure-empty", func() (func(*bytes.Buffer) error, error) {
			return func(b *bytes.Buffer) error { return WriteUnsure(b, nil) }, nil
		}},
		{"merge", func() (func(*bytes.Buffer) error, error) {
			v, err := s.Merge(ctx, "interfax/1", "rferl/1", "anna")
			return func(b *bytes.Buffer) error { return WriteStory(b, v) }, err
		}},
		{"split", func() (func(*bytes.Buffer) error, error) {
			v, err := s.Split(ctx, "tass/1", "boris")
			return func(b *bytes.Buffer) error { return WriteStory(b, v) }, err
		}},
		{"show-after", func() (func(*bytes.Buffer) error, error) {
			v, err := s.Show(ctx, "rferl/1")
			return func(b *bytes.Buffer) error { return WriteStory(b, v) }, err
		}},
		{"why-after", func() (func(*bytes.Buffer) error, error) {
			v, err := s.Why(ctx, "tass/1", "rferl/1")
			return func(b *bytes.Buffer) error { return WriteWhy(b, v) }, err
		}},
		{"list", func() (func(*bytes.Buffer) error, error) {
			vs, err := s.List(ctx, ListQuery{})
			return func(b *bytes.Buffer) error { return WriteList(b, vs) }, err
		}},
		{"list-empty", func() (func(*bytes.Buffer) error, error) {
			return func(b *bytes.Buffer) error { return WriteList(b, nil) }, nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			write, err := tt.write()
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := write(&got); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("%s output differs from %s (rerun with -update after an intended change)\ngot:\n%s\nwant:\n%s", tt.name, golden, got.Bytes(), want)
			}
		})
	}
}

func TestCutRunes(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"Рахмон открыл", 20, "Рахмон открыл"},
		{"Рахмон открыл третий агрегат", 8, "Рахмон…"},
		{"Рахмон открыл", 13, "Рахмон открыл"},
	}
	for _, tt := range tests {
		if got := cutRunes(tt.in, tt.n); got != tt.want {
			t.Errorf("cutRunes(%q, %d) = %q; want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"demo.toml", "demo.toml"},
		{"/etc/wiredesk/wiredesk.toml", "/etc/wiredesk/wiredesk.toml"},
		{"-config", "-config"},
		{"", "''"},
		{"my dir/w.toml", "'my dir/w.toml'"},
		{"anna's.toml", `'anna'\''s.toml'`},
		{"$HOME/w.toml", "'$HOME/w.toml'"},
		{"a;rm -rf x", "'a;rm -rf x'"},
		{"ленты.toml", "'ленты.toml'"},
	} {
		if got := shellQuote(tt.in); got != tt.want {
			t.Errorf("shellQuote(%q) = %s; want %s", tt.in, got, tt.want)
		}
	}
}
