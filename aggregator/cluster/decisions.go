package cluster

// This file applies editors' decisions (wiredesk.StoryDecision) to an
// Index. They change which story indexed items belong to, never how Match
// scores a pair: the storage layer records the decisions, and the index
// only has to agree with it so that later items join the story an editor
// chose.

// MergeStories indexes every item of story from under story into, as an
// editor's merge decided, so that new items matching any of them join
// into. An item added later under from (matched before the merge, saved
// after it) is indexed under into as well, until the index compacts; by
// then storage has moved it. Merging a story into itself, or two stories
// the index does not hold, does nothing.
func (x *Index) MergeStories(into, from string) {
	if into == from {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	f, hasFrom := x.storyOf[from]
	t, hasInto := x.storyOf[into]
	switch {
	case !hasFrom && !hasInto:
		return
	case !hasInto:
		t = x.newStory(into, x.stories[f].first)
	}
	x.storyOf[from] = t
	if !hasFrom || f == t {
		return
	}
	for i := range x.entries {
		if x.entries[i].story == f {
			x.entries[i].story = t
		}
	}
	x.stories[t].items += x.stories[f].items
	x.stories[t].first = min(x.stories[t].first, x.stories[f].first)
	x.stories[f].items = 0
}

// SplitItem indexes the item under story to, a story of its own, as an
// editor's split decided: new items that match it join to. The item is
// kept apart from story from for good (see KeepApart). An item the index
// does not hold is only kept apart.
func (x *Index) SplitItem(itemID, from, to string) {
	id := hash64(itemID)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.apart[apartKey{id, from}] = true
	s, ok := x.ids[id]
	if !ok {
		return
	}
	e := &x.entries[s]
	old := e.story
	t, ok := x.storyOf[to]
	if !ok {
		t = x.newStory(to, e.unix)
	}
	if t == old {
		return
	}
	e.story = t
	x.stories[t].items++
	x.stories[t].first = min(x.stories[t].first, e.unix)
	x.stories[old].items--
	x.stories[old].first = x.firstOf(old)
}

// KeepApart records that the item must never join the story again: Match
// does not return that story for it. Warming an index from storage calls
// it for every split an editor decided.
func (x *Index) KeepApart(itemID, storyID string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.apart[apartKey{hash64(itemID), storyID}] = true
}

// newStory adds an empty story; x.mu is held.
func (x *Index) newStory(id string, first int64) int32 {
	st := int32(len(x.stories))
	x.stories = append(x.stories, story{id: id, first: first})
	x.storyOf[id] = st
	return st
}

// firstOf returns the earliest time of the live items of story st, or its
// recorded first time when none is left; x.mu is held. It walks every
// entry, which an editor's decision can afford and Match never does.
func (x *Index) firstOf(st int32) int64 {
	first, found := x.stories[st].first, false
	for i := range x.entries {
		e := &x.entries[i]
		if e.alive && e.story == st && (!found || e.unix < first) {
			first, found = e.unix, true
		}
	}
	return first
}
