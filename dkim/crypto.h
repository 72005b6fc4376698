/*
 * crypto - what the DKIM signer and keygen need from OpenSSL, behind our own
 * names: SHA-256, private keys parsed once per config snapshot and shared by
 * all threads (rsa-sha256 and ed25519-sha256, RFC 8463), key generation,
 * base64. The only file of chainmilter that includes OpenSSL's headers.
 */
#ifndef DKIMC_CRYPTO_H
#define DKIMC_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/pool.h"

#define DKIMC_SHA256_LEN 32
#define DKIMC_SIG_MAX    2048 /* bytes of a signature: RSA up to 16384 bits */

enum dkimc_keytype { DKIMC_KEY_RSA, DKIMC_KEY_ED25519 };

struct dkimc_key;
struct dkimc_hash;

/* SHA-256 in pieces. new() returns NULL when out of memory. */
struct dkimc_hash *dkimc_hash_new(void);
void dkimc_hash_update(struct dkimc_hash *h, const void *data, size_t len);
/* The digest; the hash can be used again after dkimc_hash_reset(). */
int dkimc_hash_final(struct dkimc_hash *h, unsigned char out[DKIMC_SHA256_LEN]);
void dkimc_hash_reset(struct dkimc_hash *h);
void dkimc_hash_free(struct dkimc_hash **hp);

/*
 * A private key from PEM text (PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE
 * KEY", RSA or Ed25519), as opendkim-genkey and chainmilter keygen write
 * them. The key lives as long as the pool p. Returns NULL with *error_r
 * (from p) saying what is wrong with it.
 */
struct dkimc_key *dkimc_key_parse(const char *pem, size_t len, struct pool *p,
                                  const char **error_r);
enum dkimc_keytype dkimc_key_type(const struct dkimc_key *k);
unsigned dkimc_key_bits(const struct dkimc_key *k);
/* "rsa-sha256" or "ed25519-sha256", the a= of signatures with this key. */
const char *dkimc_key_alg(const struct dkimc_key *k);
/* "rsa" or "ed25519", the k= of its key record. */
const char *dkimc_key_kname(const struct dkimc_key *k);

/*
 * Sign the SHA-256 digest of the canonicalized header fields: RSASSA-PKCS1-
 * v1_5 with SHA-256 (RFC 6376 §3.3.1), or Ed25519 over the digest (RFC 8463
 * §3). Safe from many threads on one key. Returns the signature's length
 * in sig (DKIMC_SIG_MAX bytes), or -1 with *error_r (static).
 */
int dkimc_key_sign(const struct dkimc_key *k, const unsigned char digest[DKIMC_SHA256_LEN],
                   unsigned char *sig, const char **error_r);

/* The public half as a key record's p= wants it: base64 of the
 * SubjectPublicKeyInfo DER for RSA, of the raw 32 bytes for Ed25519. */
char *dkimc_key_public_b64(const struct dkimc_key *k, struct pool *p);

/* A new key pair (living as long as p); *pem_r is the private key as
 * PKCS#8 PEM. bits: RSA only. */
struct dkimc_key *dkimc_key_generate(enum dkimc_keytype type, unsigned bits, struct pool *p,
                                     char **pem_r, const char **error_r);

/* Base64 (RFC 4648, with padding, no line breaks) of len bytes, from p. */
char *dkimc_base64(const unsigned char *data, size_t len, struct pool *p);

#endif
