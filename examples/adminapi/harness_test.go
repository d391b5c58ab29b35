package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/b02aa859/customergroup"
	"github.com/b02aa859/customergroup/memstore"
)

const (
	aliceSecret = "alice-secret-0123456789"
	bobSecret   = "bob-secret-0123456789ab"
)

// harness is the API on memstore and an in-memory customers table seeded with the demo
// customers, behind an httptest server, with a clock that moves one second a reading.
type harness struct {
	t   *testing.T
	srv *httptest.Server
	api *API
	log *syncBuffer // the server's log
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessOn(t, memstore.New(), newMemCustomers())
}

// newHarnessOn is the harness over a store and customers table of the caller's.
func newHarnessOn(t *testing.T, store customergroup.Store, customers customerStore) *harness {
	t.Helper()
	clock := &stepClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	require.NoError(t, seedCustomers(context.Background(), customers, clock.now()))
	tk, err := parseTokens([]string{"alice=" + aliceSecret, "bob=" + bobSecret})
	require.NoError(t, err)
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	svc := newService(store, customers, log, customergroup.WithClock(clock.now))
	api := newAPI(svc, customers, tk, log)
	api.now = clock.now
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	return &harness{t: t, srv: srv, api: api, log: logs}
}

// on returns h reporting to t, for subtests.
func (h *harness) on(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

// reply is an answer: its status, headers and body.
type reply struct {
	t      *testing.T
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic value.
func (r reply) JSON() map[string]any {
	r.t.Helper()
	var v map[string]any
	require.NoError(r.t, json.Unmarshal(r.Body, &v), "body: %s", r.Body)
	return v
}

// requireError checks the answer is Medusa's error shape with the status and type.
func (r reply) requireError(status int, typ string, msgContains ...string) {
	r.t.Helper()
	require.Equal(r.t, status, r.Status, "body: %s", r.Body)
	v := r.JSON()
	require.Equal(r.t, typ, v["type"], "body: %s", r.Body)
	require.IsType(r.t, "", v["message"])
	require.Len(r.t, v, 2, "an error body is {type, message}: %s", r.Body)
	for _, s := range msgContains {
		require.Contains(r.t, v["message"], s)
	}
}

func (r reply) requireOK() map[string]any {
	r.t.Helper()
	require.Equal(r.t, http.StatusOK, r.Status, "body: %s", r.Body)
	require.Equal(r.t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
	return r.JSON()
}

// keys returns the keys of the JSON object at path in the body, in document order.
func (r reply) keys(path ...string) []string {
	r.t.Helper()
	raw := json.RawMessage(r.Body)
	for _, p := range path {
		var m map[string]json.RawMessage
		require.NoError(r.t, json.Unmarshal(raw, &m))
		raw = m[p]
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var keys []string
	tok, err := dec.Token()
	require.NoError(r.t, err)
	require.Equal(r.t, json.Delim('{'), tok, "not an object: %s", raw)
	for dec.More() {
		k, err := dec.Token()
		require.NoError(r.t, err)
		keys = append(keys, k.(string))
		var skip json.RawMessage
		require.NoError(r.t, dec.Decode(&skip))
	}
	return keys
}

// call sends a request as alice (unless headers set Authorization). body is JSON-encoded
// unless it is a string, sent as is.
func (h *harness) call(method, path string, body any, headers ...string) reply {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		require.NoError(h.t, err)
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	require.NoError(h.t, err)
	req.Header.Set("Authorization", "Bearer "+aliceSecret)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := h.srv.Client().Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	return reply{t: h.t, Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func basic(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }

// createGroup creates a group and returns its answer object.
func (h *harness) createGroup(name string, metadata ...string) map[string]any {
	h.t.Helper()
	body := map[string]any{"name": name}
	if len(metadata) > 0 {
		// keep the order: build the JSON by hand
		var b strings.Builder
		b.WriteString(`{"name":`)
		n, _ := json.Marshal(name)
		b.Write(n)
		b.WriteString(`,"metadata":{`)
		for i := 0; i+1 < len(metadata); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(metadata[i])
			v, _ := json.Marshal(metadata[i+1])
			b.Write(k)
			b.WriteByte(':')
			b.Write(v)
		}
		b.WriteString("}}")
		return h.call("POST", "/admin/customer-groups", b.String()).requireOK()["customer_group"].(map[string]any)
	}
	return h.call("POST", "/admin/customer-groups", body).requireOK()["customer_group"].(map[string]any)
}

func ids(list any) []string {
	var out []string
	for _, x := range list.([]any) {
		out = append(out, x.(map[string]any)["id"].(string))
	}
	return out
}
