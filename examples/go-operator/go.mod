module streamhost.dev/examples/go-operator

go 1.19

require streamhost.dev/sdk v0.0.0

replace streamhost.dev/sdk => ../../SDK/go
