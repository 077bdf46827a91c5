// Package privacy keeps personal data in a record that never changes
// (docs/PRIVACY.md): Store encrypts the personal fields of every event
// with a data key per case or person and decrypts them for every reader;
// destroying a data key (crypto-shredding) erases what it encrypted while
// the hash chain over the ciphertext still verifies. The data keys live in
// a KeyStore beside the record (SQLite in dev, PostgreSQL in production),
// each wrapped by a master key (Keyring, from BRUKERHJELP_MASTER_KEY_FILE
// or the environment; Wrapper is where a KMS would take over). Rotation
// wraps the data keys again under a new master key; the record is not
// touched.
package privacy
