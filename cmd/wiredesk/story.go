package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os/user"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/aggregator/cluster"
	"github.com/wiredesk/wiredesk/config"
	"github.com/wiredesk/wiredesk/desk"
	"github.com/wiredesk/wiredesk/internal/wiring"
	"github.com/wiredesk/wiredesk/storage"
)

// storySubcommands are the editors' operations, in the order --help lists
// them.
var storySubcommands = []struct {
	name, summary string
	run           func(ctx context.Context, e *env, args []string) error
}{
	{"show", "a story: its items (source, language, time, title, link) and the decisions that shaped it", storyShow},
	{"list", "recently updated stories with their sizes", storyList},
	{"merge", "move every item of story B into story A (A keeps its id)", storyMerge},
	{"split", "take an item out of its story into a new story; it never rejoins the old one", storySplit},
	{"why", "the evidence behind putting two items in one story or not, and the verdict", storyWhy},
	{"unsure", "pairs of stories the machine kept apart although it found them alike, to merge or dismiss", storyUnsure},
	{"dismiss", "record that stories A and B are two events: unsure stops proposing them", storyDismiss},
}

const storyExamples = "  wiredesk story list -config demo.toml\n" +
	"  wiredesk story show interfax/49c72885b66b63384006\n" +
	"  wiredesk story why interfax/cee7534060e6a51db207 tass/1bda2e44e8acc1f04717\n" +
	"  wiredesk story merge rferl/5afcd770cc24f4955535 ap/386280c73c8535dd322a\n" +
	"  wiredesk story split rferl/4367d5a458c51ca75058 -by anna\n" +
	"  wiredesk story unsure -since 6h\n" +
	"  wiredesk story dismiss interfax/cee7534060e6a51db207 tass/1bda2e44e8acc1f04717\n\n" +
	"Works on the database, or through the running daemon when `wiredesk serve` holds it\n" +
	"(the admin endpoints, with WIREDESK_ADMIN_TOKEN or [server] admin_token as for poll-now).\n" +
	"Exit codes: 0 done, 1 failed (unknown story or item, refused decision), 2 usage,\n" +
	"4 database locked and no daemon answered, 5 database damaged."

func cmdStory(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(e.stderr, "Usage: wiredesk story SUBCOMMAND [flags] ARGS\n\nSubcommands:\n")
		for _, s := range storySubcommands {
			fmt.Fprintf(e.stderr, "  %-7s %s\n", s.name, s.summary)
		}
		fmt.Fprintf(e.stderr, "\nEvery subcommand takes -config FILE and -json, and answers --help.\n\nExamples:\n%s\n", storyExamples)
		if len(args) == 0 {
			return &usageError{msg: "story needs a subcommand: show, list, merge, split, why, unsure or dismiss"}
		}
		return flag.ErrHelp
	}
	for _, s := range storySubcommands {
		if s.name == args[0] {
			return s.run(ctx, e, args[1:])
		}
	}
	return &usageError{msg: fmt.Sprintf("story: unknown subcommand %q (show, list, merge, split, why, unsure, dismiss)", args[0])}
}

// storyFlags are the flags every story subcommand takes.
type storyFlags struct {
	fs      *flag.FlagSet
	cfgPath *string
	json    *bool
}

func newStoryFlags(e *env, name, synopsis, examples string) storyFlags {
	fs, cfg := flags(e, "story "+name, "story "+synopsis, examples+
		"\n\nWorks on the database, or through the running daemon when `wiredesk serve` holds it.\n"+
		"Exit codes: 0 done, 1 failed, 2 usage, 4 database locked and no daemon answered, 5 damaged.")
	return storyFlags{fs: fs, cfgPath: cfg, json: fs.Bool("json", false, "print the answer as JSON (the admin endpoint's shape)")}
}

// parse parses args (flags may follow the ids) and checks the number of
// ids.
func (f storyFlags) parse(args []string, ids int, what string) error {
	if err := parseFlags(f.fs, interleave(args)); err != nil {
		return err
	}
	if f.fs.NArg() != ids {
		f.fs.Usage()
		return &usageError{msg: fmt.Sprintf("story %s", what)}
	}
	return nil
}

func storyShow(ctx context.Context, e *env, args []string) error {
	f := newStoryFlags(e, "show", "show [-config FILE] [-json] STORY",
		"  wiredesk story show interfax/49c72885b66b63384006\n"+
			"  wiredesk story show -json interfax/49c72885b66b63384006 | jq .decisions\n\n"+
			"A story merged into another shows the story that absorbed it.")
	if err := f.parse(args, 1, "show needs one story id"); err != nil {
		return err
	}
	return withEditor(ctx, e, *f.cfgPath, false, false, func(ed desk.Editor) error {
		v, err := ed.Show(ctx, f.fs.Arg(0))
		if err != nil {
			return err
		}
		return printView(e, *f.json, v, func() error { return desk.WriteStory(e.stdout, v) })
	})
}

func storyList(ctx context.Context, e *env, args []string) error {
	f := newStoryFlags(e, "list", "list [-config FILE] [-n N] [-since DURATION] [-json]",
		"  wiredesk story list\n"+
			"  wiredesk story list -since 6h -n 50")
	n := f.fs.Int("n", desk.DefaultListLimit, "list at most `N` stories")
	since := f.fs.Duration("since", 0, "only stories updated within this `duration` (0: any)")
	if err := f.parse(args, 0, "list takes no arguments"); err != nil {
		return err
	}
	q := desk.ListQuery{Limit: *n}
	if *since > 0 {
		q.Since = time.Now().Add(-*since)
	}
	return withEditor(ctx, e, *f.cfgPath, false, false, func(ed desk.Editor) error {
		vs, err := ed.List(ctx, q)
		if err != nil {
			return err
		}
		return printView(e, *f.json, vs, func() error { return desk.WriteList(e.stdout, vs) })
	})
}

func storyMerge(ctx context.Context, e *env, args []string) error {
	f := newStoryFlags(e, "merge", "merge [-config FILE] [-by NAME] [-json] A B",
		"  wiredesk story merge rferl/5afcd770cc24f4955535 ap/386280c73c8535dd322a\n"+
			"  wiredesk story merge -by anna rferl/5afcd770cc24f4955535 ap/386280c73c8535dd322a\n\n"+
			"Every item of story B joins story A, which keeps its id; B's id is gone from the feeds.\n"+
			"Items that match B's items later join A. The decision is recorded with who and when,\n"+
			"shown by `story show` and published: in full (with who) in JSON Feed's _wiredesk data,\n"+
			"as a category \"merge\" in RSS and Atom (in full there too with [publish] decision_elements).")
	by := f.fs.String("by", "", "who decides (default: the OS user)")
	if err := f.parse(args, 2, "merge needs two story ids: A (kept) and B (merged into A)"); err != nil {
		return err
	}
	return withEditor(ctx, e, *f.cfgPath, true, false, func(ed desk.Editor) error {
		v, err := ed.Merge(ctx, f.fs.Arg(0), f.fs.Arg(1), editorName(e, *by))
		if err != nil {
			return err
		}
		return printView(e, *f.json, v, func() error {
			fmt.Fprintf(e.stdout, "merged story %s into %s\n\n", f.fs.Arg(1), v.ID)
			return desk.WriteStory(e.stdout, v)
		})
	})
}

func storySplit(ctx context.Context, e *env, args []string) error {
	f := newStoryFlags(e, "split", "split [-config FILE] [-by NAME] [-json] ITEM",
		"  wiredesk story split rferl/4367d5a458c51ca75058\n"+
			"  wiredesk story split -by anna rferl/4367d5a458c51ca75058\n\n"+
			"The item leaves its story for a new story of its own (id ITEM~N, stable), and never\n"+
			"rejoins the story it left; items that match it later join the new story. Published like\n"+
			"a merge: in full in JSON Feed's _wiredesk data, as a category \"split\" in RSS and Atom.")
	by := f.fs.String("by", "", "who decides (default: the OS user)")
	if err := f.parse(args, 1, "split needs one item id"); err != nil {
		return err
	}
	return withEditor(ctx, e, *f.cfgPath, true, false, func(ed desk.Editor) error {
		v, err := ed.Split(ctx, f.fs.Arg(0), editorName(e, *by))
		if err != nil {
			return err
		}
		return printView(e, *f.json, v, func() error {
			from := ""
			if n := len(v.Decisions); n > 0 {
				from = " of story " + v.Decisions[n-1].From
			}
			fmt.Fprintf(e.stdout, "split item %s out%s into story %s\n\n", f.fs.Arg(0), from, v.ID)
			return desk.WriteStory(e.stdout, v)
		})
	})
}

func storyWhy(ctx context.Context, e *env, args []string) error {
	f := newStoryFlags(e, "why", "why [-config FILE] [-json] ITEM-A ITEM-B",
		"  wiredesk story why interfax/cee7534060e6a51db207 tass/1bda2e44e8acc1f04717\n\n"+
			"Compares the two items as the cluster index does when the later one is stored,\n"+
			"with the index warmed from the database as serve and once warm it (the daemon's\n"+
			"own index when it runs): probability, features, shared words and the verdict.")
	if err := f.parse(args, 2, "why needs two item ids"); err != nil {
		return err
	}
	return withEditor(ctx, e, *f.cfgPath, false, true, func(ed desk.Editor) error {
		v, err := ed.Why(ctx, f.fs.Arg(0), f.fs.Arg(1))
		if err != nil {
			return err
		}
		return printView(e, *f.json, v, func() error { return desk.WriteWhy(e.stdout, v) })
	})
}

// sinceAny stands for "-since 0": every stored item is dated after it.
var sinceAny = time.Unix(0, 0).UTC()

func storyUnsure(ctx context.Context, e *env, args []string) error {
	f := newStoryFlags(e, "unsure", "unsure [-config FILE] [-since DURATION] [-floor P] [-n N] [-json]",
		"  wiredesk story unsure\n"+
			"  wiredesk story unsure -since 6h -floor 0.6 -n 50\n\n"+
			"Lists the pairs of stories the machine kept apart although an item of one scored at\n"+
			"least -floor against an item of the other, most probable first: where one event most\n"+
			"often ends up as two stories. Each pair shows both stories, the item pair that scored\n"+
			"best and the commands that settle it: `story merge` when they are one event, `story\n"+
			"dismiss` when they are two (the pair is not proposed again), `story why` for the\n"+
			"evidence. Compares as the cluster index does, warmed from the database as serve and\n"+
			"once warm it (the daemon's own index when it runs).")
	since := f.fs.Duration("since", desk.DefaultUnsureSince, "pairs with an item dated within this `duration` (0: any)")
	floor := f.fs.Float64("floor", desk.DefaultUnsureFloor, "the lowest `probability` listed, above 0 and at most 1")
	n := f.fs.Int("n", desk.DefaultListLimit, "list at most `N` pairs")
	if err := f.parse(args, 0, "unsure takes no arguments"); err != nil {
		return err
	}
	if !(*floor > 0 && *floor <= 1) {
		return &usageError{msg: fmt.Sprintf("story unsure: -floor %v: want a probability above 0 and at most 1 (wiredesk story unsure -h)", *floor)}
	}
	q := desk.UnsureQuery{Floor: *floor, Limit: *n, Since: sinceAny}
	if *since > 0 {
		q.Since = time.Now().Add(-*since)
	}
	return withEditor(ctx, e, *f.cfgPath, false, true, func(ed desk.Editor) error {
		vs, err := ed.Unsure(ctx, q)
		if err != nil {
			return err
		}
		return printView(e, *f.json, vs, func() error {
			var again []string // what the printed commands need to read this database too
			if *f.cfgPath != defaultConfig {
				again = []string{"-config", *f.cfgPath}
			}
			if err := desk.WriteUnsure(e.stdout, vs, again...); err != nil {
				return err
			}
			if len(vs) == 0 && *since > 0 {
				// The demo's items, and a quiet night's, are older than a day.
				_, err := fmt.Fprintf(e.stdout, "(items of the last %s at probability %.2f or more; -since 0 looks at every date, a lower -floor lists more)\n",
					wiredesk.FormatDuration(*since), *floor)
				return err
			}
			return nil
		})
	})
}

func storyDismiss(ctx context.Context, e *env, args []string) error {
	f := newStoryFlags(e, "dismiss", "dismiss [-config FILE] [-by NAME] [-json] A B",
		"  wiredesk story dismiss interfax/cee7534060e6a51db207 tass/1bda2e44e8acc1f04717\n"+
			"  wiredesk story dismiss -by anna interfax/cee7534060e6a51db207 tass/1bda2e44e8acc1f04717\n\n"+
			"Records, with who and when, that stories A and B are two events, so `story unsure`\n"+
			"stops proposing the pair (also after either is merged into another story). Nothing\n"+
			"published changes: no story, feed or item. The audit log lists it.")
	by := f.fs.String("by", "", "who decides (default: the OS user)")
	if err := f.parse(args, 2, "dismiss needs two story ids"); err != nil {
		return err
	}
	return withEditor(ctx, e, *f.cfgPath, true, false, func(ed desk.Editor) error {
		a, b := f.fs.Arg(0), f.fs.Arg(1)
		if err := ed.Dismiss(ctx, a, b, editorName(e, *by)); err != nil {
			return err
		}
		return printView(e, *f.json, desk.DismissAnswer{A: a, B: b}, func() error {
			_, err := fmt.Fprintf(e.stdout, "dismissed stories %s and %s: two events, not proposed again\n", a, b)
			return err
		})
	})
}

// withEditor runs op with the database when this process can open it, and
// with the running daemon when `wiredesk serve` holds it: at once when the
// holder file names a live serve, else after the lock times out. write
// opens the database read-write; index warms a cluster index for op.
func withEditor(ctx context.Context, e *env, cfgPath string, write, index bool, op func(desk.Editor) error) error {
	cfg, err := loadConfigReadOnly(e, cfgPath)
	if err != nil {
		return err
	}
	return besideDaemon(e, cfg, "story", write,
		func(daemon *desk.Client) error { return op(daemon) },
		func(db *storage.DB) error {
			var idx *cluster.Index
			if index {
				if idx, err = wiring.Cluster(ctx, cfg, db); err != nil {
					return err
				}
			}
			return op(wiring.Desk(cfg, db, idx, nil))
		})
}

// daemonEditor is the client of the running daemon's admin endpoints.
func daemonEditor(e *env, cfg *config.Config) (*desk.Client, error) {
	base, err := adminBase(cfg)
	if err != nil {
		return nil, err
	}
	return &desk.Client{BaseURL: base, Token: adminToken(e, cfg)}, nil
}

// editorName is who a decision is recorded as made by: -by, else the OS
// user, else $USER.
func editorName(e *env, by string) string {
	if by != "" {
		return by
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if v, ok := e.getenv("USER"); ok && v != "" {
		return v
	}
	return "unknown"
}

// printView prints v as indented JSON when asJSON is set, else as text.
func printView(e *env, asJSON bool, v any, text func() error) error {
	if !asJSON {
		return text()
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
