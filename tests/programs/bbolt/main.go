// Command bbolt opens an embedded key-value store (go.etcd.io/bbolt) in
// /tmp, writes 10,000 keys in five transactions (the file grows and bbolt
// maps it again), reads them back, reopens the database and reads them
// again, and prints what it finds. bbolt locks its file with flock and reads it
// through a shared read-only mmap of the file. It is a module of its own
// so that gobare's module does not depend on bbolt; tests/files_test.go
// runs it natively and inside gobare and wants the same output.
package main

import (
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

func main() {
	path := filepath.Join(os.TempDir(), "gobare-bbolt-test.db")
	os.Remove(path)
	defer os.Remove(path)
	if err := run(path); err != nil {
		fmt.Println("FAIL:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return fmt.Errorf("open: %v", err)
	}
	fmt.Println("opened")
	// A second open of a file locked by the first waits for its timeout.
	if _, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 200 * time.Millisecond}); err != nil {
		fmt.Println("second open:", err)
	}
	for round := 0; round < 5; round++ {
		err = db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("items"))
			if err != nil {
				return err
			}
			for i := round * 2000; i < (round+1)*2000; i++ {
				if err := b.Put([]byte(fmt.Sprintf("key-%05d", i)), []byte(fmt.Sprintf("value %d %x", i, i*i))); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("update %d: %v", round, err)
		}
	}
	if err := view(db); err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("close: %v", err)
	}
	if db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, ReadOnly: true}); err != nil {
		return fmt.Errorf("reopen: %v", err)
	}
	if err := view(db); err != nil {
		return err
	}
	return db.Close()
}

// view reads every key back and prints their number and a hash of them,
// and one key looked up.
func view(db *bolt.DB) error {
	h := fnv.New64a()
	n := 0
	err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("items"))
		fmt.Printf("key-07777: %s\n", b.Get([]byte("key-07777")))
		return b.ForEach(func(k, v []byte) error {
			n++
			fmt.Fprintf(h, "%s=%s;", k, v)
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("view: %v", err)
	}
	fmt.Printf("%d keys, hash %016x\n", n, h.Sum64())
	return nil
}
