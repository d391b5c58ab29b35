//go:build tools

package customergroup

// Pins the test and driver dependencies in go.mod until the packages that use them exist.
import (
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/matryer/is"
	_ "github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"
)
