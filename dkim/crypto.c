/*
 * crypto - OpenSSL 3 behind the DKIM module's own names. Keys are decoded
 * once (libopendkim decodes the PEM again for every signature, which caps it
 * near 900 signatures/s per core) and then only read, so threads share them.
 */
#include "crypto.h"

#include <pthread.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

/* Signing contexts kept per key: setting one up costs OpenSSL 3 an
 * algorithm fetch under a global lock, a few percent of an RSA signature. */
#define CTX_CACHE 16

struct dkimc_key {
	EVP_PKEY *pkey;
	enum dkimc_keytype type;
	unsigned bits;
	pthread_mutex_t lock;
	EVP_PKEY_CTX *idle[CTX_CACHE];
	int n_idle;
};

struct dkimc_hash {
	EVP_MD_CTX *ctx;
};

/* Fetched once: an explicit fetch spares every digest a provider lookup. */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md;

static void fetch_sha256(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *sha256(void)
{
	pthread_once(&sha256_once, fetch_sha256);
	return sha256_md != NULL ? sha256_md : EVP_sha256();
}

/* ---- hashing ---- */

struct dkimc_hash *dkimc_hash_new(void)
{
	struct dkimc_hash *h = OPENSSL_zalloc(sizeof(*h));

	if (h == NULL)
		return NULL;
	h->ctx = EVP_MD_CTX_new();
	if (h->ctx == NULL || EVP_DigestInit_ex(h->ctx, sha256(), NULL) != 1) {
		dkimc_hash_free(&h);
		return NULL;
	}
	return h;
}

void dkimc_hash_update(struct dkimc_hash *h, const void *data, size_t len)
{
	if (len > 0)
		EVP_DigestUpdate(h->ctx, data, len);
}

int dkimc_hash_final(struct dkimc_hash *h, unsigned char out[DKIMC_SHA256_LEN])
{
	unsigned n = 0;

	if (EVP_DigestFinal_ex(h->ctx, out, &n) != 1 || n != DKIMC_SHA256_LEN)
		return -1;
	return 0;
}

void dkimc_hash_reset(struct dkimc_hash *h)
{
	EVP_DigestInit_ex(h->ctx, sha256(), NULL);
}

void dkimc_hash_free(struct dkimc_hash **hp)
{
	struct dkimc_hash *h = *hp;

	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	OPENSSL_free(h);
	*hp = NULL;
}

/* ---- keys ---- */

static const char *ssl_error(struct pool *p, const char *what)
{
	unsigned long e = ERR_get_error();
	const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	if (reason == NULL)
		return what;
	return pool_printf(p, "%s (OpenSSL: %s)", what, reason);
}

static void key_cleanup(void *arg)
{
	struct dkimc_key *k = arg;

	while (k->n_idle > 0)
		EVP_PKEY_CTX_free(k->idle[--k->n_idle]);
	pthread_mutex_destroy(&k->lock);
	EVP_PKEY_free(k->pkey);
}

static struct dkimc_key *wrap(EVP_PKEY *pkey, struct pool *p, const char **error_r)
{
	struct dkimc_key *k = pool_alloc(p, sizeof(*k));

	if (k == NULL || pthread_mutex_init(&k->lock, NULL) != 0) {
		EVP_PKEY_free(pkey);
		*error_r = "out of memory";
		return NULL;
	}
	k->pkey = pkey;
	if (pool_cleanup(p, key_cleanup, k) < 0) {
		key_cleanup(k);
		*error_r = "out of memory";
		return NULL;
	}
	k->bits = (unsigned)EVP_PKEY_get_bits(pkey);
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		k->type = DKIMC_KEY_RSA;
		break;
	case EVP_PKEY_ED25519:
		k->type = DKIMC_KEY_ED25519;
		break;
	default:
		*error_r = pool_printf(p, "a %s key; DKIM signs with RSA or Ed25519 keys",
		                       OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)));
		return NULL;
	}
	return k;
}

struct dkimc_key *dkimc_key_parse(const char *pem, size_t len, struct pool *p, const char **error_r)
{
	BIO *bio;
	EVP_PKEY *pkey;

	ERR_clear_error();
	if (memmem(pem, len, "-----BEGIN", 10) == NULL) {
		*error_r = "not a PEM private key (no \"-----BEGIN ... PRIVATE KEY-----\" line)";
		return NULL;
	}
	if (memmem(pem, len, "ENCRYPTED", 9) != NULL) {
		*error_r = "the private key is encrypted with a passphrase; DKIM keys must be "
		           "readable unattended";
		return NULL;
	}
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio == NULL) {
		*error_r = "out of memory";
		return NULL;
	}
	pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pkey == NULL) {
		*error_r = ssl_error(p, "not a readable PEM private key");
		return NULL;
	}
	return wrap(pkey, p, error_r);
}

enum dkimc_keytype dkimc_key_type(const struct dkimc_key *k)
{
	return k->type;
}

unsigned dkimc_key_bits(const struct dkimc_key *k)
{
	return k->bits;
}

const char *dkimc_key_alg(const struct dkimc_key *k)
{
	return k->type == DKIMC_KEY_RSA ? "rsa-sha256" : "ed25519-sha256";
}

const char *dkimc_key_kname(const struct dkimc_key *k)
{
	return k->type == DKIMC_KEY_RSA ? "rsa" : "ed25519";
}

static EVP_PKEY_CTX *rsa_ctx(struct dkimc_key *k)
{
	EVP_PKEY_CTX *ctx = NULL;

	pthread_mutex_lock(&k->lock);
	if (k->n_idle > 0)
		ctx = k->idle[--k->n_idle];
	pthread_mutex_unlock(&k->lock);
	if (ctx != NULL)
		return ctx;
	ctx = EVP_PKEY_CTX_new(k->pkey, NULL);
	if (ctx != NULL && (EVP_PKEY_sign_init(ctx) != 1 ||
	                    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 ||
	                    EVP_PKEY_CTX_set_signature_md(ctx, sha256()) != 1)) {
		EVP_PKEY_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

static void rsa_ctx_done(struct dkimc_key *k, EVP_PKEY_CTX *ctx)
{
	pthread_mutex_lock(&k->lock);
	if (k->n_idle < CTX_CACHE) {
		k->idle[k->n_idle++] = ctx;
		ctx = NULL;
	}
	pthread_mutex_unlock(&k->lock);
	EVP_PKEY_CTX_free(ctx);
}

static int sign_rsa(struct dkimc_key *k, const unsigned char *digest, unsigned char *sig,
                    const char **error_r)
{
	EVP_PKEY_CTX *ctx = rsa_ctx(k);
	size_t len = DKIMC_SIG_MAX;

	if (ctx == NULL) {
		ERR_clear_error();
		*error_r = "RSA signing could not start (out of memory?)";
		return -1;
	}
	if (EVP_PKEY_sign(ctx, sig, &len, digest, DKIMC_SHA256_LEN) != 1) {
		EVP_PKEY_CTX_free(ctx); /* not reused after a failure */
		ERR_clear_error();
		*error_r = "RSA signing failed";
		return -1;
	}
	rsa_ctx_done(k, ctx);
	return (int)len;
}

static int sign_ed25519(const struct dkimc_key *k, const unsigned char *digest, unsigned char *sig,
                        const char **error_r)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t len = DKIMC_SIG_MAX;
	int ok;

	if (ctx == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	/* PureEdDSA over the SHA-256 digest of the header data (RFC 8463 §3). */
	ok = EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	     EVP_DigestSign(ctx, sig, &len, digest, DKIMC_SHA256_LEN) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	if (!ok) {
		*error_r = "Ed25519 signing failed";
		return -1;
	}
	return (int)len;
}

int dkimc_key_sign(const struct dkimc_key *k, const unsigned char digest[DKIMC_SHA256_LEN],
                   unsigned char *sig, const char **error_r)
{
	/* The context cache is the only part a signature changes. */
	if (k->type == DKIMC_KEY_RSA)
		return sign_rsa((struct dkimc_key *)k, digest, sig, error_r);
	return sign_ed25519(k, digest, sig, error_r);
}

char *dkimc_key_public_b64(const struct dkimc_key *k, struct pool *p)
{
	unsigned char raw[64], *der = NULL;
	size_t rawlen = sizeof(raw);
	char *out;
	int len;

	if (k->type == DKIMC_KEY_ED25519) {
		if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &rawlen) != 1)
			return NULL;
		return dkimc_base64(raw, rawlen, p);
	}
	len = i2d_PUBKEY(k->pkey, &der);
	if (len <= 0)
		return NULL;
	out = dkimc_base64(der, (size_t)len, p);
	OPENSSL_free(der);
	return out;
}

struct dkimc_key *dkimc_key_generate(enum dkimc_keytype type, unsigned bits, struct pool *p,
                                     char **pem_r, const char **error_r)
{
	EVP_PKEY *pkey;
	struct dkimc_key *k;
	BIO *bio;
	char *data;
	long len;

	ERR_clear_error();
	if (type == DKIMC_KEY_RSA)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	else
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (pkey == NULL) {
		*error_r = ssl_error(p, "key generation failed");
		return NULL;
	}
	k = wrap(pkey, p, error_r);
	if (k == NULL)
		return NULL;
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL || PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) != 1) {
		BIO_free(bio);
		*error_r = ssl_error(p, "cannot write the key as PEM");
		return NULL;
	}
	len = BIO_get_mem_data(bio, &data);
	*pem_r = pool_strndup(p, data, (size_t)len);
	BIO_free(bio);
	if (*pem_r == NULL) {
		*error_r = "out of memory";
		return NULL;
	}
	return k;
}

char *dkimc_base64(const unsigned char *data, size_t len, struct pool *p)
{
	char *out = pool_alloc(p, 4 * ((len + 2) / 3) + 1);

	if (out != NULL)
		EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}
