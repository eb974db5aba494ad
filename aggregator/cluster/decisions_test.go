package cluster

import (
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

// TestMergeStories checks that after an editor's merge the items of the
// merged story lead new items to the surviving one.
func TestMergeStories(t *testing.T) {
	paraphrase := wire("ria/1", "ria", "ru", "", time.Hour)
	tests := []struct {
		name       string
		indexed    []wiredesk.Item
		into, from string
		addLater   []wiredesk.Item // added after the merge
		before     string          // what Match returns before the merge
		want       string
		wantItems  map[string]int32 // live items per story after the merge
	}{
		{
			name: "a match through the merged story joins the survivor",
			// B is nearer in time to the new item than A, so it wins
			// until it is merged away.
			indexed:   []wiredesk.Item{wire("tass/1", "tass", "ru", "B", 0), wire("interfax/1", "interfax", "ru", "A", -40*time.Minute)},
			into:      "A",
			from:      "B",
			before:    "B",
			want:      "A",
			wantItems: map[string]int32{"A": 2, "B": 0},
		},
		{
			name:      "a survivor the index does not hold takes the merged items",
			indexed:   []wiredesk.Item{wire("tass/1", "tass", "ru", "B", 0)},
			into:      "OLD",
			from:      "B",
			before:    "B",
			want:      "OLD",
			wantItems: map[string]int32{"OLD": 1, "B": 0},
		},
		{
			name:      "an item added under the merged story after the merge joins the survivor",
			indexed:   []wiredesk.Item{wire("tass/1", "tass", "ru", "B", 0)},
			into:      "OLD",
			from:      "B",
			addLater:  []wiredesk.Item{wire("afp/1", "afp", "ru", "B", 0)},
			before:    "B",
			want:      "OLD",
			wantItems: map[string]int32{"OLD": 2, "B": 0},
		},
		{
			name:      "merging a story into itself changes nothing",
			indexed:   []wiredesk.Item{wire("tass/1", "tass", "ru", "B", 0)},
			into:      "B",
			from:      "B",
			before:    "B",
			want:      "B",
			wantItems: map[string]int32{"B": 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := New(Options{})
			for _, it := range tt.indexed {
				x.Add(it)
			}
			if got, _ := x.Match(paraphrase); got != tt.before {
				t.Fatalf("Match before the merge = %q; the test needs %q", got, tt.before)
			}
			x.MergeStories(tt.into, tt.from)
			for _, it := range tt.addLater {
				x.Add(it)
			}
			if got, _ := x.Match(paraphrase); got != tt.want {
				t.Errorf("Match after merge = %q; want %q", got, tt.want)
			}
			for id, want := range tt.wantItems {
				if got := x.storyItems(t, id); got != want {
					t.Errorf("story %s holds %d items; want %d", id, got, want)
				}
			}
		})
	}
}

// TestSplitItem checks that a split item leads new items to its new story
// and is never matched back into the story it left.
func TestSplitItem(t *testing.T) {
	split := wire("interfax/1", "interfax", "ru", "O", 10*time.Minute)

	// The item arrives again after the index forgot it (evicted, say):
	// without the split it would join O through tass/1.
	control := New(Options{})
	control.Add(wire("tass/1", "tass", "ru", "O", 0))
	if got, _ := control.Match(split); got != "O" {
		t.Fatalf("without a split Match(item) = %q; the test needs O", got)
	}
	x := New(Options{})
	x.Add(wire("tass/1", "tass", "ru", "O", 0))
	x.Add(split)
	x.SplitItem(split.ID, "O", "S")
	if got, want := x.storyItems(t, "O"), int32(1); got != want {
		t.Errorf("story O holds %d items; want %d", got, want)
	}
	if got, want := x.storyItems(t, "S"), int32(1); got != want {
		t.Errorf("story S holds %d items; want %d", got, want)
	}
	x.Remove(split.ID)
	if got, _ := x.Match(split); got == "O" {
		t.Errorf("after the split Match(split item) = %q; it must never rejoin O", got)
	}

	// A fresh report of the event that matches only the split item joins
	// its new story.
	x2 := New(Options{})
	x2.Add(unrelatedItem("rferl/1", "O"))
	x2.Add(split)
	x2.SplitItem(split.ID, "O", "S")
	if got, _ := x2.Match(wire("ria/1", "ria", "ru", "", time.Hour)); got != "S" {
		t.Errorf("a report matching only the split item joins %q; want S", got)
	}
}

// TestKeepApart checks the constraint warming restores from storage.
func TestKeepApart(t *testing.T) {
	x := New(Options{})
	x.Add(wire("tass/1", "tass", "ru", "O", 0))
	it := wire("interfax/1", "interfax", "ru", "", time.Minute)
	if got, _ := x.Match(it); got != "O" {
		t.Fatalf("Match = %q; want O (the test needs a matching pair)", got)
	}
	x.KeepApart(it.ID, "O")
	if got, _ := x.Match(it); got == "O" {
		t.Errorf("Match after KeepApart = %q; want anything but O", got)
	}
	if got, _ := x.Match(wire("ria/1", "ria", "ru", "", time.Minute)); got != "O" {
		t.Errorf("another item after KeepApart joins %q; want O (only the kept-apart item is refused)", got)
	}
}

func unrelatedItem(id, story string) wiredesk.Item {
	return wiredesk.Item{
		ID: id, SourceID: id[:len(id)-2], Language: "ru", StoryID: story, Published: t0,
		Title:   "Два человека погибли при пожаре в жилом доме в Марьине",
		Summary: "Пожар произошел в квартире на девятом этаже, эвакуированы 40 жильцов.",
	}
}

// storyItems returns how many live entries are indexed under the story
// named id, and fails the test when a story's kept count disagrees with its
// entries (Match weighs a story's support by that count).
func (x *Index) storyItems(t *testing.T, id string) int32 {
	t.Helper()
	x.mu.RLock()
	defer x.mu.RUnlock()
	live := make([]int32, len(x.stories))
	for _, e := range x.entries {
		if e.alive {
			live[e.story]++
		}
	}
	var n int32
	for i, st := range x.stories {
		if st.items != live[i] {
			t.Errorf("story %s keeps a count of %d items but has %d live entries", st.id, st.items, live[i])
		}
		if st.id == id {
			n += live[i]
		}
	}
	return n
}
