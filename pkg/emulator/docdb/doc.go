// Package docdb is the emulator's document database.
package docdb
