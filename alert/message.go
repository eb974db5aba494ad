package alert

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wiredesk/wiredesk"
)

// Message is an alert as people read it, the same in every channel.
type Message struct {
	Headline string   // one line: what happened
	Wires    []string // names of the wires that carry the story
	// Lines are the further lines of the text: wires and time, the item
	// that confirms a story, a source's last error.
	Lines []string
	Link  string // the story's lead item; "" for source alerts
	Time  time.Time
}

// maxLine is the most characters of one line of a message (wire text is
// untrusted and may be long).
const maxLine = 400

// Render makes the message of alert a; names maps source ids to the names
// wires are credited with (an id missing from it shows as itself).
func Render(a wiredesk.Alert, names map[string]string) Message {
	name := func(id string) string {
		if n, ok := names[id]; ok && n != "" {
			return n
		}
		return id
	}
	m := Message{Link: a.Link, Time: a.Published}
	for _, w := range a.Wires {
		m.Wires = append(m.Wires, name(w))
	}
	when := ""
	if !a.Published.IsZero() {
		when = a.Published.UTC().Format("2006-01-02 15:04 UTC")
	}
	wires := strings.Join(m.Wires, ", ")
	switch a.Kind {
	case wiredesk.AlertUpdate:
		m.Headline = cut(a.Title)
		m.Lines = append(m.Lines, "Confirmed by "+name(a.SourceID)+" ("+wiredesk.Count(len(a.Wires), "wire")+": "+wires+")")
		if a.Detail != "" {
			m.Lines = append(m.Lines, name(a.SourceID)+": "+cut(a.Detail))
		}
	case wiredesk.AlertSource:
		m.Headline = "Source " + name(a.SourceID) + " is " + a.Title
		if a.Title == "silent" {
			m.Lines = append(m.Lines, "No new item since "+when)
		} else {
			since := "never succeeded"
			if when != "" {
				since = "last success " + when
			}
			m.Lines = append(m.Lines, "Failing; "+since)
		}
		if a.Detail != "" {
			m.Lines = append(m.Lines, "Last error: "+cut(a.Detail))
		}
		return m
	case wiredesk.AlertTest:
		m.Headline = cut(a.Title)
		m.Lines = append(m.Lines, cut(a.Detail))
		return m
	default:
		m.Headline = cut(a.Title)
		line := wires
		if when != "" {
			line += " · " + when
		}
		m.Lines = append(m.Lines, line)
		if a.Detail != "" && len(a.Wires) > 1 {
			m.Lines = append(m.Lines, name(a.SourceID)+": "+cut(a.Detail))
		}
	}
	return m
}

// Subject is the one-line summary of a message (the mail subject).
func (m Message) Subject() string {
	if len(m.Lines) > 0 && strings.HasPrefix(m.Lines[0], "Confirmed by ") {
		return m.Headline + " — " + m.Lines[0]
	}
	return m.Headline
}

// Text is the message as plain text: headline, lines, link.
func (m Message) Text() string {
	var b strings.Builder
	b.WriteString(m.Headline)
	for _, l := range m.Lines {
		b.WriteString("\n")
		b.WriteString(l)
	}
	if m.Link != "" {
		b.WriteString("\n")
		b.WriteString(m.Link)
	}
	return b.String()
}

// cut makes untrusted wire text one line of at most maxLine characters,
// cut at a character boundary.
func cut(s string) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
	if utf8.RuneCountInString(s) <= maxLine {
		return s
	}
	r := []rune(s)
	return string(r[:maxLine-1]) + "…"
}
