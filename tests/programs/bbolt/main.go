// Command bbolt opens an embedded key-value store (go.etcd.io/bbolt) in
// /tmp, writes 2000 keys in one transaction, reads them back in another,
// and prints what it finds. bbolt locks its file with flock and reads it
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
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("items"))
		if err != nil {
			return err
		}
		for i := 0; i < 2000; i++ {
			if err := b.Put([]byte(fmt.Sprintf("key-%05d", i)), []byte(fmt.Sprintf("value %d %x", i, i*i))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update: %v", err)
	}
	h := fnv.New64a()
	n := 0
	err = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("items")).ForEach(func(k, v []byte) error {
			n++
			fmt.Fprintf(h, "%s=%s;", k, v)
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("view: %v", err)
	}
	fmt.Printf("%d keys, hash %016x\n", n, h.Sum64())
	return db.Close()
}
