package main

import "github.com/google/uuid"

// crockford is the base-32 alphabet of ULIDs, which Medusa's ids use.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newID returns prefix followed by a ULID-style text of a UUIDv7: 26 characters that sort by
// creation time, as Medusa's ids do ("cusgroup_01J…", "cus_01J…").
func newID(prefix string) string {
	u := uuid.Must(uuid.NewV7())
	var out [26]byte
	// 128 bits read as 130, two leading zero bits, 5 bits a character.
	var hi, lo uint64
	for i := range 8 {
		hi = hi<<8 | uint64(u[i])
		lo = lo<<8 | uint64(u[8+i])
	}
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return prefix + string(out[:])
}
