package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseParams(t *testing.T) {
	p, err := parseParams("q=a+b&id%5B0%5D=x&id%5B1%5D=y&name[]=n&name[]=m&tag=1&tag=2&created_at%5B%24gte%5D=2025&g[id][]=u,v&one[]=a,b&empty=")
	require.NoError(t, err)
	q, ok, err := p.scalar("q")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "a b", q)
	for name, want := range map[string][]string{"id": {"x", "y"}, "name": {"n", "m"}, "tag": {"1", "2"}, "one": {"a", "b"}, "empty": {""}} {
		got, err := p.list(name)
		require.NoError(t, err)
		require.Equal(t, want, got, name)
	}
	require.Equal(t, map[string][]string{"$gte": {"2025"}}, p["created_at"].obj)
	require.Equal(t, []string{"u,v"}, p["g"].obj["id"], "commas split only a one-element top-level array")
	_, _, err = p.scalar("tag")
	require.Error(t, err)

	for _, bad := range []string{"a=1&a[x]=2", "[x]=1", "a[x][y]=1", "a[0][1]=2", "a[b=1", "%G0=1"} {
		_, err := parseParams(bad)
		require.Error(t, err, bad)
	}
}

func TestTimeRange(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, err)
		return tm
	}
	for query, want := range map[string][2]string{
		"t[$gte]=2025-01-01T00:00:00.0000015Z":                            {"2025-01-01T00:00:00.000002Z", ""},
		"t[$gt]=2025-01-01T00:00:00.000001Z":                              {"2025-01-01T00:00:00.000002Z", ""},
		"t[$gt]=2025-01-01T00:00:00.0000015Z":                             {"2025-01-01T00:00:00.000002Z", ""},
		"t[$lt]=2025-01-01T00:00:00.000001Z":                              {"", "2025-01-01T00:00:00.000001Z"},
		"t[$lt]=2025-01-01T00:00:00.0000015Z":                             {"", "2025-01-01T00:00:00.000002Z"},
		"t[$lte]=2025-01-01T00:00:00.000001Z":                             {"", "2025-01-01T00:00:00.000002Z"},
		"t[$eq]=2025-01-01T00:00:00.000001Z":                              {"2025-01-01T00:00:00.000001Z", "2025-01-01T00:00:00.000002Z"},
		"t=2025-01-01":                                                    {"2025-01-01T00:00:00Z", "2025-01-01T00:00:00.000001Z"},
		"t[$gte]=2025-01-01&t[$gte]=2025-02-01":                           {"", ""}, // refused below
		"t[$gte]=2025-01-02T00:00:00%2B02:00&t[$lt]=2025-01-03T00:00:00Z": {"2025-01-01T22:00:00Z", "2025-01-03T00:00:00Z"},
		"t[$gt]=2025-02-01&t[$lt]=2025-01-01":                             {"2025-02-01T00:00:00.000001Z", "2025-02-01T00:00:00.000001Z"},
	} {
		p, err := parseParams(query)
		require.NoError(t, err)
		r, err := p.timeRange("t")
		if strings.Count(query, "$gte") == 2 {
			require.Error(t, err, query)
			continue
		}
		require.NoError(t, err, query)
		if want[0] == "" {
			require.True(t, r.From.IsZero(), query)
		} else {
			require.Equal(t, at(want[0]), r.From, query)
		}
		if want[1] == "" {
			require.True(t, r.To.IsZero(), query)
		} else {
			require.Equal(t, at(want[1]), r.To, query)
		}
	}
}

func TestParseIfMatch(t *testing.T) {
	for header, want := range map[string]ifMatch{
		``:             {},
		`"3"`:          {present: true, versions: []int64{3}},
		`"3", "4"`:     {present: true, versions: []int64{3, 4}},
		`*`:            {present: true, any: true},
		`W/"3"`:        {present: true},
		`"03"`:         {present: true},
		`"x", "7",`:    {present: true, versions: []int64{7}},
		`"9999999999"`: {present: true, versions: []int64{9999999999}},
	} {
		r, _ := http.NewRequest("POST", "/", nil)
		if header != "" {
			r.Header.Set("If-Match", header)
		}
		require.Equal(t, want, parseIfMatch(r), header)
	}
	require.True(t, ifMatch{}.matches(5))
	require.True(t, ifMatch{present: true, any: true}.matches(5))
	require.False(t, ifMatch{present: true}.matches(5))
}

func TestTokens(t *testing.T) {
	for _, bad := range [][]string{{"noequals"}, {"=secretsecretsecret"}, {"a=short"}, {"a=" + aliceSecret, "b=" + aliceSecret}, {"a\tb=" + aliceSecret}} {
		_, err := parseTokens(bad)
		require.Error(t, err, bad)
		require.NotContains(t, err.Error(), aliceSecret, "errors never show a secret")
	}
	tk, err := parseTokens([]string{" ops=" + aliceSecret})
	require.NoError(t, err)
	name, ok := tk.actor("bearer " + aliceSecret)
	require.True(t, ok)
	require.Equal(t, "ops", name)
	require.True(t, strings.HasPrefix(randomSecret(), "sk_"))
	require.GreaterOrEqual(t, len(randomSecret()), MinTokenLength)
}

func TestNewID(t *testing.T) {
	a := newID("cus_")
	time.Sleep(2 * time.Millisecond)
	b := newID("cus_")
	require.Regexp(t, `^cus_[0-9A-HJKMNP-TV-Z]{26}$`, a)
	require.Less(t, a, b, "ids sort by creation time")
}

// run serves until its context ends, then shuts down gracefully.
func TestRunServesAndShutsDown(t *testing.T) {
	dir := t.TempDir()
	addrFile := filepath.Join(dir, "addr")
	ctx, cancel := context.WithCancel(context.Background())
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-db", "memory", "-addr", "127.0.0.1:0", "-addr-file", addrFile, "-log-format", "json"},
			func(k string) string {
				if k == "ADMINAPI_TOKENS" {
					return "ci=" + aliceSecret
				}
				return ""
			}, &stderr)
	}()
	var addr string
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(addrFile)
		addr = strings.TrimSpace(string(b))
		return err == nil && addr != ""
	}, 5*time.Second, 10*time.Millisecond)

	req, _ := http.NewRequest("GET", "http://"+addr+"/admin/customers?limit=1", nil)
	req.Header.Set("Authorization", "Bearer "+aliceSecret)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
	require.Contains(t, stderr.String(), `"msg":"request"`)
	require.Contains(t, stderr.String(), `"actor":"ci"`)
	require.Contains(t, stderr.String(), `"msg":"stopped"`)
	require.NotContains(t, stderr.String(), aliceSecret)

	require.Error(t, run(context.Background(), []string{"-db", "memory", "-token", "x=short"}, func(string) string { return "" }, &stderr))
	require.Error(t, run(context.Background(), []string{"-log-format", "xml"}, func(string) string { return "" }, &stderr))
}
