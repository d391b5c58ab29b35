package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/b02aa859/customergroup/sqlstore"
)

// quantile is the nearest-rank q-quantile of ds (0 < q <= 1).
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*q+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// dur prints d with three significant digits.
func dur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/1e3)
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "**MISS**"
}

// printLevel prints one level's table, in Markdown.
func printLevel(w io.Writer, t *target, lr levelResult) {
	fmt.Fprintf(w, "\n## %s: %s groups, %s memberships in groups of 1,000, a group of %s, batches of %s (%s membership rows)\n\n",
		t.dialect, count(int64(lr.sz.groups)), count(int64(lr.sz.memberships)), count(int64(lr.sz.big)), count(int64(lr.sz.batch)), count(lr.rows))
	fmt.Fprintln(w, "| operation | n | library median | library p99 | raw median | raw p99 | library/raw median | p99 | target | | library calls | raw calls |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|---|")
	var depth0, deep time.Duration
	var search time.Duration
	for _, r := range lr.results {
		lm, lp, rm, rp := median(r.lib), quantile(r.lib, 0.99), median(r.raw), quantile(r.raw, 0.99)
		ok := ratio(lm, rm) <= r.op.target
		target := fmt.Sprintf("≤ %.1f", r.op.target)
		if r.op.p99 {
			ok = ok && ratio(lp, rp) <= r.op.target
			target += " (both)"
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %.2f | %.2f | %s | %s | %s | %s |\n",
			r.op.name, len(r.lib), dur(lm), dur(lp), dur(rm), dur(rp), ratio(lm, rm), ratio(lp, rp), target, verdict(ok), r.libCalls, r.rawCalls)
		switch {
		case strings.HasPrefix(r.op.name, "ListCustomers") && strings.HasSuffix(r.op.name, "depth 0"):
			depth0 = lm
		case strings.HasPrefix(r.op.name, "ListCustomers"):
			deep = lm
		case strings.HasPrefix(r.op.name, "List,"):
			search = lm
		}
	}
	fmt.Fprintln(w)
	if depth0 > 0 && deep > 0 {
		fmt.Fprintf(w, "- ListCustomers, library, depth %s / depth 0: %.2f (target ≤ 1.5) %s\n", count(int64(lr.sz.big/2)), ratio(deep, depth0), verdict(ratio(deep, depth0) <= 1.5))
	}
	if t.dialect == sqlstore.Postgres && search > 0 {
		if lr.trigram {
			fmt.Fprintf(w, "- List search, library median with pg_trgm: %s (target ≤ 5 ms) %s\n", dur(search), verdict(search <= 5*time.Millisecond))
		} else {
			fmt.Fprintf(w, "- List search: pg_trgm is not installed (the library's optional migration could not create it): no trigram index, no 5 ms target\n")
		}
	}
	fmt.Fprintln(w, "- calls: the driver calls of one operation, one letter each (B begin, P prepare, Q query, E exec, C commit), or counts by kind; against a server each is one round trip")
}

// printGrowth prints, per operation, the library and raw medians at each level.
func printGrowth(w io.Writer, levels []levelResult) {
	fmt.Fprintf(w, "\n## Growth: medians, library (raw), as the data grows\n\n")
	var b strings.Builder
	b.WriteString("| operation |")
	sep := "|---|"
	for _, lv := range levels {
		fmt.Fprintf(&b, " %s memberships, %s groups |", count(int64(lv.sz.memberships)), count(int64(lv.sz.groups)))
		sep += "--:|"
	}
	b.WriteString(fmt.Sprintf(" %s vs %s |", count(int64(levels[len(levels)-1].sz.memberships)), count(int64(levels[0].sz.memberships))))
	sep += "--:|"
	fmt.Fprintln(w, b.String())
	fmt.Fprintln(w, sep)
	for i, r := range levels[len(levels)-1].results {
		name := genericName(r.op.name)
		fmt.Fprintf(w, "| %s |", name)
		var first, last time.Duration
		for j, lv := range levels {
			if i >= len(lv.results) {
				fmt.Fprint(w, " |")
				continue
			}
			x := lv.results[i]
			lm := median(x.lib)
			fmt.Fprintf(w, " %s (%s) |", dur(lm), dur(median(x.raw)))
			if j == 0 {
				first = lm
			}
			last = lm
		}
		fmt.Fprintf(w, " ×%.2f |\n", ratio(last, first))
	}
	fmt.Fprintln(w, "\nThe batches (AddCustomers, RemoveCustomers, the deleted group) keep their size at every level; the big group has as many members as the level has memberships, and ListCustomers' deep page is at half its depth.")
}

// genericName drops the sizes from an operation's name.
func genericName(name string) string {
	if strings.HasPrefix(name, "Delete") {
		return name // the same size at every level
	}
	for _, cut := range []string{", table of ", ", group of ", " in ", ", depth "} {
		if i := strings.Index(name, cut); i > 0 {
			switch cut {
			case ", depth ":
				if strings.HasSuffix(name, "depth 0") {
					return name
				}
				return name[:i] + ", depth N/2"
			case " in ":
				return name[:i] + ", 20 + total"
			case ", table of ":
				return name[:i] + ", seeded table"
			default:
				return name[:i] + ", big group"
			}
		}
	}
	return name
}
