// Command adminapi serves Medusa v2's admin customer-group API over the customergroup library:
// the HTTP layer another team would write around it, that Medusa's own JS client
// (@medusajs/js-sdk) drives unchanged.
//
//	go run ./examples/adminapi                       # SQLite file customergroups.db
//	go run ./examples/adminapi -db postgres://…      # or mysql://…, or memory
//
// See README.md for the routes, the differences from Medusa, and curl and SDK examples.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/b02aa859/customergroup/internal/dbopen"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "adminapi:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("adminapi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:9000", "address to listen on (port 0: any free port)")
	dsn := fs.String("db", "customergroups.db", "database: a SQLite file path (or sqlite:path), postgres://…, mysql://…, or memory")
	prefix := fs.String("table-prefix", "", "prefix of the table names, so that several instances can share one database")
	addrFile := fs.String("addr-file", "", "write the address served on to this file once listening (for scripts using -addr …:0)")
	seed := fs.Bool("seed", true, "add the demo customers (cus_demo_…) when they are missing")
	logFormat := fs.String("log-format", "text", "request log format: text or json")
	maxBody := fs.Int64("max-body", DefaultMaxBody, "largest request body, in bytes")
	drop := fs.Bool("drop-tables", false, "drop every table under -table-prefix in -db, and exit (for CI clean-up)")
	var tokenSpecs stringList
	fs.Var(&tokenSpecs, "token", "an API token, name=secret (repeatable); the name is the actor stamped on changes. Also ADMINAPI_TOKENS=name=secret,…")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}

	var handler slog.Handler = slog.NewTextHandler(stderr, nil)
	if *logFormat == "json" {
		handler = slog.NewJSONHandler(stderr, nil)
	} else if *logFormat != "text" {
		return fmt.Errorf("-log-format %q: want text or json", *logFormat)
	}
	log := slog.New(handler)

	if *drop {
		if *dsn == "memory" || *dsn == "mem" {
			return errors.New("-drop-tables is for SQL databases")
		}
		db, dialect, describe, err := dbopen.Open(*dsn)
		if err != nil {
			return fmt.Errorf("-db: %w", err)
		}
		defer db.Close()
		n, err := dropTables(ctx, db, sqlDialect(dialect), *prefix)
		if err != nil {
			return err
		}
		log.Info("dropped tables", "db", describe, "table_prefix", *prefix, "tables", n)
		return nil
	}

	if env := getenv("ADMINAPI_TOKENS"); env != "" {
		tokenSpecs = append(tokenSpecs, strings.Split(env, ",")...)
	}
	if len(tokenSpecs) == 0 {
		secret := randomSecret()
		tokenSpecs = append(tokenSpecs, "admin="+secret)
		fmt.Fprintf(stderr, "adminapi: no -token given; this run accepts the token of actor \"admin\": %s\n", secret)
	}
	tk, err := parseTokens(tokenSpecs)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	be, err := openBackend(ctx, *dsn, *prefix)
	if err != nil {
		return err
	}
	defer be.close()
	if *seed {
		if err := seedCustomers(ctx, be.customers, time.Now()); err != nil {
			return fmt.Errorf("seed demo customers: %w", err)
		}
	}

	api := newAPI(newService(be.store, be.customers, log), be.customers, tk, log)
	api.maxBody = *maxBody

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           api.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
	}
	if *addrFile != "" {
		if err := writeFileAtomic(*addrFile, ln.Addr().String()+"\n"); err != nil {
			ln.Close()
			return err
		}
	}
	log.Info("serving", "addr", "http://"+ln.Addr().String(), "db", be.describe, "table_prefix", *prefix)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests under way")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// writeFileAtomic writes data to path through a temporary file and a rename, so that a reader
// polling for the file never sees it half written.
func writeFileAtomic(path, data string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
