package storagetest

import (
	"sync"
	"testing"

	"github.com/benkan-project/benkan/storage"
)

// dirs holds the data directory of each SQLite test database.
var dirs sync.Map // *storage.DB -> string

// ConfigOf returns the storage configuration that opens db again: its data
// directory on SQLite, its URL (with its private schema) on PostgreSQL.
// Tests of commands that open the database themselves, as `benkan policy`
// does, pass it to them as flags.
func ConfigOf(t testing.TB, db *storage.DB) storage.Config {
	t.Helper()
	if u, ok := urls.Load(db); ok {
		return storage.Config{DatabaseURL: u.(string)}
	}
	if d, ok := dirs.Load(db); ok {
		return storage.Config{DataDir: d.(string)}
	}
	t.Fatal("not a test database of storagetest")
	return storage.Config{}
}
