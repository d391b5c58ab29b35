package reliability

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

// tally collects the numbers every suite reports, printed once at the end of the run.
var tally = struct {
	sync.Mutex
	faults   map[string]*faultCount // by "dialect/kind"
	loads    []string
	hostile  map[string]*hostileCount // by store
	rowsLost int
}{faults: map[string]*faultCount{}, hostile: map[string]*hostileCount{}}

type faultCount struct{ injected, survived int }

type hostileCount struct{ tried, stored, refused int }

func countFault(dialect, kind string, survived bool) {
	tally.Lock()
	defer tally.Unlock()
	k := dialect + "/" + kind
	c := tally.faults[k]
	if c == nil {
		c = &faultCount{}
		tally.faults[k] = c
	}
	c.injected++
	if survived {
		c.survived++
	}
}

func countHostile(store string, stored bool) {
	tally.Lock()
	defer tally.Unlock()
	c := tally.hostile[store]
	if c == nil {
		c = &hostileCount{}
		tally.hostile[store] = c
	}
	c.tried++
	if stored {
		c.stored++
	} else {
		c.refused++
	}
}

func countLoad(line string) {
	tally.Lock()
	defer tally.Unlock()
	tally.loads = append(tally.loads, line)
}

// countLost records rows an acknowledged operation wrote that are not in the database.
func countLost(n int) {
	tally.Lock()
	defer tally.Unlock()
	tally.rowsLost += n
}

func TestMain(m *testing.M) {
	code := m.Run()
	if s := summary(); s != "" {
		fmt.Print(s)
	}
	os.Exit(code)
}

func summary() string {
	tally.Lock()
	defer tally.Unlock()
	if len(tally.faults) == 0 && len(tally.loads) == 0 && len(tally.hostile) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("reliability summary\n")
	var inj, surv int
	keys := make([]string, 0, len(tally.faults))
	for k := range tally.faults {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		c := tally.faults[k]
		inj += c.injected
		surv += c.survived
		fmt.Fprintf(&b, "  faults %-28s injected %3d, survived %3d\n", k, c.injected, c.survived)
	}
	if len(keys) > 0 {
		fmt.Fprintf(&b, "  faults total: injected %d, survived %d\n", inj, surv)
	}
	for _, l := range tally.loads {
		b.WriteString("  load " + l + "\n")
	}
	var tried int
	stores := make([]string, 0, len(tally.hostile))
	for k := range tally.hostile {
		stores = append(stores, k)
	}
	slices.Sort(stores)
	for _, k := range stores {
		c := tally.hostile[k]
		tried += c.tried
		fmt.Fprintf(&b, "  hostile inputs on %-9s tried %5d: stored literally %5d, refused with ErrInvalid %5d\n", k, c.tried, c.stored, c.refused)
	}
	if len(stores) > 0 {
		fmt.Fprintf(&b, "  hostile inputs total: %d\n", tried)
	}
	fmt.Fprintf(&b, "  rows lost: %d\n", tally.rowsLost)
	return b.String()
}
