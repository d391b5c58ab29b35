package customergroup_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/matryer/is"

	"github.com/b02aa859/customergroup"
)

func TestNormalizeName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"VIP", "VIP"},
		{"  Wholesale \t\n", "Wholesale"},
		{"\u00a0Café\u00a0", "Café"}, // Unicode white space is trimmed too
		{"Two  Spaces Inside", "Two  Spaces Inside"},
		{"école", "école"}, // not folded, not normalized: kept as written
		{"e\u0301cole", "e\u0301cole"},
		{strings.Repeat("é", customergroup.MaxNameLength), strings.Repeat("é", customergroup.MaxNameLength)}, // characters, not bytes
		{" " + strings.Repeat("x", customergroup.MaxNameLength) + " ", strings.Repeat("x", customergroup.MaxNameLength)},
	} {
		got, err := customergroup.NormalizeName(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{
		"",
		"   ",
		"\t\n",
		strings.Repeat("x", customergroup.MaxNameLength+1),
		strings.Repeat("é", customergroup.MaxNameLength+1),
		"VIP\x00",
		"V\nIP",
		"a\x7f",
		"a\u0085b",
		"bad\xffutf8",
		"\xff",
	} {
		t.Run("refuses", func(t *testing.T) {
			is := is.New(t)
			got, err := customergroup.NormalizeName(in)
			isInvalid(t, err, "name")
			is.Equal(got, "")
		})
	}
}

func TestValidateID(t *testing.T) {
	for _, id := range []string{
		"01J9Z3",
		"cus_123",
		" padded ", // opaque: not trimmed, and allowed
		"émoji😀",
		strings.Repeat("x", customergroup.MaxIDLength),
	} {
		if err := customergroup.ValidateID("id", id); err != nil {
			t.Errorf("ValidateID(%q) = %v, want nil", id, err)
		}
	}
	for _, id := range []string{
		"",
		strings.Repeat("x", customergroup.MaxIDLength+1),
		strings.Repeat("é", customergroup.MaxIDLength/2+1), // bytes, not characters
		"a\x00",
		"a\tb",
		"line\n",
		"\xc3(",
	} {
		isInvalid(t, customergroup.ValidateID("customerIDs[7]", id), "customerIDs[7]")
	}
}

func TestFoldName(t *testing.T) {
	for _, tc := range []struct {
		name   string
		a, b   string
		same   bool
		folded string // FoldName(a), when not ""
	}{
		{"ASCII case", "VIP", "vip", true, "vip"},
		{"mixed case", "Vip", "vIP", true, "vip"},
		{"accented capitals", "ÉCOLE", "école", true, "école"},
		{"NFD vs NFC", "e\u0301cole", "\u00e9cole", true, "\u00e9cole"},
		{"NFD capitals vs NFC", "E\u0301COLE", "école", true, "école"},
		{"Angstrom sign vs Å", "\u212b", "\u00e5", true, "\u00e5"},
		{"Kelvin sign vs k", "\u212a", "k", true, "k"},
		{"ß folds to ss", "Straße", "STRASSE", true, "strasse"},
		{"capital sharp s", "\u1e9e", "ss", true, "ss"},
		{"final sigma", "ΣΑΣ", "σας", true, "σασ"},
		{"ligature", "\ufb00", "ff", true, "ff"},
		{"different names", "VIP", "VIP2", false, ""},
		{"accent matters", "ecole", "école", false, "ecole"},
		{"white space is not trimmed by FoldName", " vip", "vip", false, " vip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			fa, fb := customergroup.FoldName(tc.a), customergroup.FoldName(tc.b)
			is.Equal(fa == fb, tc.same)
			if tc.folded != "" {
				is.Equal(fa, tc.folded)
			}
		})
	}
}

func TestFoldNameIdempotent(t *testing.T) {
	for _, s := range []string{
		"", "VIP", "ÉCOLE", "e\u0301cole", "Straße", "\u1e9e", "İstanbul", "ǰ", "J\u030c",
		"ΣΑΣ", "\u0390", "\u1f80", "ﬃ", "\u0345", "a\u0301\u0327", "ᾼ", "Ω", "\u212b",
	} {
		once := customergroup.FoldName(s)
		if twice := customergroup.FoldName(once); twice != once {
			t.Errorf("FoldName(%q) = %q, but FoldName of that = %q", s, once, twice)
		}
	}
}

func TestFoldNameConcurrent(t *testing.T) {
	// Stores fold names from many goroutines at once; run under -race.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if got := customergroup.FoldName("ÉCOLE Straße"); got != "école strasse" {
					t.Errorf("FoldName = %q", got)
					return
				}
			}
		})
	}
	wg.Wait()
}
