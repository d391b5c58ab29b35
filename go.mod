module github.com/b02aa859/customergroup

go 1.26

require (
	github.com/google/uuid v1.6.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)
