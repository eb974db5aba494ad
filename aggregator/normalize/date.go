package normalize

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ParseDate parses a feed date from its raw string. loc interprets zoneless
// times and the MSK/MSD zone names (nil = UTC).
//
// Accepted forms, in any letter case and with any amount of white space:
//
//   - RFC 1123 / RFC 822 / RFC 2822: "Thu, 09 Feb 2006 23:59:45 +0000", with or
//     without the weekday and the seconds, one- or two-digit day, two-digit
//     year (00–49 → 20xx, 50–99 → 19xx, as RFC 2822 §4.3 says), and
//     parenthesised comments anywhere, nested or with \-escapes
//     ("… -0700 (MST)").
//   - ISO 8601 / RFC 3339: "2006-02-09T23:59:45.123Z", a space instead of
//     "T", with or without zone and fractional seconds, or a date alone.
//   - ANSI C and Go's String form: "Thu Feb  9 23:59:45 2006",
//     "2006-02-09 23:59:45 +0000 UTC".
//   - Russian: month names in every case and the usual abbreviations
//     ("10 июня 2025 г., 14:03", "10 июн 2025 14:03"), weekday names and
//     abbreviations ("Пн, 10 июн 2025 14:03:00 +0300"), "мск" as a zone.
//   - Numeric dates "10.06.2025", "08/02/2013", "10-06-2025", "2025/06/10".
//   - Unix time: 9–10 digits are seconds, 12–13 digits are milliseconds;
//     8 digits are a compact ISO date YYYYMMDD.
//
// Zones: numeric offsets (+0300, +03:00, +03) always win over a zone name
// next to them. Names: GMT, UT, UTC, Z, the RFC 822 North American zones
// (EST -5, EDT -4, CST -6, CDT -5, MST -7, MDT -6, PST -8, PDT -7; CST is
// US Central, not China), a few common European and Asian ones (WET, WEST,
// BST, CET, CEST, EET, EEST, JST, KST, HKT, SGT, AEST, AEDT), and MSK/мск
// (+03:00) and MSD (+04:00). When loc is not nil and is a Moscow-like zone at
// that moment (offset +03:00 or +04:00, as Europe/Moscow always is), MSK and
// MSD are read as wall time in loc, so that the tz database rather than the
// feed's label decides the offset: "MSK" in 2012 was +04:00, and wires often
// write MSK in summers when Moscow was on MSD. Single-letter military zones
// are read as UTC, as RFC 2822 §4.3 recommends, since RFC 822 had their
// signs reversed.
//
// Day/month order of numeric dates: dotted dates are always day first
// (10.06.2025 is 10 June: the Russian and German convention). Slashed and
// dashed dates are day first too (08/02/2013 is 8 February), because wiredesk
// serves Russian and European wires, except when that is impossible (month
// above 12) or when a weekday is given that fits only the month-first reading.
// A 4-digit first field means year first (2025/06/10).
//
// The weekday, when given, is otherwise not checked: wires get it wrong more
// often than the date. A date without a year, or any word that is not a
// month, weekday, zone or one of "at", "в", "г.", "года", "th" and the like,
// makes the string unparseable, and ParseDate reports false. ParseDate does
// not judge plausibility: a date far in the future is returned as it is.
func ParseDate(raw string, loc *time.Location) (time.Time, bool) {
	s := strings.TrimSpace(raw)
	if s == "" || len(s) > 256 {
		return time.Time{}, false
	}
	if allDigits(s) {
		return parseNumeric(s, loc)
	}
	if strings.IndexByte(s, '(') >= 0 {
		var ok bool
		if s, ok = stripComments(s); !ok {
			return time.Time{}, false
		}
	}
	var f dateFields
	if !f.scan(s) {
		return time.Time{}, false
	}
	return f.build(loc)
}

// dateFields collects what the scanner found before it is assembled.
type dateFields struct {
	nums    [3]numToken // bare numbers, in order
	nnum    int
	numDate [3]numToken // a numeric date such as 10.06.2025
	dateSep byte        // its separator; 0 when there is none
	month   int
	weekday int // 1 + time.Weekday; 0 when absent

	hour, min, sec, nsec int
	hasTime              bool
	ampm                 byte // 'a', 'p' or 0

	zone     zoneKind
	offset   int // seconds east of UTC for zoneFixed and zoneMoscow
	zoneName string
}

type numToken struct {
	val, digits int
}

type zoneKind uint8

const (
	zoneNone   zoneKind = iota // no zone: wall time in loc
	zoneName                   // a fixed offset from a zone name
	zoneMoscow                 // MSK or MSD: via loc if Moscow-like
	zoneOffset                 // a numeric offset; wins over names
)

// scan tokenises s and fills f. It reports false on anything it does not
// understand.
func (f *dateFields) scan(s string) bool {
	afterDate := false // the previous token was a numeric date (for ISO "T")
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ';':
			i++
			continue
		case isDigit(c):
			j := skipDigits(s, i)
			switch {
			case j+1 < len(s) && s[j] == ':' && isDigit(s[j+1]):
				n, ok := f.scanTime(s, i)
				if !ok {
					return false
				}
				i = n
			case j+1 < len(s) && (s[j] == '.' || s[j] == '/' || s[j] == '-') && isDigit(s[j+1]):
				n, ok := f.scanNumDate(s, i)
				if !ok {
					return false
				}
				i = n
				afterDate = true
				continue
			default:
				if j-i > 4 || f.nnum == len(f.nums) {
					return false
				}
				f.nums[f.nnum] = numToken{atoi(s[i:j]), j - i}
				f.nnum++
				i = j
			}
		case c == '+' || c == '-':
			if f.hasTime && i+1 < len(s) && isDigit(s[i+1]) {
				n, ok := f.scanOffset(s, i)
				if !ok {
					return false
				}
				i = n
			} else if c == '-' {
				i++
			} else {
				return false
			}
		case c == '.' || c == '/':
			i++
		default:
			j := i
			for j < len(s) {
				r, size := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsLetter(r) {
					break
				}
				j += size
			}
			if j == i {
				return false
			}
			w := s[i:j]
			if j < len(s) && s[j] == '.' {
				j++
			}
			if afterDate && (w == "t" || w == "T") && j < len(s) && isDigit(s[j]) {
				i = j
				afterDate = false
				continue
			}
			if !f.word(w) {
				return false
			}
			i = j
		}
		afterDate = false
	}
	return true
}

// scanTime reads h:mm[:ss[.frac]] at s[i:].
func (f *dateFields) scanTime(s string, i int) (int, bool) {
	if f.hasTime {
		return 0, false
	}
	j := skipDigits(s, i)
	if j-i > 2 {
		return 0, false
	}
	f.hour = atoi(s[i:j])
	i = j + 1 // past ':'
	j = skipDigits(s, i)
	if j-i != 2 {
		return 0, false
	}
	f.min = atoi(s[i:j])
	i = j
	if i+1 < len(s) && s[i] == ':' && isDigit(s[i+1]) {
		j = skipDigits(s, i+1)
		if j-i-1 != 2 {
			return 0, false
		}
		f.sec = atoi(s[i+1 : j])
		i = j
		if i+1 < len(s) && (s[i] == '.' || s[i] == ',') && isDigit(s[i+1]) {
			j = skipDigits(s, i+1)
			scale := 100_000_000
			for k := i + 1; k < j && scale > 0; k++ {
				f.nsec += int(s[k]-'0') * scale
				scale /= 10
			}
			i = j
		}
	}
	f.hasTime = true
	return i, true
}

// scanNumDate reads a numeric date d.m.y, d/m/y, y-m-d and the like.
func (f *dateFields) scanNumDate(s string, i int) (int, bool) {
	if f.dateSep != 0 {
		return 0, false
	}
	sep := byte(0)
	for k := range 3 {
		j := skipDigits(s, i)
		if j == i || j-i > 4 {
			return 0, false
		}
		f.numDate[k] = numToken{atoi(s[i:j]), j - i}
		i = j
		if k == 2 {
			break
		}
		if i+1 >= len(s) || !isDigit(s[i+1]) {
			return 0, false
		}
		if sep == 0 {
			sep = s[i]
		}
		if s[i] != sep {
			return 0, false
		}
		i++
	}
	f.dateSep = sep
	return i, true
}

// scanOffset reads +hh, +hhmm or +hh:mm at s[i:].
func (f *dateFields) scanOffset(s string, i int) (int, bool) {
	if f.zone == zoneOffset {
		return 0, false
	}
	sign := 1
	if s[i] == '-' {
		sign = -1
	}
	i++
	j := skipDigits(s, i)
	var h, m int
	switch j - i {
	case 1, 2:
		h = atoi(s[i:j])
		if j+2 < len(s) && s[j] == ':' && isDigit(s[j+1]) && isDigit(s[j+2]) {
			m = atoi(s[j+1 : j+3])
			j += 3
		}
	case 4:
		h, m = atoi(s[i:i+2]), atoi(s[i+2:j])
	default:
		return 0, false
	}
	if h > 23 || m > 59 {
		return 0, false
	}
	f.zone = zoneOffset
	f.offset = sign * (h*3600 + m*60)
	f.zoneName = ""
	return j, true
}

// word classifies one alphabetic token.
func (f *dateFields) word(w string) bool {
	lw := lowerWord(w)
	if m := monthOf(lw); m != 0 {
		if f.month != 0 {
			return false
		}
		f.month = m
		return true
	}
	if wd, ok := weekdayOf(lw); ok {
		f.weekday = int(wd) + 1
		return true
	}
	switch lw {
	case "am", "pm":
		if f.ampm != 0 {
			return false
		}
		f.ampm = lw[0]
		return true
	case "at", "of", "th", "st", "nd", "rd", "в", "г", "год", "года", "гг":
		return true
	}
	name, off, kind, ok := zoneOf(lw)
	if !ok && len(lw) == 1 && lw[0] >= 'a' && lw[0] <= 'z' && lw[0] != 'j' && f.hasTime {
		// RFC 822 military zone; RFC 2822 §4.3: treat as UTC.
		name, off, kind, ok = "UTC", 0, zoneName, true
	}
	if !ok {
		return false
	}
	switch f.zone {
	case zoneOffset:
		return true // "-0700 (MST)", "+0000 UTC": the number wins
	case zoneName, zoneMoscow:
		return false
	}
	f.zone, f.offset, f.zoneName = kind, off, name
	return true
}

// build assembles the fields into a time.
func (f *dateFields) build(loc *time.Location) (time.Time, bool) {
	year, month, day, ok := f.date()
	if !ok {
		return time.Time{}, false
	}
	hour := f.hour
	switch f.ampm {
	case 'a', 'p':
		if !f.hasTime || hour < 1 || hour > 12 {
			return time.Time{}, false
		}
		hour %= 12
		if f.ampm == 'p' {
			hour += 12
		}
	}
	if hour > 24 || f.min > 59 || f.sec > 60 || (hour == 24 && (f.min != 0 || f.sec != 0 || f.nsec != 0)) {
		return time.Time{}, false
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || year < 1 || year > 9999 {
		return time.Time{}, false
	}
	var zl *time.Location
	switch f.zone {
	case zoneNone:
		zl = loc
		if zl == nil {
			zl = time.UTC
		}
	case zoneMoscow:
		if loc != nil {
			t := time.Date(year, time.Month(month), day, hour, f.min, f.sec, f.nsec, loc)
			if _, off := t.Zone(); off == 3*3600 || off == 4*3600 {
				return t, true
			}
		}
		zl = time.FixedZone(f.zoneName, f.offset)
	default:
		if f.offset == 0 {
			zl = time.UTC
		} else {
			zl = time.FixedZone(f.zoneName, f.offset)
		}
	}
	return time.Date(year, time.Month(month), day, hour, f.min, f.sec, f.nsec, zl), true
}

// date works out year, month and day from the tokens.
func (f *dateFields) date() (year, month, day int, ok bool) {
	nums := f.nums[:f.nnum]
	if f.month != 0 {
		if f.dateSep != 0 {
			return 0, 0, 0, false
		}
		if len(nums) == 3 && !f.hasTime && nums[2].digits == 4 {
			// "03 Apr 02 1500 GMT": the last number is hhmm.
			f.hour, f.min, f.hasTime = nums[2].val/100, nums[2].val%100, true
			nums = nums[:2]
		}
		if len(nums) != 2 {
			return 0, 0, 0, false
		}
		d, y := nums[0], nums[1]
		if d.digits >= 3 && y.digits <= 2 {
			d, y = y, d // "2006 Feb 09"
		}
		if d.digits > 2 {
			return 0, 0, 0, false
		}
		year, ok = fullYear(y)
		return year, f.month, d.val, ok
	}
	if f.dateSep == 0 || len(nums) > 1 {
		return 0, 0, 0, false
	}
	if len(nums) == 1 {
		if f.hasTime || nums[0].digits != 4 {
			return 0, 0, 0, false
		}
		f.hour, f.min, f.hasTime = nums[0].val/100, nums[0].val%100, true
	}
	a, b, c := f.numDate[0], f.numDate[1], f.numDate[2]
	if a.digits == 4 {
		if b.digits > 2 || c.digits > 2 {
			return 0, 0, 0, false
		}
		return a.val, b.val, c.val, true
	}
	if a.digits > 2 || b.digits > 2 {
		return 0, 0, 0, false
	}
	if year, ok = fullYear(c); !ok {
		return 0, 0, 0, false
	}
	day, month = a.val, b.val
	if f.dateSep != '.' && monthFirst(year, a.val, b.val, f.weekday) {
		day, month = b.val, a.val
	}
	return year, month, day, true
}

// monthFirst reports whether the slashed date a/b/year must be read as
// month/day: when day-first is impossible, or when the weekday fits only
// month-first.
func monthFirst(year, a, b, weekday int) bool {
	if a > 12 || b < 1 || b > 31 || a < 1 {
		return false
	}
	if b > 12 {
		return true
	}
	if weekday == 0 || a == b {
		return false
	}
	dayFirst := time.Date(year, time.Month(b), a, 0, 0, 0, 0, time.UTC).Weekday()
	monFirst := time.Date(year, time.Month(a), b, 0, 0, 0, 0, time.UTC).Weekday()
	return int(dayFirst)+1 != weekday && int(monFirst)+1 == weekday
}

// fullYear expands two- and three-digit years as RFC 2822 §4.3 says.
func fullYear(y numToken) (int, bool) {
	switch y.digits {
	case 2:
		if y.val < 50 {
			return 2000 + y.val, true
		}
		return 1900 + y.val, true
	case 3:
		return 1900 + y.val, true
	case 4:
		return y.val, true
	}
	return 0, false
}

// parseNumeric handles an all-digit string: unix seconds or milliseconds, or
// a compact date.
func parseNumeric(s string, loc *time.Location) (time.Time, bool) {
	switch len(s) {
	case 8:
		y, m, d := atoi(s[:4]), atoi(s[4:6]), atoi(s[6:])
		if y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
			return time.Time{}, false
		}
		if loc == nil {
			loc = time.UTC
		}
		return time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc), true
	case 9, 10:
		return time.Unix(int64(atoi(s)), 0).UTC(), true
	case 12, 13:
		return time.UnixMilli(int64(atoi(s))).UTC(), true
	}
	return time.Time{}, false
}

// stripComments removes RFC 2822 comments: "(…)", nested, with "\"
// escapes. Each comment becomes a space. It reports false when parentheses
// do not balance.
func stripComments(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case depth > 0 && c == '\\':
			i++
		case c == '(':
			depth++
		case c == ')':
			if depth == 0 {
				return "", false
			}
			depth--
			if depth == 0 {
				b.WriteByte(' ')
			}
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String(), depth == 0
}

// lowerWord lower-cases w, without allocating when it is already lower case.
func lowerWord(w string) string {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= utf8.RuneSelf || (c >= 'A' && c <= 'Z') {
			return strings.ToLower(w)
		}
	}
	return w
}

// monthOf returns 1–12 for an English or Russian month name or
// abbreviation in lower case, 0 for anything else.
func monthOf(w string) int {
	switch w {
	case "jan", "january", "янв":
		return 1
	case "feb", "february", "фев", "февр":
		return 2
	case "mar", "march", "мар":
		return 3
	case "apr", "april", "апр":
		return 4
	case "may", "май", "мая", "мае", "маю", "маем", "маём":
		return 5
	case "jun", "june":
		return 6
	case "jul", "july":
		return 7
	case "aug", "august", "авг":
		return 8
	case "sep", "sept", "september", "сен", "сент":
		return 9
	case "oct", "october", "окт":
		return 10
	case "nov", "november", "ноя", "нояб":
		return 11
	case "dec", "december", "дек":
		return 12
	}
	if w == "" || w[0] < utf8.RuneSelf {
		return 0
	}
	// Russian full names: a stem and a case ending (января, январе, январём…).
	for _, end := range [...]string{"", "ь", "я", "е", "ю", "ем", "ём", "а", "у", "ом"} {
		stem, ok := strings.CutSuffix(w, end)
		if !ok {
			continue
		}
		switch stem {
		case "январ":
			return 1
		case "феврал":
			return 2
		case "март":
			return 3
		case "апрел":
			return 4
		case "июн":
			return 6
		case "июл":
			return 7
		case "август":
			return 8
		case "сентябр":
			return 9
		case "октябр":
			return 10
		case "ноябр":
			return 11
		case "декабр":
			return 12
		}
	}
	return 0
}

// weekdayOf recognises English and Russian weekday names and abbreviations
// in lower case, in any grammatical case ("в среду").
func weekdayOf(w string) (time.Weekday, bool) {
	switch w {
	case "sun", "sunday", "вс", "вск", "воскр", "воскресенье":
		return time.Sunday, true
	case "mon", "monday", "пн", "пнд", "пон", "понедельник", "понедельника":
		return time.Monday, true
	case "tue", "tues", "tuesday", "вт", "втр", "вто", "вторник", "вторника":
		return time.Tuesday, true
	case "wed", "wednesday", "ср", "срд", "сре", "среда", "среду", "среды":
		return time.Wednesday, true
	case "thu", "thur", "thurs", "thursday", "чт", "чтв", "чет", "четверг", "четверга":
		return time.Thursday, true
	case "fri", "friday", "пт", "птн", "пят", "пятница", "пятницу", "пятницы":
		return time.Friday, true
	case "sat", "saturday", "сб", "сбт", "суб", "суббота", "субботу", "субботы":
		return time.Saturday, true
	}
	return 0, false
}

// zoneOf returns the canonical name and offset (seconds east) of a lower-case
// zone name.
func zoneOf(w string) (name string, offset int, kind zoneKind, ok bool) {
	const h = 3600
	switch w {
	case "gmt", "ut", "utc", "z", "uct", "wet":
		return "UTC", 0, zoneName, true
	case "msk", "мск":
		return "MSK", 3 * h, zoneMoscow, true
	case "msd":
		return "MSD", 4 * h, zoneMoscow, true
	case "est":
		return "EST", -5 * h, zoneName, true
	case "edt":
		return "EDT", -4 * h, zoneName, true
	case "cst":
		return "CST", -6 * h, zoneName, true
	case "cdt":
		return "CDT", -5 * h, zoneName, true
	case "mst":
		return "MST", -7 * h, zoneName, true
	case "mdt":
		return "MDT", -6 * h, zoneName, true
	case "pst":
		return "PST", -8 * h, zoneName, true
	case "pdt":
		return "PDT", -7 * h, zoneName, true
	case "west", "bst", "cet":
		return strings.ToUpper(w), 1 * h, zoneName, true
	case "cest", "eet":
		return strings.ToUpper(w), 2 * h, zoneName, true
	case "eest":
		return "EEST", 3 * h, zoneName, true
	case "hkt", "sgt":
		return strings.ToUpper(w), 8 * h, zoneName, true
	case "jst", "kst":
		return strings.ToUpper(w), 9 * h, zoneName, true
	case "aest":
		return "AEST", 10 * h, zoneName, true
	case "aedt":
		return "AEDT", 11 * h, zoneName, true
	}
	return "", 0, zoneNone, false
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func skipDigits(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// atoi converts a short run of ASCII digits; callers bound the length.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
