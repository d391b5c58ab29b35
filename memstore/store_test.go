package memstore_test

import (
	"testing"

	"github.com/b02aa859/customergroup/memstore"
	"github.com/b02aa859/customergroup/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Factory(memstore.New))
}
