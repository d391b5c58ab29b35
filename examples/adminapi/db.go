package main

import (
	"context"
	"fmt"

	"github.com/b02aa859/customergroup"
	"github.com/b02aa859/customergroup/memstore"
)

// backend is where the groups (the library's store) and the demo customers live.
type backend struct {
	store     customergroup.Store
	customers customerStore
	describe  string
	close     func() error
}

// openBackend opens the database named by dsn.
func openBackend(ctx context.Context, dsn, prefix string) (*backend, error) {
	switch dsn {
	case "memory", "mem":
		return &backend{store: memstore.New(), customers: newMemCustomers(), describe: "memory", close: func() error { return nil }}, nil
	}
	return nil, fmt.Errorf("-db %q: only memory is supported for now", dsn)
}
