package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/b02aa859/customergroup"
)

// DefaultMaxBody bounds a request body: enough for a batch of about 200,000 customer ids.
const DefaultMaxBody = 8 << 20

// MaxEmbeddedCustomers bounds the customers shown in a group with fields=*customers; its
// customer_count is always exact, and GET /admin/customers?groups[]=… pages through all.
const MaxEmbeddedCustomers = 1000

// API is the HTTP admin API: Medusa v2's admin customer-group routes over a
// customergroup.Service, and the host side a wrapper needs (a demo customers table).
type API struct {
	svc       *customergroup.Service
	customers customerStore
	tokens    *tokens
	log       *slog.Logger
	maxBody   int64
	now       func() time.Time
	newID     func(prefix string) string
}

// newService is the Service the API runs on: group ids in Medusa's style, ids added to a group
// checked against the customers table, and every change logged.
func newService(store customergroup.Store, customers customerStore, log *slog.Logger, opts ...customergroup.Option) *customergroup.Service {
	base := []customergroup.Option{
		customergroup.WithIDGenerator(func() string { return newID("cusgroup_") }),
		customergroup.WithCustomerCheck(unknownCustomers(customers)),
		customergroup.WithObserver(customergroup.ObserverFunc(func(ctx context.Context, e customergroup.Event) {
			log.InfoContext(ctx, "event", "type", string(e.Type), "group", e.GroupID, "customers", len(e.CustomerIDs), "actor", e.Actor)
		})),
	}
	return customergroup.New(store, append(base, opts...)...)
}

// newAPI returns the API over svc and customers, refusing requests without one of tokens.
func newAPI(svc *customergroup.Service, customers customerStore, tk *tokens, log *slog.Logger) *API {
	return &API{svc: svc, customers: customers, tokens: tk, log: log, maxBody: DefaultMaxBody, now: time.Now, newID: newID}
}

// handlerFunc is a route: it answers, or returns an error that writeError answers.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handler is the whole API: routing, authentication, request logs, panic recovery.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	route := func(pattern string, h handlerFunc) {
		mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := h(w, r); err != nil {
				a.writeError(w, r, err)
			}
		}))
	}
	route("GET /admin/customer-groups", a.listGroups)
	route("POST /admin/customer-groups", a.createGroup)
	route("GET /admin/customer-groups/{id}", a.getGroup)
	route("POST /admin/customer-groups/{id}", a.updateGroup)
	route("DELETE /admin/customer-groups/{id}", a.deleteGroup)
	route("POST /admin/customer-groups/{id}/customers", a.batchGroupCustomers)

	route("GET /admin/customers", a.listCustomers)
	route("POST /admin/customers", a.createCustomer)
	route("GET /admin/customers/{id}", a.getCustomer)
	route("DELETE /admin/customers/{id}", a.deleteCustomer)
	route("POST /admin/customers/{id}/customer-groups", a.batchCustomerGroups)

	return a.logged(a.recovered(a.authenticated(a.jsonFallbacks(mux))))
}

// jsonFallbacks answers the requests no route takes (404, or 405 with Allow) with a JSON
// error body instead of the mux's plain text.
func (a *API) jsonFallbacks(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			a.writeError(w, r, notFound("No route for %s %s", r.Method, r.URL.Path))
			return
		}
		if slices.Contains(allow, http.MethodGet) {
			allow = append(allow, http.MethodHead)
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		a.writeError(w, r, &apiError{Status: http.StatusMethodNotAllowed, Type: typeInvalidData,
			Message: fmt.Sprintf("%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", "))})
	})
}

// authenticated refuses a request without a known token (401) and names its token's actor in
// the request's context, where the Service finds it (customergroup.WithActor).
func (a *API) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, ok := a.tokens.actor(r.Header.Get("Authorization"))
		if !ok {
			a.writeError(w, r, &apiError{Status: http.StatusUnauthorized, Type: typeUnauthorized, Message: "Unauthorized"})
			return
		}
		if l, ok := w.(*logWriter); ok {
			l.actor = actor
		}
		next.ServeHTTP(w, r.WithContext(customergroup.WithActor(r.Context(), actor)))
	})
}

// recovered answers a panic with a 500 and logs its stack, so one bad request does not take
// its connection down without an answer.
func (a *API) recovered(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.log.ErrorContext(r.Context(), "panic", "value", fmt.Sprint(v), "stack", string(debug.Stack()))
				a.writeError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// logWriter records what a request was answered, for its log line.
type logWriter struct {
	http.ResponseWriter
	status int
	bytes  int
	actor  string
}

func (l *logWriter) WriteHeader(status int) {
	if l.status == 0 {
		l.status = status
	}
	l.ResponseWriter.WriteHeader(status)
}

func (l *logWriter) Write(b []byte) (int, error) {
	if l.status == 0 {
		l.status = http.StatusOK
	}
	n, err := l.ResponseWriter.Write(b)
	l.bytes += n
	return n, err
}

func (l *logWriter) Unwrap() http.ResponseWriter { return l.ResponseWriter }

// logged writes one structured line per request: method, path, status, size, duration and
// the actor. Query strings are logged, credentials never.
func (a *API) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		lw := &logWriter{ResponseWriter: w}
		next.ServeHTTP(lw, r)
		level := slog.LevelInfo
		switch {
		case lw.status >= 500:
			level = slog.LevelError
		case lw.status >= 400:
			level = slog.LevelWarn
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", lw.status),
			slog.Int("bytes", lw.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", r.RemoteAddr),
		}
		if r.URL.RawQuery != "" {
			attrs = append(attrs, slog.String("query", r.URL.RawQuery))
		}
		if lw.actor != "" {
			attrs = append(attrs, slog.String("actor", lw.actor))
		}
		a.log.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

// etag is the entity tag of a group's own state (name and metadata): its version. Membership
// changes do not change it, so If-Match guards edits without failing on every added customer.
func etag(g customergroup.CustomerGroup) string { return fmt.Sprintf(`"%d"`, g.Version) }

// ifMatch is a request's If-Match header.
type ifMatch struct {
	present  bool
	any      bool    // *
	versions []int64 // strong tags of versions; weak and foreign tags match nothing
}

func parseIfMatch(r *http.Request) ifMatch {
	vals := r.Header.Values("If-Match")
	if len(vals) == 0 {
		return ifMatch{}
	}
	im := ifMatch{present: true}
	for _, v := range vals {
		for t := range strings.SplitSeq(v, ",") {
			t = strings.TrimSpace(t)
			if t == "*" {
				im.any = true
				continue
			}
			if len(t) >= 3 && t[0] == '"' && t[len(t)-1] == '"' {
				v := t[1 : len(t)-1]
				// Only the tags etag writes: canonical decimal versions.
				if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 && strconv.FormatInt(n, 10) == v {
					im.versions = append(im.versions, n)
				}
			}
		}
	}
	return im
}

func (im ifMatch) matches(version int64) bool {
	if !im.present || im.any {
		return true
	}
	for _, v := range im.versions {
		if v == version {
			return true
		}
	}
	return false
}

func preconditionFailed(id string, version int64) *apiError {
	return &apiError{Status: http.StatusPreconditionFailed, Type: typePreconditionFailed,
		Message: fmt.Sprintf(`Customer group %s has changed: it is now at ETag "%d". Read it again and retry.`, id, version)}
}

// noIfMatch refuses If-Match on a route that cannot honour it, rather than ignore it.
func noIfMatch(r *http.Request) error {
	if r.Header.Get("If-Match") != "" {
		return invalidData("Invalid request: If-Match is honoured on POST /admin/customer-groups/{id} only")
	}
	return nil
}
