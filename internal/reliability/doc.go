// Package reliability holds the tests that prove the library keeps working, loses nothing and
// leaves nothing half-written under faults, load and hostile input. It has no code of its
// own: everything is in its tests.
//
//   - TestFaults (faults_test.go): on real PostgreSQL and MySQL/MariaDB, connections cut by a
//     loopback TCP proxy at exact byte offsets, sessions killed from a second connection,
//     contexts cancelled and deadlines expiring in the middle of AddCustomers,
//     RemoveCustomers, Delete, Update and ForgetCustomer; a database that goes away under a
//     running workload and comes back. Each operation must be all or nothing, with exact
//     counts, and the library must recover by itself.
//   - TestLoad (load_test.go): a bounded mixed workload on two pools, then every invariant
//     checked against the tables with raw SQL.
//   - TestHostileInput (hostile_test.go): SQL injection, LIKE wildcards, NUL bytes, invalid
//     UTF-8, bidirectional overrides, huge strings and batches in every string field and
//     filter, on memstore, SQLite, PostgreSQL and MySQL/MariaDB.
//
// The PostgreSQL and MySQL/MariaDB tests run when CUSTOMERGROUP_POSTGRES_DSN and
// CUSTOMERGROUP_MYSQL_DSN are set and skip, naming the variable, otherwise. Each test works
// in tables of its own (a random table prefix) and drops them. The default sizes suit CI
// under the race detector; -short makes them smaller, CUSTOMERGROUP_RELIABILITY=full larger
// (a 200,000-id AddCustomers, a one-minute load). A real server restart is opt-in: set
// CUSTOMERGROUP_RESTART_TEST=1 and CUSTOMERGROUP_POSTGRES_RESTART_CMD /
// CUSTOMERGROUP_MYSQL_RESTART_CMD to a shell command that restarts that server; by default
// the restart is simulated by the proxy (every connection cut, new ones refused for a few
// seconds).
package reliability
