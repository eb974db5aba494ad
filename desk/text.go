package desk

import (
	"cmp"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wiredesk/wiredesk"
)

// Times are printed in UTC, to the minute, so that two editors in two time
// zones read the same text and tests do not depend on the machine's zone.
const timeLayout = "2006-01-02 15:04Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// titleRunes is how much of a title a list line shows.
const titleRunes = 72

// WriteStory prints a story, its items in order of first report and the
// decisions that shaped it.
func WriteStory(w io.Writer, v StoryView) error {
	var b strings.Builder
	if v.Requested != "" {
		fmt.Fprintf(&b, "story %s was merged into %s; showing %s\n\n", v.Requested, v.ID, v.ID)
	}
	fmt.Fprintf(&b, "story %s\n", v.ID)
	fmt.Fprintf(&b, "  %s from %s; first seen %s, updated %s\n",
		wiredesk.Count(len(v.Items), "item"), wiredesk.Count(len(v.Sources()), "source"), formatTime(v.Created), formatTime(v.Updated))
	b.WriteString("\nitems, in order of first report:\n")
	for _, it := range v.Items {
		lang := it.Language
		if lang == "" {
			lang = "-"
		}
		fmt.Fprintf(&b, "  %s  %-10s %-5s %s\n", formatTime(it.Date), it.Source, lang, it.Title)
		fmt.Fprintf(&b, "  %17s  item %s\n", "", it.ID)
		if it.Link != "" {
			fmt.Fprintf(&b, "  %17s  %s\n", "", it.Link)
		}
	}
	b.WriteString("\ndecisions:\n")
	if len(v.Decisions) == 0 {
		b.WriteString("  none: the clustering alone made this story\n")
	}
	for _, d := range v.Decisions {
		fmt.Fprintf(&b, "  %s  %s\n", formatTime(d.At), describe(d, v.ID))
	}
	if !v.Marks.IsZero() {
		fmt.Fprintf(&b, "\nmarks (by %s, %s): %s\n", v.Marks.By, formatTime(v.Marks.At), DescribeMarks(v.Marks))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// describe says what a decision did, from the point of view of story id.
func describe(d DecisionView, id string) string {
	who := "by " + d.By
	if d.By == "" {
		who = "by an unnamed editor"
	}
	switch d.Kind {
	case "merge":
		return fmt.Sprintf("merge  story %s (%s) merged into %s, %s", d.From, wiredesk.Count(len(d.Items), "item"), d.To, who)
	case "split":
		item := firstOr(d.Items, "?")
		if id == d.From {
			return fmt.Sprintf("split  item %s split out into story %s, %s", item, d.To, who)
		}
		return fmt.Sprintf("split  item %s split out of story %s into this story, %s", item, d.From, who)
	}
	return fmt.Sprintf("%s  from %s to %s, %s", d.Kind, d.From, d.To, who)
}

// WriteList prints one line per story: when it was updated, its size, its
// id and the title of its first report.
func WriteList(w io.Writer, vs []StoryView) error {
	var b strings.Builder
	if len(vs) == 0 {
		b.WriteString("no stories\n")
	}
	for _, v := range vs {
		title := ""
		if len(v.Items) > 0 {
			title = cutRunes(v.Items[0].Title, titleRunes)
		}
		mark := ""
		if n := len(v.Decisions); n > 0 {
			mark = fmt.Sprintf("  [%s]", wiredesk.Count(n, "decision"))
		}
		fmt.Fprintf(&b, "%s  %-9s  %-10s  %s%s\n  %17s  %s\n",
			formatTime(v.Updated), wiredesk.Count(len(v.Items), "item"), wiredesk.Count(len(v.Sources()), "source"), v.ID, mark, "", title)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteWhy prints the two items, the index's evidence and the verdict,
// which names the editors' decisions about the pair.
func WriteWhy(w io.Writer, v WhyView) error {
	var b strings.Builder
	for _, x := range []struct {
		name string
		it   ItemView
	}{{"a", v.A}, {"b", v.B}} {
		lang := x.it.Language
		if lang == "" {
			lang = "language unknown"
		}
		fmt.Fprintf(&b, "%s  item %s (%s, %s), %s, in story %s\n   %s\n", x.name, x.it.ID, x.it.Source, lang, formatTime(x.it.Date), x.it.Story, x.it.Title)
	}
	b.WriteString("\n")
	b.WriteString(v.Evidence)
	if !strings.HasSuffix(v.Evidence, "\n") {
		b.WriteString("\n")
	}
	// The verdict names the editors' decisions about the pair.
	fmt.Fprintf(&b, "\nverdict: %s\n", v.Verdict)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteUnsure prints each pair of stories the matcher kept apart although
// it found them alike: how close it came, both stories (id, sources, the
// title of the first report), the item pair that scored best, and the
// commands that settle it, to copy: merge when they are one event (into
// the older story, which keeps its id), dismiss when they are two, why
// for the evidence. args are repeated at the end of each command
// (["-config", "demo.toml"]), quoted for a shell where needed, so that a
// command pasted as printed reads the same database.
func WriteUnsure(w io.Writer, vs []UnsureView, args ...string) error {
	tail := ""
	for _, a := range args {
		tail += " " + shellQuote(a)
	}
	var b strings.Builder
	if len(vs) == 0 {
		b.WriteString("no unsure pairs of stories\n")
	}
	for i, v := range vs {
		if i > 0 {
			b.WriteString("\n")
		}
		verdict := "below"
		if v.Probability >= v.Threshold {
			verdict = "at least" // the pair alone, outvoted by the story's other members
		}
		fmt.Fprintf(&b, "probability %.3f, %s the threshold %s\n", v.Probability, verdict, thresholdText(v.Threshold, v.SameWireMargin))
		for _, x := range []struct {
			name string
			st   StoryView
			item string
		}{{"story", v.Story, v.Item}, {"other", v.Other, v.OtherItem}} {
			title := ""
			if len(x.st.Items) > 0 {
				title = cutRunes(x.st.Items[0].Title, titleRunes)
			}
			fmt.Fprintf(&b, "  %-5s  %s  %s from %s\n         %s\n", x.name, x.st.ID,
				wiredesk.Count(len(x.st.Items), "item"), strings.Join(x.st.Sources(), ", "), title)
		}
		fmt.Fprintf(&b, "  pair   %s and %s\n", describeItem(v.Story, v.Item), describeItem(v.Other, v.OtherItem))
		if len(v.Shared) > 0 {
			fmt.Fprintf(&b, "  shared %s\n", SharedText(v.Shared))
		}
		if len(v.ItemOnly) > 0 || len(v.OtherItemOnly) > 0 {
			fmt.Fprintf(&b, "  only   %s: %s; %s: %s\n", sourceOf(v.Story, v.Item), cmp.Or(SharedText(v.ItemOnly), "-"),
				sourceOf(v.Other, v.OtherItem), cmp.Or(SharedText(v.OtherItemOnly), "-"))
		}
		fmt.Fprintf(&b, "  one event:  wiredesk story merge %s %s%s\n", v.Other.ID, v.Story.ID, tail)
		fmt.Fprintf(&b, "  two events: wiredesk story dismiss %s %s%s\n", v.Other.ID, v.Story.ID, tail)
		fmt.Fprintf(&b, "  evidence:   wiredesk story why %s %s%s\n", v.Item, v.OtherItem, tail)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// maxShared is how many of a pair's shared words WriteUnsure prints
// (the rarest; `story why` has them all).
const maxShared = 8

// SharedText joins the rarest maxShared of a pair's words (UnsureView's
// Shared, ItemOnly or OtherItemOnly), saying how many more there are, ""
// for none: what `story unsure` and the desk's Unsure page show.
func SharedText(words []string) string {
	s := strings.Join(words[:min(len(words), maxShared)], ", ")
	if n := len(words) - maxShared; n > 0 {
		s += fmt.Sprintf(" and %d more", n)
	}
	return s
}

// thresholdText writes a threshold to two places, followed for two items
// of one wire by how it is made up: "1.10 (0.85 plus 0.25 for two items
// of one wire)".
func thresholdText(threshold, sameWireMargin float64) string {
	if m := SameWireText(threshold, sameWireMargin); m != "" {
		return fmt.Sprintf("%.2f (%s)", threshold, m)
	}
	return fmt.Sprintf("%.2f", threshold)
}

// SameWireText says how a threshold that includes the same-wire margin is
// made up, "0.85 plus 0.25 for two items of one wire", as `story why`
// words the evidence; "" when there is no margin (two wires).
func SameWireText(threshold, sameWireMargin float64) string {
	if sameWireMargin <= 0 {
		return ""
	}
	return fmt.Sprintf("%.2f plus %.2f for two items of one wire", threshold-sameWireMargin, sameWireMargin)
}

// sourceOf returns the source of item id of story v, or the id when v
// lacks it.
func sourceOf(v StoryView, id string) string {
	if it, ok := v.Item(id); ok {
		return it.Source
	}
	return id
}

// describeItem names item id of story v with its source and date.
func describeItem(v StoryView, id string) string {
	if it, ok := v.Item(id); ok {
		return fmt.Sprintf("%s (%s, %s)", id, it.Source, formatTime(it.Date))
	}
	return id
}

// cutRunes cuts s to at most n runes, ending a cut text with "…"; it never
// splits a rune.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i < len(s) && count < n-1 {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	return strings.TrimRight(s[:i], " ") + "…"
}

// shellQuote returns s as a POSIX shell reads it back: unchanged when it
// holds only characters no shell treats specially, else in single quotes.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_./:=@%+-,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
