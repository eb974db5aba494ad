package publisher

import (
	"strings"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/publisher/render"
)

// An English story that absorbed Russian wires links their versions; the
// reader should know before following a link that it leads to Russian
// text. This file names languages for those "also" links.

// languageNames names languages in the language of a feed, by primary
// language subtag. English names are those of ISO 639; the Russian ones are
// the abbreviations Russian dictionaries and newsrooms use for languages
// ("англ.", "рус."). Languages of the region wiredesk's wires cover come
// first; a language missing here is shown by its code.
var languageNames = map[string]map[string]string{
	"en": {
		"en": "English", "ru": "Russian", "uk": "Ukrainian", "be": "Belarusian",
		"kk": "Kazakh", "ky": "Kyrgyz", "uz": "Uzbek", "tg": "Tajik", "tk": "Turkmen",
		"az": "Azerbaijani", "hy": "Armenian", "ka": "Georgian", "ro": "Romanian",
		"de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pl": "Polish",
		"tr": "Turkish", "fa": "Persian", "ar": "Arabic", "zh": "Chinese", "ja": "Japanese",
	},
	"ru": {
		"en": "англ.", "ru": "рус.", "uk": "укр.", "be": "белорус.",
		"kk": "каз.", "ky": "кирг.", "uz": "узб.", "tg": "тадж.", "tk": "туркм.",
		"az": "азерб.", "hy": "арм.", "ka": "груз.", "ro": "рум.",
		"de": "нем.", "fr": "франц.", "es": "исп.", "it": "итал.", "pl": "польск.",
		"tr": "тур.", "fa": "перс.", "ar": "араб.", "zh": "кит.", "ja": "япон.",
	},
}

// LanguageName names language lang (a BCP 47 tag such as "ru" or "en-US")
// in the language of a feed written in feedLang: Russian names in a
// Russian feed, English names in any other. A language without a name is
// shown by its tag.
func LanguageName(feedLang, lang string) string {
	names, ok := languageNames[primaryLanguage(feedLang)]
	if !ok {
		names = languageNames["en"]
	}
	if n, ok := names[primaryLanguage(lang)]; ok {
		return n
	}
	return lang
}

// primaryLanguage is the primary subtag of a language tag, lower case:
// "en-US" → "en".
func primaryLanguage(tag string) string {
	p, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	p, _, _ = strings.Cut(p, "_")
	return p
}

// itemLanguage is the language of an item: its own, else its source's;
// "" when neither is known.
func itemLanguage(it wiredesk.Item, sources map[string]wiredesk.Source) string {
	if it.Language != "" {
		return it.Language
	}
	return sources[it.SourceID].Language
}

// spansLanguages reports whether a story's lead (in language lead) and the
// versions it links are in more than one language. Only then do the
// "also" links name languages: in a story in one language that would be
// noise.
func spansLanguages(lead string, related []render.Link) bool {
	langs := map[string]bool{}
	if lead != "" {
		langs[primaryLanguage(lead)] = true
	}
	for _, r := range related {
		if r.Language != "" {
			langs[primaryLanguage(r.Language)] = true
		}
	}
	return len(langs) > 1
}
