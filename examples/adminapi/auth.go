package main

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/b02aa859/customergroup"
)

// MinTokenLength is the shortest secret a token may have.
const MinTokenLength = 16

// tokens are the API's credentials: each a secret with a name, the actor its requests act as
// (it stamps created_by and the memberships' added_by).
//
// A client presents a secret either as a bearer token (Authorization: Bearer <secret>, what
// @medusajs/js-sdk sends with a JWT set by sdk.client.setToken) or in Medusa's secret API key
// scheme (Authorization: Basic base64(<secret>:), what the SDK sends when configured with
// apiKey). Only hashes of the secrets are kept, and they are compared in constant time.
type tokens struct {
	list []token
}

type token struct {
	name string
	hash [sha256.Size]byte
}

// parseTokens reads name=secret specs, as given to -token or in ADMINAPI_TOKENS
// (comma-separated).
func parseTokens(specs []string) (*tokens, error) {
	t := &tokens{}
	seen := map[string]bool{}
	for _, spec := range specs {
		name, secret, ok := strings.Cut(strings.TrimSpace(spec), "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("token %q: want name=secret", redact(spec))
		}
		if err := customergroup.ValidateID("token name", name); err != nil {
			return nil, fmt.Errorf("token %q: %w", name, err)
		}
		if len(secret) < MinTokenLength {
			return nil, fmt.Errorf("token %q: the secret must be at least %d characters", name, MinTokenLength)
		}
		h := sha256.Sum256([]byte(secret))
		if seen[string(h[:])] {
			return nil, fmt.Errorf("token %q: the same secret is given twice", name)
		}
		seen[string(h[:])] = true
		t.list = append(t.list, token{name: name, hash: h})
	}
	return t, nil
}

func redact(spec string) string {
	name, _, _ := strings.Cut(spec, "=")
	return name + "=…"
}

// randomSecret makes a secret for a token when none is configured.
func randomSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return "sk_" + hex.EncodeToString(b)
}

// actor returns the name of the token an Authorization header presents.
func (t *tokens) actor(header string) (string, bool) {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok {
		return "", false
	}
	cred = strings.TrimSpace(cred)
	var secret string
	switch strings.ToLower(scheme) {
	case "bearer":
		secret = cred
	case "basic":
		secret = cred // Medusa also takes a raw "Basic sk_…"
		if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
			user, pass, found := strings.Cut(string(dec), ":")
			switch {
			case !found:
				secret = string(dec)
			case pass == "":
				secret = user // the SDK's apiKey: base64(<secret>:)
			default:
				secret = pass // curl -u name:secret
			}
		}
	default:
		return "", false
	}
	if secret == "" {
		return "", false
	}
	h := sha256.Sum256([]byte(secret))
	name, found := "", 0
	for _, tk := range t.list {
		if subtle.ConstantTimeCompare(h[:], tk.hash[:]) == 1 {
			name, found = tk.name, 1
		}
	}
	return name, found == 1
}
