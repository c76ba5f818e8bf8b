package env

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// keyPlaces knows where each key of a devenv.toml is written: the text the Config was
// parsed from, and the byte offset of the first character of every key path in it.
// Errors found after parsing (by Resolve, while watch runs) are placed from these,
// never by reading the file again, which may have changed since.
//
// BurntSushi/toml (v1.6) keeps its key positions private, so they are found here by
// scanning the text the parser has already accepted: a scan that follows TOML's
// lexical structure (strings, multi-line strings, arrays, inline tables, dotted keys,
// table headers), so a key inside a string is never taken for one.
type keyPlaces struct {
	src   string
	at    map[string]int // toml.Key(path).String() → offset where the key is first written
	lines []int          // offsets where each line starts
}

// placeKeys scans src, which the TOML parser accepted.
func placeKeys(src string) keyPlaces {
	s := &keyScanner{src: src, at: map[string]int{}}
	var table []string
	for {
		s.skipSpace(true)
		if s.i >= len(src) {
			break
		}
		if src[s.i] == '[' {
			start, closing := s.i, "]"
			s.i++
			if s.peek() == '[' {
				s.i, closing = s.i+1, "]]"
			}
			table = s.key()
			s.skipSpace(false)
			s.i = min(s.i+len(closing), len(s.src))
			s.record(table, start)
			continue
		}
		before := s.i
		s.keyValue(table)
		s.progress(before)
	}
	p := keyPlaces{src: src, at: s.at, lines: []int{0}}
	for i := range len(src) {
		if src[i] == '\n' {
			p.lines = append(p.lines, i+1)
		}
	}
	return p
}

// find returns the line and column (from 1, in bytes) of the key at path. A key the
// file does not write is placed at its nearest written parent; 0, 0 when none is.
func (p keyPlaces) find(path []string) (line, col int) {
	for n := len(path); n > 0; n-- {
		if off, ok := p.at[toml.Key(path[:n]).String()]; ok {
			return p.lineCol(off)
		}
	}
	return 0, 0
}

func (p keyPlaces) lineCol(off int) (line, col int) {
	line = sort.Search(len(p.lines), func(i int) bool { return p.lines[i] > off })
	return line, off - p.lines[line-1] + 1
}

// clampCol keeps a column the parser reports past the end of its line on that line.
func (p keyPlaces) clampCol(line, col int) int {
	if line < 1 || line > len(p.lines) {
		return col
	}
	end := len(p.src)
	if line < len(p.lines) {
		end = p.lines[line] - 1
	}
	return min(col, end-p.lines[line-1]+1)
}

// keyScanner walks TOML text that is known to be valid; at the end of the text every
// step stops, so no input can make it loop.
type keyScanner struct {
	src string
	i   int
	at  map[string]int
}

func (s *keyScanner) peek() byte {
	if s.i < len(s.src) {
		return s.src[s.i]
	}
	return 0
}

func (s *keyScanner) has(prefix string) bool {
	return s.i < len(s.src) && strings.HasPrefix(s.src[s.i:], prefix)
}

// progress steps over one byte when a step read nothing, which only text the parser
// would have refused can cause.
func (s *keyScanner) progress(before int) {
	if s.i == before {
		s.i++
	}
}

// record places path, and each parent not yet placed (dotted keys and [a.b] headers
// make their parents implicitly), at offset off.
func (s *keyScanner) record(path []string, off int) {
	for n := 1; n <= len(path); n++ {
		k := toml.Key(path[:n]).String()
		if _, ok := s.at[k]; !ok {
			s.at[k] = off
		}
	}
}

// skipSpace skips blanks and comments, and line breaks too when newlines is set.
func (s *keyScanner) skipSpace(newlines bool) {
	for s.i < len(s.src) {
		switch c := s.src[s.i]; {
		case c == ' ' || c == '\t' || c == '\r' || (c == '\n' && newlines):
			s.i++
		case c == '#':
			if end := strings.IndexByte(s.src[s.i:], '\n'); end >= 0 {
				s.i += end
			} else {
				s.i = len(s.src)
			}
		default:
			return
		}
	}
}

// keyValue reads `key = value` inside table, placing the key and any key of an inline
// table in its value.
func (s *keyScanner) keyValue(table []string) {
	start := s.i
	path := append(slices.Clone(table), s.key()...)
	s.record(path, start)
	s.skipSpace(false)
	if s.peek() == '=' {
		s.i++
	}
	s.skipSpace(false)
	s.value(path)
}

// key reads a dotted key: bare, "basic" or 'literal' parts joined by dots.
func (s *keyScanner) key() []string {
	var parts []string
	for {
		s.skipSpace(false)
		start := s.i
		switch s.peek() {
		case '"':
			s.str()
			raw := s.src[start:s.i]
			part, err := strconv.Unquote(raw)
			if err != nil {
				part = strings.Trim(raw, `"`)
			}
			parts = append(parts, part)
		case '\'':
			s.str()
			parts = append(parts, strings.Trim(s.src[start:s.i], "'"))
		default:
			for s.i < len(s.src) && !strings.ContainsRune(" \t\r\n.=]#,}", rune(s.src[s.i])) {
				s.i++
			}
			parts = append(parts, s.src[start:s.i])
		}
		s.skipSpace(false)
		if s.peek() != '.' {
			return parts
		}
		s.i++
	}
}

// value skips one value, placing the keys of inline tables in it under path (with no
// index for array items, as the parser names them).
func (s *keyScanner) value(path []string) {
	switch s.peek() {
	case '"', '\'':
		s.str()
	case '[':
		s.items(']', func() { s.value(path) })
	case '{':
		s.items('}', func() { s.keyValue(path) })
	default:
		// A number, boolean or date: it ends where the line, a comment or its array or
		// table does.
		for s.i < len(s.src) && !strings.ContainsRune(",]}#\n", rune(s.src[s.i])) {
			s.i++
		}
	}
}

// items skips the comma-separated items of an array or inline table up to its closing
// byte, each with item; it stops at the end of the text when the closing byte is missing.
func (s *keyScanner) items(closing byte, item func()) {
	s.i++
	for {
		s.skipSpace(true)
		switch s.peek() {
		case 0:
			return
		case closing:
			s.i++
			return
		case ',':
			s.i++
		default:
			before := s.i
			item()
			s.progress(before)
		}
	}
}

// str skips a string of any of TOML's four kinds.
func (s *keyScanner) str() {
	quote := s.src[s.i]
	escapes := quote == '"'
	if delim := strings.Repeat(string(quote), 3); s.has(delim) {
		s.i += 3
		for s.i < len(s.src) {
			switch {
			case escapes && s.src[s.i] == '\\':
				s.i += 2
			case s.has(delim):
				s.i += 3
				// Up to two quotes right before the closing ones belong to the string.
				for extra := 0; extra < 2 && s.peek() == quote; extra++ {
					s.i++
				}
				return
			default:
				s.i++
			}
		}
		s.i = min(s.i, len(s.src))
		return
	}
	s.i++
	for s.i < len(s.src) {
		switch c := s.src[s.i]; {
		case escapes && c == '\\':
			s.i += 2
		case c == quote:
			s.i++
			return
		case c == '\n':
			return
		default:
			s.i++
		}
	}
	s.i = min(s.i, len(s.src))
}
