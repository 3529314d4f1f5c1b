module github.com/gobare/gobare

go 1.26
