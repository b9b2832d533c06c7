module streamhost.dev/sdk

go 1.19
