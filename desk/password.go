package desk

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// HashParams are the argon2id cost parameters of new password hashes. A
// stored hash carries its own parameters, so raising them later does not
// lock anyone out.
type HashParams struct {
	Time      uint32 // passes over the memory
	MemoryKiB uint32
	Threads   uint8
}

// DefaultHashParams follow RFC 9106 section 4's second recommended option
// (t=3, 64 MiB), with two lanes for a small server. BenchmarkCheckPassword
// measured 0.41 s per check on the shared 2-core test machine
// (2026-11-29): with login rate limiting, guessing is slow and signing in
// is not. Each check holds 64 MiB while it runs; package desk/web bounds
// how many run at once.
func DefaultHashParams() HashParams { return HashParams{Time: 3, MemoryKiB: 64 * 1024, Threads: 2} }

const (
	saltBytes = 16
	keyBytes  = 32
	// MinPasswordRunes is the shortest password HashPassword accepts.
	MinPasswordRunes = 10
)

// ErrWeakPassword is returned by HashPassword for a password shorter than
// MinPasswordRunes.
var ErrWeakPassword = fmt.Errorf("password too short: at least %d characters", MinPasswordRunes)

// HashPassword returns the PHC string of password hashed with argon2id:
// "$argon2id$v=19$m=65536,t=3,p=2$SALT$KEY".
func HashPassword(password string, p HashParams) (string, error) {
	if len([]rune(password)) < MinPasswordRunes {
		return "", ErrWeakPassword
	}
	salt := make([]byte, saltBytes)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, keyBytes)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// The largest costs and fields CheckPassword accepts from a stored hash:
// well above DefaultHashParams, but a hash changed in the database cannot
// make one sign-in take gigabytes or minutes (the parameters are read
// from the hash itself).
const (
	maxHashMemoryKiB = 1 << 20 // 1 GiB
	maxHashTime      = 64
	maxHashField     = 256 // base64 of a salt or key
)

// errBadHash is returned by CheckPassword for a stored hash it cannot
// read.
var errBadHash = errors.New("stored password hash is not an argon2id PHC string")

// CheckPassword reports whether password is the one hash was made from,
// comparing in constant time.
func CheckPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var p HashParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil || p.Time == 0 || p.Threads == 0 {
		return false, errBadHash
	}
	if p.MemoryKiB > maxHashMemoryKiB || p.Time > maxHashTime || len(parts[4]) > maxHashField || len(parts[5]) > maxHashField {
		return false, fmt.Errorf("%w: its cost (m=%d KiB, t=%d) or size is beyond what wiredesk hashes with (m ≤ %d KiB, t ≤ %d); "+
			"was the database edited? set the password again with `wiredesk user passwd`", errBadHash, p.MemoryKiB, p.Time, maxHashMemoryKiB, maxHashTime)
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
