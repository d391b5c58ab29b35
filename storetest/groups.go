package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	cg "github.com/b02aa859/customergroup"
)

// longest valid values: 255 characters of two bytes each for a name, 255 bytes for an id.
var (
	maxName = strings.Repeat("é", cg.MaxNameLength)
	maxID   = strings.Repeat("é", (cg.MaxIDLength-1)/2) + "x"
)

func createTests() []testCase {
	return []testCase{
		{"ReturnsAndStoresGroup", func(t *testing.T, h *harness) {
			md := metadata(t, "tier", "gold", "discount", "10%")
			g, err := h.svc.Create(h.as("alice"), cg.NewGroup{Name: " \tVIP customers \n", Metadata: md})
			require.NoError(t, err)
			require.NoError(t, cg.ValidateID("id", g.ID), "the generated id")
			want := cg.CustomerGroup{ID: g.ID, Name: "VIP customers", Metadata: md, CreatedBy: "alice",
				CreatedAt: h.now(), UpdatedAt: h.now(), Version: 1}
			requireGroup(t, want, g, "Create's result")
			requireGroup(t, want, h.get(g.ID), "Get after Create")
			h.requireEvents(event(cg.EventCreated, g.ID, "alice", h.now()))
		}},
		{"GeneratesDistinctIDs", func(t *testing.T, h *harness) {
			seen := map[string]bool{}
			for i := range 3 {
				g := h.create(fmt.Sprintf("Group %d", i))
				require.NotEmpty(t, g.ID)
				require.False(t, seen[g.ID], "id %q generated twice", g.ID)
				seen[g.ID] = true
				require.Equal(t, g.ID, h.get(g.ID).ID)
			}
		}},
		{"KeepsSuppliedID", func(t *testing.T, h *harness) {
			// Ids are opaque: ids differing only in case, in trailing space or in Unicode
			// normalisation are different ids.
			for i, id := range []string{"legacy-42", "Legacy-42", "LEGACY-42", "legacy-42 ", " legacy-42",
				"café", "cafe\u0301", "grp/ü 1", maxID} {
				g := h.createWith(cg.NewGroup{ID: id, Name: fmt.Sprintf("Imported %d", i)})
				require.Equal(t, id, g.ID)
				got := h.get(id)
				require.Equal(t, id, got.ID)
				require.Equal(t, fmt.Sprintf("Imported %d", i), got.Name)
			}
			require.Len(t, h.listIDs(cg.Query{}), 9)
		}},
		{"DuplicateSuppliedIDIsErrIDTaken", func(t *testing.T, h *harness) {
			h.createWith(cg.NewGroup{ID: "dup", Name: "First"})
			before := h.snapshot()
			_, err := h.svc.Create(h.ctx, cg.NewGroup{ID: "dup", Name: "Second"})
			require.ErrorIs(t, err, cg.ErrIDTaken)
			h.requireUnchanged(before)
			// The refused name is still free.
			h.createWith(cg.NewGroup{ID: "other", Name: "Second"})
		}},
		{"IDTakenWinsOverNameTaken", func(t *testing.T, h *harness) {
			// Re-running an import: the id and the name are both taken. The id decides, so
			// the importer learns the group is already there, on every store.
			h.createWith(cg.NewGroup{ID: "dup", Name: "Gold"})
			before := h.snapshot()
			_, err := h.svc.Create(h.ctx, cg.NewGroup{ID: "dup", Name: "GOLD"})
			require.ErrorIs(t, err, cg.ErrIDTaken)
			require.NotErrorIs(t, err, cg.ErrNameTaken)
			h.requireUnchanged(before)
		}},
		{"DuplicateNameIsErrNameTaken", func(t *testing.T, h *harness) {
			h.create("Gold")
			before := h.snapshot()
			for _, name := range []string{"Gold", "gold", "GOLD", "  gOLD\t"} {
				_, err := h.svc.Create(h.ctx, cg.NewGroup{Name: name})
				require.ErrorIs(t, err, cg.ErrNameTaken, "Create(%q)", name)
			}
			h.requireUnchanged(before)
		}},
		{"NameTakenAfterUnicodeFolding", func(t *testing.T, h *harness) {
			for i, pair := range [][2]string{
				{"ÉCOLE", "école"},
				{"\u00e9t\u00e9", "e\u0301te\u0301"}, // precomposed é, then e + combining accent
				{"Cafe\u0301 Club", "CAFÉ CLUB"},     // decomposed, then precomposed capital
				{"Straße", "STRASSE"},                // ß folds to ss
				{"ΣΟΦΙΑ ΟΔΟΣ", "σοφια οδος"},         // final sigma folds to σ
				{"\u212Aelvin", "kelvin"},            // KELVIN SIGN folds to k
				{"ＶＩＰ ｆｕｌｌ", "ｖｉｐ ＦＵＬＬ"},             // fullwidth letters fold too
			} {
				require.Equal(t, cg.FoldName(pair[0]), cg.FoldName(pair[1]), "premise: %q and %q fold alike", pair[0], pair[1])
				g := h.createWith(cg.NewGroup{ID: fmt.Sprintf("fold-%d", i), Name: pair[0]})
				require.Equal(t, pair[0], g.Name)
				before := h.snapshot()
				_, err := h.svc.Create(h.ctx, cg.NewGroup{Name: pair[1]})
				require.ErrorIs(t, err, cg.ErrNameTaken, "Create(%q) after Create(%q)", pair[1], pair[0])
				h.requireUnchanged(before)
			}
		}},
		{"DistinctNamesAreNotTaken", func(t *testing.T, h *harness) {
			// Folding is case folding and NFC, not accent stripping or collation: all of
			// these are different names.
			names := []string{"Gold", "Göld", "Gold 2", "Golden", "G old", "Gold.", "Gołd", "Goldé", "Golde\u0301 2"}
			for _, n := range names {
				h.create(n)
			}
			require.Len(t, h.listIDs(cg.Query{}), len(names))
		}},
		{"KeepsNameAsWritten", func(t *testing.T, h *harness) {
			// Only trimmed: not folded, not normalised.
			for _, name := range []string{"ÉCOLE Été", "Cafe\u0301 (NFD)", "mIxEd CaSe", "a  b", "日本 の 顧客", "O'Brien \"quoted\" \\ 100%_off"} {
				g := h.create("  " + name + "  ")
				require.Equal(t, name, g.Name)
				require.Equal(t, name, h.get(g.ID).Name)
			}
		}},
		{"MaximumLengths", func(t *testing.T, h *harness) {
			require.Equal(t, 255, len(maxID))
			g := h.createWith(cg.NewGroup{ID: maxID, Name: maxName})
			got := h.get(maxID)
			require.Equal(t, maxID, got.ID)
			require.Equal(t, maxName, got.Name, "a name of %d two-byte characters", cg.MaxNameLength)
			requireGroup(t, g, got)
		}},
		{"LongNamesFoldLonger", func(t *testing.T, h *harness) {
			// A name of MaxNameLength characters can fold to two or three times as many
			// (ß → ss, ﬃ → ffi, ŉ → ʼn): a store keeps the whole folded key.
			sharp := strings.Repeat("ß", cg.MaxNameLength)
			for _, name := range []string{sharp, strings.Repeat("ﬃ", cg.MaxNameLength), strings.Repeat("ŉ", cg.MaxNameLength)} {
				g := h.create(name)
				require.Equal(t, name, h.get(g.ID).Name)
				require.Equal(t, []string{g.ID}, h.listIDs(cg.Query{Names: []string{name}}))
			}
			before := h.snapshot()
			capital := strings.Repeat("ẞ", cg.MaxNameLength) // capital sharp s folds to ss as well
			require.Equal(t, cg.FoldName(sharp), cg.FoldName(capital), "premise")
			_, err := h.svc.Create(h.ctx, cg.NewGroup{Name: capital})
			require.ErrorIs(t, err, cg.ErrNameTaken)
			h.requireUnchanged(before)
			require.Len(t, h.listIDs(cg.Query{Names: []string{capital}}), 1)
			// Folded keys that share a long prefix are still different.
			almost := strings.Repeat("ß", cg.MaxNameLength-1) + "x"
			h.create(almost)
			require.Len(t, h.listIDs(cg.Query{Search: strings.Repeat("ss", 200)}), 2)
		}},
		{"CreatedByFromActor", func(t *testing.T, h *harness) {
			g, err := h.svc.Create(h.as("alice"), cg.NewGroup{Name: "By alice"})
			require.NoError(t, err)
			require.Equal(t, "alice", g.CreatedBy)
			require.Equal(t, "alice", h.get(g.ID).CreatedBy)

			g = h.create("By nobody")
			require.Equal(t, "", g.CreatedBy)
			require.Equal(t, "", h.get(g.ID).CreatedBy)
		}},
		{"CreatedByExplicitWins", func(t *testing.T, h *harness) {
			g, err := h.svc.Create(h.as("alice"), cg.NewGroup{Name: "Imported", CreatedBy: "importer"})
			require.NoError(t, err)
			require.Equal(t, "importer", g.CreatedBy)
			require.Equal(t, "importer", h.get(g.ID).CreatedBy)
			// The event names who acted, not whom the group is attributed to.
			h.requireEvents(event(cg.EventCreated, g.ID, "alice", h.now()))

			g, err = h.svc.Create(h.ctx, cg.NewGroup{Name: "Imported 2", CreatedBy: "Importer"})
			require.NoError(t, err)
			require.Equal(t, "Importer", h.get(g.ID).CreatedBy)
		}},
		{"InvalidInputChangesNothing", func(t *testing.T, h *harness) {
			h.createWith(cg.NewGroup{ID: "existing", Name: "Existing", Metadata: metadata(t, "a", "b")})
			tooMany := make([]cg.Entry, cg.DefaultLimits.MaxEntries+1)
			for i := range tooMany {
				tooMany[i] = cg.Entry{Key: fmt.Sprintf("k%d", i), Value: "v"}
			}
			for _, c := range []struct {
				name  string
				actor string
				g     cg.NewGroup
				field string
			}{
				{name: "empty name", g: cg.NewGroup{Name: ""}, field: "name"},
				{name: "blank name", g: cg.NewGroup{Name: "   "}, field: "name"},
				{name: "white space name", g: cg.NewGroup{Name: " \t\n\r "}, field: "name"},
				{name: "name over 255 characters", g: cg.NewGroup{Name: maxName + "x"}, field: "name"},
				{name: "name with tab inside", g: cg.NewGroup{Name: "V\tIP"}, field: "name"},
				{name: "name with newline inside", g: cg.NewGroup{Name: "V\nIP"}, field: "name"},
				{name: "name with NUL", g: cg.NewGroup{Name: "V\x00IP"}, field: "name"},
				{name: "name with DEL", g: cg.NewGroup{Name: "VIP\x7f"}, field: "name"},
				{name: "name with C1 control", g: cg.NewGroup{Name: "VIP\u0085x"}, field: "name"},
				{name: "name not UTF-8", g: cg.NewGroup{Name: "V\xffIP"}, field: "name"},
				{name: "id over 255 bytes", g: cg.NewGroup{ID: maxID + "x", Name: "Fine"}, field: "id"},
				{name: "id with control character", g: cg.NewGroup{ID: "id\x01", Name: "Fine"}, field: "id"},
				{name: "id not UTF-8", g: cg.NewGroup{ID: "id\xfe", Name: "Fine"}, field: "id"},
				{name: "too many metadata entries", g: cg.NewGroup{Name: "Fine", Metadata: mustMetadataOf(t, tooMany...)}},
				{name: "metadata key too long", g: cg.NewGroup{Name: "Fine", Metadata: metadata(t, strings.Repeat("k", cg.DefaultLimits.MaxKeyBytes+1), "v")}},
				{name: "metadata value too long", g: cg.NewGroup{Name: "Fine", Metadata: metadata(t, "k", strings.Repeat("v", cg.DefaultLimits.MaxValueBytes+1))}},
				{name: "createdBy with control character", g: cg.NewGroup{Name: "Fine", CreatedBy: "bob\x02"}, field: "createdBy"},
				{name: "createdBy over 255 bytes", g: cg.NewGroup{Name: "Fine", CreatedBy: maxID + "x"}, field: "createdBy"},
				{name: "actor with control character", actor: "bob\x1b", g: cg.NewGroup{Name: "Fine"}, field: "createdBy"},
			} {
				before := h.snapshot()
				_, err := h.svc.Create(h.as(c.actor), c.g)
				requireInvalid(t, err, c.field, c.name)
				h.requireUnchanged(before)
			}
			// None of the refusals left anything behind: the valid name is still free.
			h.create("Fine")
		}},
	}
}

func mustMetadataOf(t *testing.T, es ...cg.Entry) cg.Metadata {
	t.Helper()
	m, err := cg.MetadataOf(es...)
	require.NoError(t, err)
	return m
}

func getTests() []testCase {
	return []testCase{
		{"UnknownIsErrNotFound", func(t *testing.T, h *harness) {
			h.createWith(cg.NewGroup{ID: "known", Name: "Known"})
			for _, id := range []string{"unknown", "KNOWN", "known ", "0190f4a2-8b7c-7d3e-9f00-123456789abc"} {
				_, err := h.svc.Get(h.ctx, id)
				require.ErrorIs(t, err, cg.ErrNotFound, "Get(%q)", id)
			}
		}},
		{"InvalidIDIsErrInvalid", func(t *testing.T, h *harness) {
			for _, id := range []string{"", "a\x00b", maxID + "x", "\xff"} {
				_, err := h.svc.Get(h.ctx, id)
				requireInvalid(t, err, "", "Get(%q)", id)
			}
		}},
		{"ReturnsCopies", func(t *testing.T, h *harness) {
			// Changing what Create was given or what Get and List returned must not change
			// the stored group (Metadata shares its rows until cloned).
			md := metadata(t, "a", "1", "b", "2")
			g := h.createWith(cg.NewGroup{Name: "Copies", Metadata: md})
			require.NoError(t, md.SetAt(0, "changed", "x"))
			require.NoError(t, g.Metadata.SetAt(1, "changed too", "y"))
			want := metadata(t, "a", "1", "b", "2")

			got := h.get(g.ID)
			require.Equal(t, want.Entries(), got.Metadata.Entries(), "after changing Create's input and result")
			require.NoError(t, got.Metadata.SetAt(0, "changed", "x"))
			_ = got.Metadata.Set("b", "changed")
			listed := h.list(cg.Query{})
			require.Len(t, listed.Groups, 1)
			require.Equal(t, want.Entries(), listed.Groups[0].Metadata.Entries(), "after changing Get's result")
			require.NoError(t, listed.Groups[0].Metadata.SetAt(1, "b", "changed"))
			require.Equal(t, want.Entries(), h.get(g.ID).Metadata.Entries(), "after changing List's result")
		}},
	}
}

func updateTests() []testCase {
	return []testCase{
		{"BumpsVersionAndUpdatedAt", func(t *testing.T, h *harness) {
			g := h.createWith(cg.NewGroup{Name: "Silver", Metadata: metadata(t, "a", "1")})
			created := g.CreatedAt
			h.add(g.ID, "c1", "c2")
			h.events.take()

			h.tick()
			got, err := h.svc.Update(h.as("ulla"), g.ID, cg.Update{Name: ptr("Silver plus")})
			require.NoError(t, err)
			want := g
			want.Name, want.Version, want.UpdatedAt, want.CustomerCount = "Silver plus", 2, h.now(), 2
			requireGroup(t, want, got, "Update's result")
			requireGroup(t, want, h.get(g.ID), "Get after Update")
			h.requireEvents(event(cg.EventUpdated, g.ID, "ulla", h.now()))

			h.tick()
			md := metadata(t, "b", "2", "a", "1")
			got, err = h.svc.Update(h.ctx, g.ID, cg.Update{Metadata: &md})
			require.NoError(t, err)
			want.Metadata, want.Version, want.UpdatedAt = md, 3, h.now()
			requireGroup(t, want, got)
			requireGroup(t, want, h.get(g.ID))

			h.tick()
			md2 := metadata(t, "c", "3")
			got, err = h.svc.Update(h.ctx, g.ID, cg.Update{Name: ptr("Silver"), Metadata: &md2})
			require.NoError(t, err)
			want.Name, want.Metadata, want.Version, want.UpdatedAt = "Silver", md2, 4, h.now()
			requireGroup(t, want, got)
			requireGroup(t, want, h.get(g.ID))
			require.Equal(t, created, h.get(g.ID).CreatedAt, "CreatedAt never changes")
		}},
		{"ReplacesWholeMetadata", func(t *testing.T, h *harness) {
			g := h.createWith(cg.NewGroup{Name: "Meta", Metadata: metadata(t, "a", "1", "b", "2", "c", "3")})
			md := metadata(t, "c", "3", "x", "new", "a", "1")
			_, err := h.svc.Update(h.ctx, g.ID, cg.Update{Metadata: &md})
			require.NoError(t, err)
			require.Equal(t, md.Entries(), h.get(g.ID).Metadata.Entries())

			empty := cg.Metadata{}
			got, err := h.svc.Update(h.ctx, g.ID, cg.Update{Metadata: &empty})
			require.NoError(t, err)
			require.Equal(t, int64(3), got.Version)
			require.Zero(t, h.get(g.ID).Metadata.Len(), "an empty table replaces all rows")
			require.Equal(t, int64(3), h.get(g.ID).Version)
		}},
		{"IfVersion", func(t *testing.T, h *harness) {
			g := h.create("Versioned")
			h.tick()
			got, err := h.svc.Update(h.ctx, g.ID, cg.Update{Name: ptr("Versioned 2"), IfVersion: 1})
			require.NoError(t, err)
			require.Equal(t, int64(2), got.Version)
			h.tick()
			got, err = h.svc.Update(h.ctx, g.ID, cg.Update{Name: ptr("Versioned 3"), IfVersion: 2})
			require.NoError(t, err)
			require.Equal(t, int64(3), got.Version)
			require.Equal(t, "Versioned 3", h.get(g.ID).Name)
		}},
		{"IfVersionMismatchIsErrConflict", func(t *testing.T, h *harness) {
			g := h.createWith(cg.NewGroup{Name: "Versioned", Metadata: metadata(t, "k", "v")})
			_, err := h.svc.Update(h.ctx, g.ID, cg.Update{Name: ptr("Versioned 2")})
			require.NoError(t, err)
			stored := h.get(g.ID)
			before := h.snapshot()
			h.tick()
			md := metadata(t, "other", "x")
			for _, v := range []int64{1, 3, 99} {
				_, err := h.svc.Update(h.ctx, g.ID, cg.Update{Name: ptr("Lost"), Metadata: &md, IfVersion: v})
				require.ErrorIs(t, err, cg.ErrConflict, "IfVersion %d with the stored version at 2", v)
				// Even an update that would change nothing checks the version.
				_, err = h.svc.Update(h.ctx, g.ID, cg.Update{IfVersion: v})
				require.ErrorIs(t, err, cg.ErrConflict, "no-op Update with IfVersion %d", v)
			}
			h.requireUnchanged(before)
			requireGroup(t, stored, h.get(g.ID))
		}},
		{"NoOpChangesNothing", func(t *testing.T, h *harness) {
			md := metadata(t, "a", "1", "b", "2")
			g := h.createWith(cg.NewGroup{Name: "Same", Metadata: md})
			h.add(g.ID, "c1")
			g = h.get(g.ID)
			before := h.snapshot()
			h.tick()
			same := md.Clone()
			for _, u := range []cg.Update{
				{},
				{Name: ptr("Same")},
				{Name: ptr("  Same \t")},
				{Metadata: &same},
				{Name: ptr("Same"), Metadata: &same, IfVersion: 1},
			} {
				got, err := h.svc.Update(h.ctx, g.ID, u)
				require.NoError(t, err)
				requireGroup(t, g, got, "a no-op Update returns the group as it is")
			}
			h.requireUnchanged(before)
		}},
		{"UnknownIsErrNotFound", func(t *testing.T, h *harness) {
			h.createWith(cg.NewGroup{ID: "known", Name: "Known"})
			before := h.snapshot()
			for _, u := range []cg.Update{{Name: ptr("X")}, {Name: ptr("X"), IfVersion: 1}, {}} {
				_, err := h.svc.Update(h.ctx, "unknown", u)
				require.ErrorIs(t, err, cg.ErrNotFound)
			}
			h.requireUnchanged(before)
		}},
		{"InvalidChangesNothing", func(t *testing.T, h *harness) {
			g := h.createWith(cg.NewGroup{Name: "Valid", Metadata: metadata(t, "k", "v")})
			before := h.snapshot()
			long := metadata(t, "k", strings.Repeat("v", cg.DefaultLimits.MaxValueBytes+1))
			for _, c := range []struct {
				u     cg.Update
				field string
			}{
				{cg.Update{Name: ptr("")}, "name"},
				{cg.Update{Name: ptr("  ")}, "name"},
				{cg.Update{Name: ptr("a\tb")}, "name"},
				{cg.Update{Name: ptr("a\xffb")}, "name"},
				{cg.Update{Name: ptr(maxName + "x")}, "name"},
				{cg.Update{Name: ptr("Fine"), Metadata: &long}, ""},
				{cg.Update{Name: ptr("Fine"), IfVersion: -1}, ""},
			} {
				_, err := h.svc.Update(h.ctx, g.ID, c.u)
				requireInvalid(t, err, c.field, "Update(%+v)", c.u)
			}
			h.requireUnchanged(before)
		}},
		{"KeepsMembers", func(t *testing.T, h *harness) {
			g := h.create("Members stay")
			h.add(g.ID, "c1", "c2")
			before := h.members(g.ID)
			got, err := h.svc.Update(h.ctx, g.ID, cg.Update{Name: ptr("Renamed")})
			require.NoError(t, err)
			require.Equal(t, 2, got.CustomerCount)
			require.Equal(t, before, h.members(g.ID))
			h.requireCount(g.ID, 2)
		}},
	}
}

func renameTests() []testCase {
	return []testCase{
		{"FreesOldName", func(t *testing.T, h *harness) {
			g := h.create("Gold")
			_, err := h.svc.Update(h.ctx, g.ID, cg.Update{Name: ptr("Platinum")})
			require.NoError(t, err)
			require.Equal(t, "Platinum", h.get(g.ID).Name)
			require.Equal(t, []string{g.ID}, h.listIDs(cg.Query{Names: []string{"PLATINUM"}}))
			require.Empty(t, h.listIDs(cg.Query{Names: []string{"Gold"}}))

			h.create("gold") // the old name is free again
			_, err = h.svc.Create(h.ctx, cg.NewGroup{Name: "platinum"})
			require.ErrorIs(t, err, cg.ErrNameTaken, "the new name is taken")
		}},
		{"TrimsName", func(t *testing.T, h *harness) {
			g := h.create("Bronze")
			got, err := h.svc.Update(h.ctx, g.ID, cg.Update{Name: ptr(" \tSilver \n")})
			require.NoError(t, err)
			require.Equal(t, "Silver", got.Name)
			require.Equal(t, "Silver", h.get(g.ID).Name)
		}},
		{"CaseOnlyRenameOfItself", func(t *testing.T, h *harness) {
			g := h.create("vip")
			created := h.now()
			h.tick()
			got, err := h.svc.Update(h.ctx, g.ID, cg.Update{Name: ptr("VIP"), IfVersion: 1})
			require.NoError(t, err, "a group may take a name that folds to its own")
			require.Equal(t, int64(2), got.Version)
			stored := h.get(g.ID)
			require.Equal(t, "VIP", stored.Name)
			require.Equal(t, int64(2), stored.Version)
			require.Equal(t, h.now(), stored.UpdatedAt)
			h.requireEvents(event(cg.EventCreated, g.ID, "", created), event(cg.EventUpdated, g.ID, "", h.now()))

			// The same for a change of Unicode normalisation only.
			nfd := h.create("Cafe\u0301")
			_, err = h.svc.Update(h.ctx, nfd.ID, cg.Update{Name: ptr("CAFÉ")})
			require.NoError(t, err)
			require.Equal(t, "CAFÉ", h.get(nfd.ID).Name)
			// And the name is still taken, by the renamed group.
			_, err = h.svc.Create(h.ctx, cg.NewGroup{Name: "café"})
			require.ErrorIs(t, err, cg.ErrNameTaken)
			_, err = h.svc.Create(h.ctx, cg.NewGroup{Name: "Vip"})
			require.ErrorIs(t, err, cg.ErrNameTaken)
		}},
		{"OntoAnotherNameIsErrNameTaken", func(t *testing.T, h *harness) {
			h.create("Gold")
			h.create("École")
			silver := h.createWith(cg.NewGroup{Name: "Silver", Metadata: metadata(t, "k", "v")})
			before := h.snapshot()
			h.tick()
			md := metadata(t, "lost", "x")
			for _, name := range []string{"Gold", "GOLD", " gold ", "ÉCOLE", "e\u0301cole"} {
				_, err := h.svc.Update(h.ctx, silver.ID, cg.Update{Name: ptr(name)})
				require.ErrorIs(t, err, cg.ErrNameTaken, "rename to %q", name)
				_, err = h.svc.Update(h.ctx, silver.ID, cg.Update{Name: ptr(name), Metadata: &md, IfVersion: 1})
				require.ErrorIs(t, err, cg.ErrNameTaken, "rename to %q with metadata and IfVersion", name)
			}
			h.requireUnchanged(before)
		}},
	}
}

func editMetadataTests() []testCase {
	return []testCase{
		{"InsertAboveBelowDeleteSave", func(t *testing.T, h *harness) {
			g := h.createWith(cg.NewGroup{Name: "Editor", Metadata: metadata(t, "color", "red", "size", "L", "tier", "gold")})
			h.events.take()
			h.tick()
			got, err := h.svc.EditMetadata(h.as("ed"), g.ID, func(m *cg.Metadata) error {
				if err := m.Insert(m.Index("size"), "above", "1"); err != nil { // insert row above "size"
					return err
				}
				if err := m.Insert(m.Index("size")+1, "below", "2"); err != nil { // insert row below "size"
					return err
				}
				if err := m.DeleteAt(m.Index("tier")); err != nil { // delete row "tier"
					return err
				}
				return m.SetAt(m.Index("color"), "colour", "red") // edit a row's key
			})
			require.NoError(t, err)
			want := g
			want.Metadata = metadata(t, "colour", "red", "above", "1", "size", "L", "below", "2")
			want.Version, want.UpdatedAt = 2, h.now()
			requireGroup(t, want, got, "EditMetadata's result")
			requireGroup(t, want, h.get(g.ID), "Get after EditMetadata")
			h.requireEvents(event(cg.EventUpdated, g.ID, "ed", h.now()))

			h.tick()
			got, err = h.svc.EditMetadata(h.ctx, g.ID, func(m *cg.Metadata) error { return m.Move(3, 0) })
			require.NoError(t, err)
			want.Metadata = metadata(t, "below", "2", "colour", "red", "above", "1", "size", "L")
			want.Version, want.UpdatedAt = 3, h.now()
			requireGroup(t, want, got)
			requireGroup(t, want, h.get(g.ID))

			// The editor's Save: Update with the whole table.
			h.tick()
			md := got.Metadata.Clone()
			require.NoError(t, md.Set("size", "XL"))
			require.NoError(t, md.Insert(0, "first", ""))
			got, err = h.svc.Update(h.ctx, g.ID, cg.Update{Metadata: &md, IfVersion: 3})
			require.NoError(t, err)
			want.Metadata = metadata(t, "first", "", "below", "2", "colour", "red", "above", "1", "size", "XL")
			want.Version, want.UpdatedAt = 4, h.now()
			requireGroup(t, want, got)
			requireGroup(t, want, h.get(g.ID))
		}},
		{"ErrorFromEditSavesNothing", func(t *testing.T, h *harness) {
			g := h.createWith(cg.NewGroup{Name: "Editor", Metadata: metadata(t, "a", "1")})
			before := h.snapshot()
			boom := errors.New("boom")
			_, err := h.svc.EditMetadata(h.ctx, g.ID, func(m *cg.Metadata) error {
				_ = m.Set("b", "2")
				return boom
			})
			require.ErrorIs(t, err, boom)
			h.requireUnchanged(before)
		}},
		{"NoOpSavesNothing", func(t *testing.T, h *harness) {
			g := h.createWith(cg.NewGroup{Name: "Editor", Metadata: metadata(t, "a", "1")})
			before := h.snapshot()
			h.tick()
			for _, edit := range []func(*cg.Metadata) error{
				func(*cg.Metadata) error { return nil },
				func(m *cg.Metadata) error { return m.Set("a", "1") },
				func(m *cg.Metadata) error {
					if err := m.Set("b", "2"); err != nil {
						return err
					}
					m.Delete("b")
					return nil
				},
			} {
				got, err := h.svc.EditMetadata(h.ctx, g.ID, edit)
				require.NoError(t, err)
				requireGroup(t, g, got)
			}
			h.requireUnchanged(before)
		}},
		{"InvalidResultSavesNothing", func(t *testing.T, h *harness) {
			g := h.createWith(cg.NewGroup{Name: "Editor", Metadata: metadata(t, "a", "1")})
			before := h.snapshot()
			_, err := h.svc.EditMetadata(h.ctx, g.ID, func(m *cg.Metadata) error {
				return m.Set("a", strings.Repeat("x", cg.DefaultLimits.MaxValueBytes+1))
			})
			requireInvalid(t, err, "")
			small := h.service(cg.WithLimits(cg.Limits{MaxEntries: 2}))
			_, err = small.EditMetadata(h.ctx, g.ID, func(m *cg.Metadata) error {
				_ = m.Set("b", "2")
				return m.Set("c", "3")
			})
			requireInvalid(t, err, "")
			h.requireUnchanged(before)
		}},
		{"UnknownIsErrNotFound", func(t *testing.T, h *harness) {
			h.create("Known")
			before := h.snapshot()
			called := false
			_, err := h.svc.EditMetadata(h.ctx, "unknown", func(m *cg.Metadata) error {
				called = true
				return m.Set("a", "1")
			})
			require.ErrorIs(t, err, cg.ErrNotFound)
			require.False(t, called, "edit must not be called for an unknown group")
			h.requireUnchanged(before)
		}},
	}
}

func deleteTests() []testCase {
	return []testCase{
		{"RemovesGroupAndMemberships", func(t *testing.T, h *harness) {
			g1 := h.createWith(cg.NewGroup{ID: "g1", Name: "One", Metadata: metadata(t, "k", "v")})
			g2 := h.createWith(cg.NewGroup{ID: "g2", Name: "Two"})
			h.add(g1.ID, "c1", "c2")
			h.add(g2.ID, "c1", "c3")
			g2 = h.get(g2.ID)
			g2Members := h.members(g2.ID)
			h.events.take()
			h.tick()

			require.NoError(t, h.svc.Delete(h.as("dora"), g1.ID))
			h.requireEvents(event(cg.EventDeleted, g1.ID, "dora", h.now()))

			_, err := h.svc.Get(h.ctx, g1.ID)
			require.ErrorIs(t, err, cg.ErrNotFound)
			require.False(t, h.isMember(g1.ID, "c1"))
			require.False(t, h.isMember(g1.ID, "c2"))
			require.Equal(t, []string{"g2"}, h.groupIDsOf("c1"), "other memberships stay")
			require.Equal(t, []string{}, h.groupIDsOf("c2"))
			require.Equal(t, []string{"g2"}, h.groupIDsOf("c3"))
			require.Equal(t, []string{"g2"}, h.listIDs(cg.Query{}))
			require.Equal(t, []string{"g2"}, h.listIDs(cg.Query{CustomerID: "c1"}))
			require.Empty(t, h.listIDs(cg.Query{CustomerID: "c2"}))
			_, err = h.svc.ListCustomers(h.ctx, g1.ID, cg.MemberQuery{})
			require.ErrorIs(t, err, cg.ErrNotFound)

			requireGroup(t, g2, h.get(g2.ID), "the other group is untouched")
			require.Equal(t, g2Members, h.members(g2.ID))
			h.requireCount(g2.ID, 2)
			n, err := h.svc.ForgetCustomer(h.ctx, "c2")
			require.NoError(t, err)
			require.Zero(t, n, "c2 has no membership left to forget")
		}},
		{"NameReusableAfterDelete", func(t *testing.T, h *harness) {
			g := h.create("Gold")
			h.add(g.ID, "c1")
			require.NoError(t, h.svc.Delete(h.ctx, g.ID))
			again := h.create("GOLD")
			require.NotEqual(t, g.ID, again.ID)
			require.Equal(t, "GOLD", h.get(again.ID).Name)
			h.requireCount(again.ID, 0)
			require.False(t, h.isMember(again.ID, "c1"))
			_, err := h.svc.Create(h.ctx, cg.NewGroup{Name: "gold"})
			require.ErrorIs(t, err, cg.ErrNameTaken, "the name is taken by the new group")
		}},
		{"UnknownIsErrNotFound", func(t *testing.T, h *harness) {
			g := h.create("Once")
			require.NoError(t, h.svc.Delete(h.ctx, g.ID))
			h.create("Other")
			before := h.snapshot()
			require.ErrorIs(t, h.svc.Delete(h.ctx, g.ID), cg.ErrNotFound, "deleting twice")
			require.ErrorIs(t, h.svc.Delete(h.ctx, "never-existed"), cg.ErrNotFound)
			h.requireUnchanged(before)
		}},
		{"DeletedGroupIsGoneEverywhere", func(t *testing.T, h *harness) {
			g := h.create("Doomed")
			h.add(g.ID, "c1")
			require.NoError(t, h.svc.Delete(h.ctx, g.ID))
			before := h.snapshot()
			_, err := h.svc.Update(h.ctx, g.ID, cg.Update{Name: ptr("Zombie")})
			require.ErrorIs(t, err, cg.ErrNotFound, "Update")
			_, err = h.svc.EditMetadata(h.ctx, g.ID, func(m *cg.Metadata) error { return m.Set("a", "b") })
			require.ErrorIs(t, err, cg.ErrNotFound, "EditMetadata")
			_, err = h.svc.AddCustomers(h.ctx, g.ID, []string{"c1", "c2"})
			require.ErrorIs(t, err, cg.ErrNotFound, "AddCustomers")
			_, err = h.svc.RemoveCustomers(h.ctx, g.ID, []string{"c1"})
			require.ErrorIs(t, err, cg.ErrNotFound, "RemoveCustomers")
			_, err = h.svc.ListCustomers(h.ctx, g.ID, cg.MemberQuery{})
			require.ErrorIs(t, err, cg.ErrNotFound, "ListCustomers")
			require.False(t, h.isMember(g.ID, "c1"))
			require.Equal(t, []string{}, h.groupIDsOf("c1"))
			require.Equal(t, []string{}, h.groupIDsOf("c2"))
			h.requireUnchanged(before)
		}},
	}
}
