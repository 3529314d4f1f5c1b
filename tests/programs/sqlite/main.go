// Command sqlite runs an embedded SQL database (modernc.org/sqlite, SQLite
// translated to pure Go) on a database file of about 5 MB: it creates a
// table, fills it in one transaction, indexes, updates, deletes, rolls a
// transaction back, checks the file's integrity, closes it and opens it
// again, and prints what it finds. SQLite's unix VFS uses pread and
// pwrite, fcntl record locks, fsync, ftruncate, a rollback journal it
// creates and unlinks beside the database, and access/stat. It is a
// module of its own so that gobare's module does not depend on SQLite;
// tests/files_test.go builds it, runs it natively and inside gobare, and
// wants the same output.
package main

import (
	"database/sql"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite"
)

func main() {
	dir := "/tmp"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	path := filepath.Join(dir, "gobare-sqlite-test.db")
	os.Remove(path)
	defer os.Remove(path)
	if err := run(path); err != nil {
		fmt.Println("FAIL:", err)
		os.Exit(1)
	}
}

// payload is row id's deterministic 1000-byte blob.
func payload(id int) []byte {
	b := make([]byte, 1000)
	x := uint32(id)*2654435761 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func run(path string) error {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	if err := fill(db); err != nil {
		return err
	}
	if err := query(db, "after fill"); err != nil {
		return err
	}
	if err := change(db); err != nil {
		return err
	}
	if err := query(db, "after changes"); err != nil {
		return err
	}
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil {
		return err
	}
	fmt.Println("integrity_check:", check)
	if err := db.Close(); err != nil {
		return err
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Printf("database file: %d bytes (over 5 MB: %v)\n", st.Size(), st.Size() > 5<<20)
	if _, err := os.Stat(path + "-journal"); !os.IsNotExist(err) {
		fmt.Println("the rollback journal is still there:", err)
	}
	db, err = sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	return query(db, "reopened")
}

func fill(db *sql.DB) error {
	for _, s := range []string{
		"PRAGMA journal_mode=DELETE",
		"CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL, grp INTEGER, payload BLOB)",
	} {
		if _, err := db.Exec(s); err != nil {
			return fmt.Errorf("%s: %v", s, err)
		}
	}
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	stmt, err := tx.Prepare("INSERT INTO items(id, name, grp, payload) VALUES(?, ?, ?, ?)")
	if err != nil {
		return err
	}
	for id := 1; id <= 5500; id++ {
		if _, err := stmt.Exec(id, fmt.Sprintf("item-%05d", id), id%13, payload(id)); err != nil {
			return err
		}
	}
	stmt.Close()
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = db.Exec("CREATE INDEX items_grp ON items(grp, name)")
	return err
}

func change(db *sql.DB) error {
	for _, s := range []string{
		"UPDATE items SET name = name || '-x', grp = grp + 100 WHERE id % 7 = 0",
		"DELETE FROM items WHERE id % 11 = 0",
	} {
		r, err := db.Exec(s)
		if err != nil {
			return err
		}
		n, _ := r.RowsAffected()
		fmt.Printf("%s: %d rows\n", s, n)
	}
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	if _, err := tx.Exec("DELETE FROM items"); err != nil {
		return err
	}
	if err := tx.Rollback(); err != nil {
		return err
	}
	return nil
}

func query(db *sql.DB, when string) error {
	var count, bytes int
	if err := db.QueryRow("SELECT count(*), sum(length(payload)) FROM items").Scan(&count, &bytes); err != nil {
		return err
	}
	fmt.Printf("%s: %d rows, %d payload bytes\n", when, count, bytes)
	rows, err := db.Query("SELECT grp, count(*), min(name), max(name) FROM items GROUP BY grp ORDER BY grp LIMIT 5")
	if err != nil {
		return err
	}
	for rows.Next() {
		var grp, n int
		var lo, hi string
		rows.Scan(&grp, &n, &lo, &hi)
		fmt.Printf("  grp %d: %d rows, %s .. %s\n", grp, n, lo, hi)
	}
	rows.Close()
	h := fnv.New64a()
	rows, err = db.Query("SELECT id, name, payload FROM items ORDER BY id")
	if err != nil {
		return err
	}
	bad := 0
	for rows.Next() {
		var id int
		var name string
		var p []byte
		rows.Scan(&id, &name, &p)
		if string(p) != string(payload(id)) {
			bad++
		}
		fmt.Fprintf(h, "%d %s;", id, name)
	}
	rows.Close()
	fmt.Printf("  rows hash %016x, %d payloads differ\n", h.Sum64(), bad)
	return rows.Err()
}
