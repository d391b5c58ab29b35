package storetest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	cg "github.com/b02aa859/customergroup"
)

// requireMetadataRoundTrip creates a group with md and checks that Get, List and a later
// Update and EditMetadata all keep md's rows exactly, in order.
func requireMetadataRoundTrip(t *testing.T, h *harness, name string, md cg.Metadata) {
	t.Helper()
	g := h.createWith(cg.NewGroup{Name: name, Metadata: md})
	want := md.Entries()
	require.Equal(t, want, h.get(g.ID).Metadata.Entries(), "Get")
	listed := h.list(cg.Query{IDs: []string{g.ID}})
	require.Len(t, listed.Groups, 1)
	require.Equal(t, want, listed.Groups[0].Metadata.Entries(), "List")

	// Through Update (the editor's Save), with the rows reversed.
	rev := make([]cg.Entry, len(want))
	for i, e := range want {
		rev[len(want)-1-i] = e
	}
	revMD := mustMetadataOf(t, rev...)
	_, err := h.svc.Update(h.ctx, g.ID, cg.Update{Metadata: &revMD})
	require.NoError(t, err)
	require.Equal(t, rev, h.get(g.ID).Metadata.Entries(), "Get after Update with the rows reversed")

	// Through EditMetadata, back in the original order.
	_, err = h.svc.EditMetadata(h.ctx, g.ID, func(m *cg.Metadata) error {
		*m = md.Clone()
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, want, h.get(g.ID).Metadata.Entries(), "Get after EditMetadata")
}

func metadataTests() []testCase {
	return []testCase{
		{"KeepsOrder", func(t *testing.T, h *harness) {
			requireMetadataRoundTrip(t, h, "zamb", metadata(t, "z", "1", "a", "2", "m", "3", "b", "4"))
		}},
		{"KeepsOrderOfManyKeys", func(t *testing.T, h *harness) {
			// 60 keys in an order that is neither sorted nor insertion order of a map,
			// including keys that look like numbers (JSON objects in some databases reorder
			// those).
			keys := []string{"10", "9", "1", "01", "0", "-1", "1.5", "_", "A", "a", "Z"}
			for len(keys) < 60 {
				keys = append(keys, fmt.Sprintf("key-%02d", len(keys)))
			}
			rng := rand.New(rand.NewPCG(7, 11))
			rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
			es := make([]cg.Entry, len(keys))
			for i, k := range keys {
				es[i] = cg.Entry{Key: k, Value: fmt.Sprintf("value %d", i)}
			}
			requireMetadataRoundTrip(t, h, "Many keys", mustMetadataOf(t, es...))
		}},
		{"KeepsUnicodeAndSpecialCharacters", func(t *testing.T, h *harness) {
			md := metadata(t,
				"quote", `say "hi" and 'bye'`,
				"newlines", "line 1\nline 2\r\nline 3\r",
				"tab", "a\tb",
				"backslash", `C:\path\to\file \\ \n \u0041 \x00`,
				"json", `{"nested": [1, 2, {"a": null}]}`,
				"sql", `'; DROP TABLE customer_groups; --`,
				"like", `100% _off_ \% \_`,
				"emoji", "🎉 👩‍👩‍👧 🇫🇷",
				"cjk", "日本語のテキスト",
				"rtl", "\u202eevil\u202c العربية",
				"separators", "\u2028\u2029\u00a0\ufeff",
				"escape", "\x1b[31mred\x1b[0m \a \b \f \v",
				"padded", "  spaces around  ",
				"empty", "",
				"null", "null",
				"html", "<b>&amp;</b>",
				"ключ", "значение",
				"😀", "emoji key",
				`k"q`, "quote in key",
				`k\b`, "backslash in key",
				"a key with spaces", "x",
				"é", "precomposed key",
				"e\u0301", "decomposed key",
				"Key", "capital K",
				"key", "small k",
				"KEY", "all capitals",
			)
			requireMetadataRoundTrip(t, h, "Special", md)
		}},
		{"KeysAreExact", func(t *testing.T, h *harness) {
			// Keys are unique by exact match: case, normalisation and inner spacing count.
			md := metadata(t, "color", "1", "Color", "2", "COLOR", "3", "colour", "4",
				"é", "5", "e\u0301", "6", "a b", "7", "a  b", "8", "ß", "9", "ss", "10")
			requireMetadataRoundTrip(t, h, "Exact keys", md)
		}},
		{"AtTheLimits", func(t *testing.T, h *harness) {
			l := cg.DefaultLimits
			es := make([]cg.Entry, l.MaxEntries)
			for i := range es {
				es[i] = cg.Entry{Key: fmt.Sprintf("k%03d", (i*37)%l.MaxEntries), Value: fmt.Sprint(i)}
			}
			es[0] = cg.Entry{Key: strings.Repeat("ü", l.MaxKeyBytes/2), Value: strings.Repeat("é", l.MaxValueBytes/2)}
			es[1] = cg.Entry{Key: strings.Repeat("k", l.MaxKeyBytes), Value: strings.Repeat("v", l.MaxValueBytes)}
			requireMetadataRoundTrip(t, h, "At the limits", mustMetadataOf(t, es...))
		}},
		{"OverTheLimitsIsErrInvalid", func(t *testing.T, h *harness) {
			g := h.createWith(cg.NewGroup{Name: "Limited", Metadata: metadata(t, "a", "1")})
			before := h.snapshot()
			l := cg.DefaultLimits
			tooMany := make([]cg.Entry, l.MaxEntries+1)
			for i := range tooMany {
				tooMany[i] = cg.Entry{Key: fmt.Sprint(i), Value: "v"}
			}
			for name, md := range map[string]cg.Metadata{
				"too many entries": mustMetadataOf(t, tooMany...),
				"key too long":     metadata(t, strings.Repeat("ü", l.MaxKeyBytes/2)+"x", "v"),
				"value too long":   metadata(t, "k", strings.Repeat("é", l.MaxValueBytes/2)+"x"),
			} {
				_, err := h.svc.Create(h.ctx, cg.NewGroup{Name: "New", Metadata: md})
				requireInvalid(t, err, "", "Create with %s", name)
				_, err = h.svc.Update(h.ctx, g.ID, cg.Update{Metadata: &md})
				requireInvalid(t, err, "", "Update with %s", name)
				_, err = h.svc.EditMetadata(h.ctx, g.ID, func(m *cg.Metadata) error {
					*m = md.Clone()
					return nil
				})
				requireInvalid(t, err, "", "EditMetadata with %s", name)
			}
			h.requireUnchanged(before)
		}},
		{"CustomLimits", func(t *testing.T, h *harness) {
			svc := h.service(cg.WithLimits(cg.Limits{MaxEntries: 2, MaxKeyBytes: 3, MaxValueBytes: 4}))
			before := h.snapshot()
			for _, md := range []cg.Metadata{
				metadata(t, "a", "1", "b", "2", "c", "3"),
				metadata(t, "abcd", "1"),
				metadata(t, "a", "12345"),
			} {
				_, err := svc.Create(h.ctx, cg.NewGroup{Name: "Custom", Metadata: md})
				requireInvalid(t, err, "", "Create with %s", md)
			}
			h.requireUnchanged(before)
			g, err := svc.Create(h.ctx, cg.NewGroup{Name: "Custom", Metadata: metadata(t, "abc", "1234", "b", "")})
			require.NoError(t, err)
			require.Equal(t, metadata(t, "abc", "1234", "b", "").Entries(), h.get(g.ID).Metadata.Entries())
		}},
		{"Empty", func(t *testing.T, h *harness) {
			g := h.create("No metadata")
			require.Zero(t, h.get(g.ID).Metadata.Len())
			md := metadata(t, "a", "1")
			_, err := h.svc.Update(h.ctx, g.ID, cg.Update{Metadata: &md})
			require.NoError(t, err)
			_, err = h.svc.EditMetadata(h.ctx, g.ID, func(m *cg.Metadata) error {
				require.True(t, m.Delete("a"))
				return nil
			})
			require.NoError(t, err)
			got := h.get(g.ID)
			require.Zero(t, got.Metadata.Len())
			require.Equal(t, int64(3), got.Version)
			// The zero value read back is ready to use.
			require.NoError(t, got.Metadata.Set("b", "2"))
		}},
	}
}
