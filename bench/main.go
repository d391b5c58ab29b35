// Command bench holds every hot operation of the library to the hand-written SQL that does the
// same work, on the same database, in the same run.
//
//	go run ./bench                      # SQLite, in a temporary file, full scale
//	go run ./bench -db postgres         # $CUSTOMERGROUP_POSTGRES_DSN
//	go run ./bench -db mysql            # $CUSTOMERGROUP_MYSQL_DSN
//	go run ./bench -db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
//	go run ./bench -db 'mysql://root@127.0.0.1:3306/test'
//	go run ./bench -db 'root@tcp(127.0.0.1:3306)/test?parseTime=true'
//	go run ./bench -scale small         # 1/100 of the data: the CI smoke test
//	go run ./bench -growth              # the whole run at 1/100, 1/10 and all of the data
//
// It seeds the data of BENCHMARKS.md (at full scale: 100,000 groups; 1,000 groups of 1,000
// members over 200,000 customers, about 5 groups each; one group of 1,000,000 members) in
// tables with a fresh prefix, then times each operation through the library (a
// customergroup.Service over a sqlstore.Store) and through the hand-written SQL that does the
// same work, alternating the two (library first on even samples, raw first on odd ones), and
// prints one Markdown table per run with medians, p99 and the ratio library/raw. State that an
// operation changes is reset between samples, outside the timer. The tables are dropped at the
// end (unless -keep).
//
// It fails (exit status 1) only when something does not work; a missed target is printed as
// MISS, not an error: timings belong to this program, never to unit tests.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type config struct {
	db       string
	scale    string
	growth   bool
	reps     int
	lookups  int
	ops      string
	keep     bool
	verbose  bool
	cpuprof  string
	sizes    sizes
	levels   []sizes
	describe bool
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var c config
	fs.StringVar(&c.db, "db", "sqlite", "database: sqlite (a temporary file), sqlite:PATH, postgres (from $CUSTOMERGROUP_POSTGRES_DSN), mysql (from $CUSTOMERGROUP_MYSQL_DSN), postgres://…, mysql://…, or a go-sql-driver DSN user@tcp(host:port)/db")
	fs.StringVar(&c.scale, "scale", "full", "data size: full (1M memberships, 100k groups, a 1M-member group, batches of 100k) or small (1/100 of it, batches of 1k)")
	fs.BoolVar(&c.growth, "growth", false, "run at 1/100, 1/10 and all of the scale's memberships (batches fixed) and print how each cost grows")
	fs.IntVar(&c.reps, "reps", 0, "samples per side of the bulk operations (Add, Remove, Delete); 0: 5 at full scale, 3 at small")
	fs.IntVar(&c.lookups, "lookups", 0, "samples per side of GroupIDsOf and IsMember (random customers); 0: 10,000 at full scale, 200 at small")
	fs.StringVar(&c.ops, "ops", "", "run only the operations whose name contains one of these comma-separated words (case-insensitive)")
	fs.BoolVar(&c.keep, "keep", false, "keep the tables (and the SQLite file) at the end")
	fs.BoolVar(&c.verbose, "v", false, "print progress")
	fs.StringVar(&c.cpuprof, "cpuprofile", "", "write a CPU profile of the measurements (not of the seeding) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	sz, err := scaleSizes(c.scale)
	if err != nil {
		return err
	}
	if c.reps > 0 {
		sz.reps = c.reps
	}
	if c.lookups > 0 {
		sz.lookups = c.lookups
	}
	c.sizes = sz
	c.levels = []sizes{sz}
	if c.growth {
		c.levels = []sizes{sz.withMemberships(sz.memberships / 100), sz.withMemberships(sz.memberships / 10), sz}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	target, err := openTarget(c.db)
	if err != nil {
		return err
	}
	defer target.close(c.keep)
	logf := func(string, ...any) {}
	if c.verbose {
		logf = func(format string, a ...any) {
			fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, a...)...)
		}
	}

	fmt.Fprintf(out, "# customergroup benchmark: %s\n\n", target.dialect)
	fmt.Fprintf(out, "- database: %s (%s)\n", target.version(ctx), target.describe)
	fmt.Fprintf(out, "- machine: %s\n", machine())
	fmt.Fprintf(out, "- %s, %s/%s, GOMAXPROCS=%d\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
	fmt.Fprintf(out, "- scale %s: samples per side: %d for bulk operations, %d for lookups\n", c.scale, sz.reps, sz.lookups)

	var results []levelResult
	for _, lv := range c.levels {
		r, err := runLevel(ctx, target, lv, c, logf)
		if err != nil {
			return err
		}
		printLevel(out, target, r)
		results = append(results, r)
	}
	if len(results) > 1 {
		printGrowth(out, results)
	}
	return nil
}

// sizes is one data set and the work done on it.
type sizes struct {
	memberships int // in groups of perGroup members, over memberships/5 customers
	groups      int // groups in all (the member groups included)
	big         int // members of the big group
	batch       int // ids per AddCustomers / RemoveCustomers, members of the deleted group
	reps        int // samples per side of the bulk operations
	lookups     int // samples per side of GroupIDsOf and IsMember
	pages       int // samples per side of Get and ListCustomers
	searches    int // samples per side of the List search
}

const perGroup = 1000

func scaleSizes(scale string) (sizes, error) {
	switch scale {
	case "full":
		return sizes{memberships: 1_000_000, groups: 100_000, big: 1_000_000, batch: 100_000,
			reps: 5, lookups: 10_000, pages: 1000, searches: 200}, nil
	case "small":
		return sizes{memberships: 10_000, groups: 1000, big: 10_000, batch: 1000,
			reps: 3, lookups: 200, pages: 100, searches: 20}, nil
	}
	return sizes{}, fmt.Errorf("-scale %q: want full or small", scale)
}

// withMemberships is s at another data size: groups and the big group scale with it, the
// batches and sample counts do not.
func (s sizes) withMemberships(n int) sizes {
	s.groups = s.groups * n / s.memberships
	s.big = s.big * n / s.memberships
	s.memberships = n
	return s
}

func (s sizes) memberGroups() int { return max(1, s.memberships/perGroup) }
func (s sizes) customers() int    { return max(perGroup, s.memberships/5) }

// machine describes the CPU and memory, from /proc on Linux.
func machine() string {
	cpu := runtime.GOARCH
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "MemTotal:") {
				var kb int64
				fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "MemTotal:")), "%d", &kb)
				mem = fmt.Sprintf(", %.0f GiB RAM", float64(kb)/(1<<20))
			}
		}
	}
	return fmt.Sprintf("%s, %d CPUs%s", cpu, runtime.NumCPU(), mem)
}
