package customergroup

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// MaxNameLength is the longest group name, in characters (runes), after trimming.
const MaxNameLength = 255

// MaxIDLength is the longest group or customer id, in bytes.
const MaxIDLength = 255

// textProblem says what is wrong with s for a field that must be valid UTF-8 with no control
// characters, or "" when nothing is.
func textProblem(s string) string {
	printableASCII := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			printableASCII = false
			break
		}
	}
	if printableASCII { // the common case, checked without decoding
		return ""
	}
	if !utf8.ValidString(s) {
		return fmt.Sprintf("is not valid UTF-8: %.80q", s)
	}
	for i, r := range s {
		if unicode.IsControl(r) {
			return fmt.Sprintf("has a control character %U at byte %d: %.80q", r, i, s)
		}
	}
	return ""
}

// ValidateID checks a group or customer id: non-empty, at most MaxIDLength bytes, valid
// UTF-8, no control characters. Ids are opaque: they are not trimmed or folded. field names
// the input in the error.
func ValidateID(field, id string) error {
	switch {
	case id == "":
		return invalid(field, "must not be empty")
	case len(id) > MaxIDLength:
		return invalid(field, "is %d bytes, more than the limit of %d: %.40q…", len(id), MaxIDLength, id)
	}
	if p := textProblem(id); p != "" {
		return invalid(field, "%s", p)
	}
	return nil
}

// NormalizeName trims a group name and checks it: non-empty, at most MaxNameLength
// characters, valid UTF-8, no control characters.
func NormalizeName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", invalid("name", "is not valid UTF-8: %q", name)
	}
	name = strings.TrimSpace(name)
	if p := textProblem(name); p != "" {
		return "", invalid("name", "%s", p)
	}
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", invalid("name", "must not be empty")
	case n > MaxNameLength:
		return "", invalid("name", "is %d characters, more than the limit of %d", n, MaxNameLength)
	}
	return name, nil
}

var folder = cases.Fold()

// FoldName is the key under which group names are compared: Unicode case folding and NFC
// normalisation, so "VIP", "vip" and "Vip" are one name, and so are a precomposed "é" and an
// "e" followed by a combining accent. Stores keep it beside the name, unique, and use it for
// name filters, search and sorting by name. It is idempotent: FoldName(FoldName(s)) ==
// FoldName(s).
func FoldName(name string) string {
	s := name
	for range 4 { // reaches a fixed point in one or two rounds for real text
		next := norm.NFC.String(folder.String(s))
		if next == s {
			break
		}
		s = next
	}
	return s
}
