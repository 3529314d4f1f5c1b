module github.com/gobare/gobare/rt

go 1.21
