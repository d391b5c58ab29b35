package sqlstore

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The schema, one directory per dialect. Each file is one migration, NNNN_name.sql, holding
// one or more statements, each ending with a semicolon at the end of a line (no statement
// has a semicolon at a line's end anywhere else). {prefix} stands for the table prefix. A
// file whose first line starts with "-- optional" may fail without failing Migrate.
//
//go:embed migrations
var migrationFiles embed.FS

const prefixToken = "{prefix}"

// Schema returns the migrations of dialect d as plain .sql files (0001_init.sql, …) with no
// table prefix, for hosts that run migrations with their own tool: apply them in name order,
// statement by statement (each ends with a semicolon at the end of a line). Files starting
// with "-- optional" may be skipped. For a prefixed store use (*Store).Schema. Schema
// returns nil for an unknown dialect.
func Schema(d Dialect) fs.FS {
	fsys, err := renderSchema(d, "")
	if err != nil {
		return nil
	}
	return fsys
}

// Schema returns the store's migrations with its table prefix filled in. See the function
// Schema.
func (s *Store) Schema() fs.FS {
	fsys, _ := renderSchema(s.dialect, s.prefix)
	return fsys
}

func renderSchema(d Dialect, prefix string) (*memFS, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: no schema for dialect %q", string(d))
	}
	m := &memFS{files: map[string][]byte{}}
	for _, e := range entries {
		b, err := fs.ReadFile(migrationFiles, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		m.names = append(m.names, e.Name())
		m.files[e.Name()] = bytes.ReplaceAll(b, []byte(prefixToken), []byte(prefix))
	}
	slices.Sort(m.names)
	return m, nil
}

// migration is one schema file.
type migration struct {
	version    int
	name       string
	optional   bool
	statements []string
}

// migrations reads the store's schema files in version order.
func (s *Store) migrations() ([]migration, error) {
	fsys, err := renderSchema(s.dialect, s.prefix)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, name := range fsys.names {
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlstore: schema file %q is not named NNNN_name.sql", name)
		}
		text := string(fsys.files[name])
		out = append(out, migration{
			version:    v,
			name:       rest,
			optional:   strings.HasPrefix(text, "-- optional"),
			statements: splitStatements(text),
		})
	}
	return out, nil
}

// splitStatements cuts a schema file into statements: each ends with a semicolon at the end
// of a line. Lines that hold only a comment are dropped.
func splitStatements(text string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			stmt := strings.TrimSpace(cur.String())
			out = append(out, strings.TrimSpace(strings.TrimSuffix(stmt, ";")))
			cur.Reset()
		}
	}
	if rest := strings.TrimSpace(cur.String()); rest != "" {
		out = append(out, rest)
	}
	return out
}

// Migrate brings the store's tables up to date: it creates the migrations table
// ({prefix}customer_group_migrations) if needed and applies, in version order, every schema
// file not recorded there. It is idempotent, and safe when several processes call it at once:
// PostgreSQL takes an advisory lock for the transaction that applies the files, MySQL a named
// lock (GET_LOCK) for the connection, SQLite a write lock (BEGIN IMMEDIATE). On PostgreSQL and
// SQLite all pending files apply in one transaction; MySQL commits each DDL statement by
// itself, so its schema statements are written to be re-run safely (IF NOT EXISTS).
func (s *Store) Migrate(ctx context.Context) error {
	all, err := s.migrations()
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		err = s.d.migrate(ctx, s, all)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if s.d.classify(err) != failTransient || attempt >= maxAttempts {
			return fmt.Errorf("sqlstore: migrate: %w", err)
		}
		t := time.NewTimer(time.Duration(attempt) * 20 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// pending returns the migrations not yet recorded in the migrations table.
func (s *Store) pending(ctx context.Context, q querier, all []migration) ([]migration, error) {
	rows, err := q.QueryContext(ctx, s.sql(`SELECT version FROM {migrations}`))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	done := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		done[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []migration
	for _, m := range all {
		if !done[m.version] {
			out = append(out, m)
		}
	}
	return out, nil
}

// apply runs m's statements and records it.
func (s *Store) apply(ctx context.Context, q querier, m migration) error {
	for _, stmt := range m.statements {
		if _, err := q.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	_, err := q.ExecContext(ctx, s.sql(`INSERT INTO {migrations} (version, name, applied_at) VALUES (?, ?, ?)`),
		m.version, m.name, s.d.timeArg(time.Now().UTC().Truncate(time.Microsecond)))
	return err
}

// memFS is a read-only, flat, in-memory file system: the rendered schema.
type memFS struct {
	names []string // sorted
	files map[string][]byte
}

var (
	_ fs.ReadDirFS  = (*memFS)(nil)
	_ fs.ReadFileFS = (*memFS)(nil)
)

func (m *memFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return &memDir{fs: m}, nil
	}
	b, ok := m.files[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{info: memInfo{name: name, size: int64(len(b))}, r: bytes.NewReader(b)}, nil
}

func (m *memFS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: fs.ErrInvalid}
	}
	b, ok := m.files[name]
	if !ok {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: fs.ErrNotExist}
	}
	return bytes.Clone(b), nil
}

func (m *memFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		if !fs.ValidPath(name) {
			return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
		}
		if _, ok := m.files[name]; ok {
			return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
		}
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	out := make([]fs.DirEntry, len(m.names))
	for i, n := range m.names {
		out[i] = fs.FileInfoToDirEntry(memInfo{name: n, size: int64(len(m.files[n]))})
	}
	return out, nil
}

type memInfo struct {
	name string
	size int64
	dir  bool
}

func (i memInfo) Name() string { return i.name }
func (i memInfo) Size() int64  { return i.size }
func (i memInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return i.dir }
func (i memInfo) Sys() any           { return nil }

type memFile struct {
	info memInfo
	r    *bytes.Reader
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Read(b []byte) (int, error) { return f.r.Read(b) }
func (f *memFile) Close() error               { return nil }

type memDir struct {
	fs  *memFS
	pos int
}

func (d *memDir) Stat() (fs.FileInfo, error) { return memInfo{name: ".", dir: true}, nil }
func (d *memDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: ".", Err: fs.ErrInvalid}
}
func (d *memDir) Close() error { return nil }

func (d *memDir) ReadDir(n int) ([]fs.DirEntry, error) {
	all, _ := d.fs.ReadDir(".")
	rest := all[d.pos:]
	if n <= 0 {
		d.pos = len(all)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	if n > len(rest) {
		n = len(rest)
	}
	d.pos += n
	return rest[:n], nil
}
