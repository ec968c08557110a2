/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Unit tests of the pure C core: codecs, secrets, tokens, grant coverage,
 * the token request parser and the store operations, on a real LMDB store
 * in a temporary directory. Prints "N passed, N failed".
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "ac_check.h"
#include "ac_json.h"
#include "ac_oauth.h"
#include "ac_ops.h"
#include "ac_secret.h"


static int  passed, failed;

#define CHECK(cond, name)                                                     \
    do {                                                                      \
        if (cond) {                                                           \
            passed++;                                                         \
        } else {                                                              \
            failed++;                                                         \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, name);            \
        }                                                                     \
    } while (0)


static void
test_secret(void)
{
    char     s1[AC_SECRET_LEN + 1], s2[AC_SECRET_LEN + 1], id[32];
    uint8_t  k1[AC_HASH_LEN] = { 1 }, k2[AC_HASH_LEN] = { 2 };
    uint8_t  h1[AC_HASH_LEN], h2[AC_HASH_LEN], bin[64];

    ac_secret_generate(s1);
    ac_secret_generate(s2);
    CHECK(strlen(s1) == AC_SECRET_LEN, "secret is 43 base64url chars");
    CHECK(strcmp(s1, s2) != 0, "secrets are random");
    CHECK(ac_b64url_decode(s1, strlen(s1), bin, sizeof(bin)) == 32,
          "secret carries 32 bytes");

    ac_client_id_generate(id);
    CHECK(strlen(id) == AC_CLIENT_ID_LEN, "client id length");

    ac_secret_hash(k1, s1, strlen(s1), h1);
    ac_secret_hash(k2, s1, strlen(s1), h2);
    CHECK(memcmp(h1, h2, AC_HASH_LEN) != 0, "hash is keyed");
    CHECK(ac_secret_matches(k1, s1, strlen(s1), h1), "secret matches");
    CHECK(!ac_secret_matches(k1, s2, strlen(s2), h1), "other secret fails");
    CHECK(!ac_secret_matches(k2, s1, strlen(s1), h1), "other key fails");

    CHECK(ac_b64url_decode("YQ==", 4, bin, sizeof(bin)) < 0,
          "padding is rejected");
    CHECK(ac_b64url_decode("a+/a", 4, bin, sizeof(bin)) < 0,
          "standard alphabet is rejected");
    CHECK(ac_b64url_decode("YWJj", 4, bin, sizeof(bin)) == 3,
          "plain base64url decodes");
}


static void
test_records(void)
{
    size_t           len, i;
    uint8_t          buf[4096];
    uint64_t         ids[] = { 12, 13 };
    ac_api_t         a, a2;
    ac_key_t         k, k2;
    ac_cred_t        c, d;
    ac_node_t        n, n2;
    ac_grant_t       g[2];
    ac_cred_view_t   v;
    ac_grant_view_t  gv;
    const uint8_t   *pos;

    memset(&c, 0, sizeof(c));
    memset(g, 0, sizeof(g));
    strcpy(c.client_id, "abc");
    strcpy(c.name, "svc");
    c.org_id = 7;
    c.active = 1;
    c.gen = 3;
    c.created_at = 1000;
    c.updated_at = 2000;
    c.secret_rotated_at = 1500;
    memset(c.hash, 0xab, AC_HASH_LEN);
    c.prev_valid_until = 99;
    strcpy(g[0].api, "platform");
    strcpy(g[0].permission, "admin");
    g[0].level = AC_LEVEL_ACCOUNT;
    g[0].nids = 2;
    g[0].ids = ids;
    strcpy(g[1].api, "credentials");
    strcpy(g[1].permission, "read_only");
    c.grants = g;
    c.ngrants = 2;

    len = ac_cred_encode(&c, buf, sizeof(buf));
    CHECK(len == ac_cred_record_size(&c), "record size is exact");
    CHECK(ac_cred_encode(&c, buf, len - 1) == 0, "short buffer refused");

    CHECK(ac_cred_decode(buf, len, &d) == AC_OK, "credential decodes");
    CHECK(d.org_id == 7 && d.active && d.gen == 3 && d.created_at == 1000
          && d.updated_at == 2000 && d.secret_rotated_at == 1500
          && d.prev_valid_until == 99 && strcmp(d.name, "svc") == 0
          && memcmp(d.hash, c.hash, AC_HASH_LEN) == 0,
          "credential round-trips");
    CHECK(d.ngrants == 2 && d.grants[0].level == AC_LEVEL_ACCOUNT
          && d.grants[0].nids == 2 && d.grants[0].ids[1] == 13
          && strcmp(d.grants[1].permission, "read_only") == 0
          && d.grants[1].level == AC_LEVEL_ORG, "grants round-trip");
    ac_cred_free(&d);

    CHECK(ac_cred_view(buf, len, &v) == AC_OK && v.active && v.gen == 3
          && v.name_len == 3 && v.ngrants == 2, "view reads in place");
    pos = v.grants;
    CHECK(ac_grant_next(&v, &pos, &gv) && gv.api_len == 8
          && ac_grant_id(&gv, 0) == 12, "grant view");

    for (i = 0; i < len; i++) {
        if (ac_cred_decode(buf, i, &d) == AC_OK) {
            break;
        }
    }
    CHECK(i == len, "every truncated credential record is rejected");

    buf[0] = 9;
    CHECK(ac_cred_decode(buf, len, &d) != AC_OK, "unknown version rejected");

    memset(&a, 0, sizeof(a));
    strcpy(a.slug, "x");
    strcpy(a.name, "X API");
    a.level = AC_LEVEL_WORKSPACE;
    a.nperms = 2;
    strcpy(a.perms[0], "admin");
    strcpy(a.perms[1], "user");
    len = ac_api_encode(&a, buf, sizeof(buf));
    CHECK(ac_api_decode(buf, len, &a2) == AC_OK && a2.level == a.level
          && a2.nperms == 2 && strcmp(a2.perms[1], "user") == 0
          && strcmp(a2.name, "X API") == 0, "API round-trips");
    CHECK(ac_api_perm_index(&a2, "user", 4) == 1
          && ac_api_perm_index(&a2, "us", 2) == -1, "permission order");

    n.id = 5;
    n.parent = 4;
    strcpy(n.name, "ws");
    len = ac_node_encode(&n, buf, sizeof(buf));
    CHECK(ac_node_decode(5, buf, len, &n2) == AC_OK && n2.parent == 4
          && strcmp(n2.name, "ws") == 0, "node round-trips");
    CHECK(ac_node_decode(5, buf, len - 1, &n2) != AC_OK, "short node");

    memset(&k, 0, sizeof(k));
    k.active = 1;
    k.created_at = 77;
    crypto_sign_keypair(k.pk, k.sk);
    len = ac_key_encode(&k, buf, sizeof(buf));
    CHECK(ac_key_decode(buf, len, &k2) == AC_OK && k2.active
          && memcmp(k.sk, k2.sk, 64) == 0, "key round-trips");
}


typedef struct {
    const char  *kid;
    uint8_t      pk[32];
} test_keys_t;


static int
test_lookup(void *data, const char *kid, size_t len, uint8_t pk[32])
{
    test_keys_t  *k = data;

    if (len != strlen(k->kid) || memcmp(kid, k->kid, len) != 0) {
        return AC_ENOTFOUND;
    }

    memcpy(pk, k->pk, 32);

    return AC_OK;
}


static int
verify(const char *tok, test_keys_t *keys, const char *iss, int64_t now,
    int64_t leeway, ac_claims_t *c)
{
    const char  *reason;

    return ac_token_verify(tok, strlen(tok), test_lookup, keys, iss,
                           strlen(iss), now, leeway, c, &reason);
}


/* A token with the given header and payload JSON, signed with sk. */
static void
forge(const char *header, const char *payload, const uint8_t *sk, char *out)
{
    size_t   n;
    uint8_t  sig[64];

    ac_b64url_encode((const uint8_t *) header, strlen(header), out, 1024);
    n = strlen(out);
    out[n++] = '.';
    ac_b64url_encode((const uint8_t *) payload, strlen(payload), out + n,
                     1024);
    n = strlen(out);
    crypto_sign_detached(sig, NULL, (uint8_t *) out, n, sk);
    out[n++] = '.';
    ac_b64url_encode(sig, 64, out + n, 1024);
}


static void
test_token(void)
{
    char             tok[AC_TOKEN_MAX], bad[AC_TOKEN_MAX], pl[512];
    ac_key_t         key;
    ac_claims_t      c, issued;
    test_keys_t      keys;
    ac_token_spec_t  spec = { "iss-a", NULL, "client1", 4, 1000, 60 };

    memset(&key, 0, sizeof(key));
    strcpy(key.kid, "kid1");
    crypto_sign_keypair(key.pk, key.sk);
    keys.kid = "kid1";
    memcpy(keys.pk, key.pk, 32);

    CHECK(ac_token_sign(&key, &spec, tok, sizeof(tok), &issued) == AC_OK,
          "sign");
    CHECK(ac_token_sign(&key, &spec, bad, 100, &c) == AC_ENOMEM,
          "sign refuses a short buffer");
    CHECK(verify(tok, &keys, "iss-a", 1000, 0, &c) == AC_OK, "verify");
    CHECK(strcmp(c.client_id, "client1") == 0 && c.gen == 4 && c.iat == 1000
          && c.exp == 1060 && strcmp(c.jti, issued.jti) == 0
          && strcmp(c.aud, "iss-a") == 0,
          "claims read back");
    CHECK(verify(tok, &keys, "iss-b", 1000, 0, &c) == AC_EDENIED,
          "wrong issuer");

    {
        ac_token_spec_t  odd = { "is\"s\\a", "aud\n", "client1", 4, 1000,
                                 60 };

        CHECK(ac_token_sign(&key, &odd, bad, sizeof(bad), &issued) == AC_OK
              && verify(bad, &keys, "is\"s\\a", 1000, 0, &c) == AC_OK
              && strcmp(c.aud, "aud\n") == 0,
              "an issuer and audience that need escaping round-trip");
    }
    CHECK(verify(tok, &keys, "iss-a", 1060, 0, &c) == AC_EDENIED,
          "expired at exp");
    CHECK(verify(tok, &keys, "iss-a", 1060, 5, &c) == AC_OK,
          "leeway extends exp");
    CHECK(verify(tok, &keys, "iss-a", 990, 0, &c) == AC_EDENIED,
          "issued in the future");

    keys.kid = "other";
    CHECK(verify(tok, &keys, "iss-a", 1000, 0, &c) == AC_EDENIED,
          "unknown kid");
    keys.kid = "kid1";

    strcpy(bad, tok);
    bad[strlen(bad) - 3] ^= 1;
    CHECK(verify(bad, &keys, "iss-a", 1000, 0, &c) == AC_EDENIED,
          "changed signature");
    strcpy(bad, tok);
    strcat(bad, ".x");
    CHECK(verify(bad, &keys, "iss-a", 1000, 0, &c) == AC_EDENIED,
          "four segments");

    snprintf(pl, sizeof(pl), "{\"iss\":\"iss-a\",\"sub\":\"c\","
             "\"client_id\":\"c\",\"iat\":1000,\"exp\":2000,\"jti\":\"j\","
             "\"gen\":0,\"aud\":\"x\"}");
    forge("{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"kid\":\"kid1\"}", pl,
          key.sk, bad);
    CHECK(verify(bad, &keys, "iss-a", 1000, 0, &c) == AC_OK,
          "a well-formed forged-by-us token verifies");
    forge("{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"kid\":\"kid1\",\"x\":1}", pl,
          key.sk, bad);
    CHECK(verify(bad, &keys, "iss-a", 1000, 0, &c) == AC_EDENIED,
          "extra header member");
    forge("{\"alg\":\"EdDSA\",\"alg\":\"none\",\"typ\":\"at+jwt\","
          "\"kid\":\"kid1\"}", pl, key.sk, bad);
    CHECK(verify(bad, &keys, "iss-a", 1000, 0, &c) == AC_EDENIED,
          "duplicate header member");
    forge("{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"kid1\"}", pl,
          key.sk, bad);
    CHECK(verify(bad, &keys, "iss-a", 1000, 0, &c) == AC_EDENIED,
          "alg other than EdDSA");
    forge("{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"kid\":\"kid1\"}",
          "{\"iss\":\"iss-a\",\"sub\":\"c\",\"client_id\":\"c\",\"iat\":1000,"
          "\"exp\":\"2000\",\"jti\":\"j\",\"gen\":0}", key.sk, bad);
    CHECK(verify(bad, &keys, "iss-a", 1000, 0, &c) == AC_EDENIED,
          "exp as a string");
    forge("{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"kid\":\"kid1\"}",
          "{\"iss\":\"iss-a\",\"sub\":\"c\",\"client_id\":\"c\",\"iat\":1000,"
          "\"exp\":2000,\"jti\":\"j\",\"gen\":0,\"nbf\":1500}", key.sk, bad);
    CHECK(verify(bad, &keys, "iss-a", 1000, 0, &c) == AC_EDENIED,
          "nbf in the future");
    forge("{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"kid\":\"kid1\"}",
          "{\"iss\":\"iss-a\",\"sub\":\"d\",\"client_id\":\"c\",\"iat\":1000,"
          "\"exp\":2000,\"jti\":\"j\",\"gen\":0}", key.sk, bad);
    CHECK(verify(bad, &keys, "iss-a", 1000, 0, &c) == AC_EDENIED,
          "sub differs from client_id");
    forge("{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"kid\":\"kid1\"}",
          "{\"iss\":\"iss-a\",\"iss\":\"iss-a\",\"sub\":\"c\","
          "\"client_id\":\"c\",\"iat\":1000,\"exp\":2000,\"jti\":\"j\","
          "\"gen\":0}", key.sk, bad);
    CHECK(verify(bad, &keys, "iss-a", 1000, 0, &c) == AC_EDENIED,
          "duplicate claim");
}


static void
test_bearer(void)
{
    ac_str_t  t;

    CHECK(ac_bearer_parse("Bearer abc", 10, &t) == AC_OK && t.len == 3
          && memcmp(t.data, "abc", 3) == 0, "Bearer token");
    CHECK(ac_bearer_parse("bEaReR   abc", 12, &t) == AC_OK && t.len == 3,
          "scheme in any case, several spaces");
    CHECK(ac_bearer_parse("Basic abc", 9, &t) == AC_ENOTFOUND,
          "another scheme");
    CHECK(ac_bearer_parse("Bearerabc", 9, &t) == AC_ENOTFOUND,
          "no space after the scheme");
    CHECK(ac_bearer_parse("Bearer", 6, &t) == AC_EMALFORMED
          && ac_bearer_parse("Bearer  ", 8, &t) == AC_EMALFORMED,
          "empty token");
    CHECK(ac_b64token_valid("a-._~+/9Z", 9), "b64token characters");
    CHECK(ac_b64token_valid("abc==", 5), "trailing padding");
    CHECK(!ac_b64token_valid("a=b", 3), "padding inside");
    CHECK(!ac_b64token_valid("a b", 3) && !ac_b64token_valid("a,b", 3)
          && !ac_b64token_valid("a\0b", 3) && !ac_b64token_valid("=", 1)
          && !ac_b64token_valid("a\x80", 2), "other characters");
}


static void
test_cache(void)
{
    ac_cache_t         cache;
    ac_claims_t        c;
    ac_cache_entry_t  *got;

    memset(&c, 0, sizeof(c));
    c.exp = 100;
    strcpy(c.client_id, "x");

    CHECK(ac_cache_init(&cache, 5) == AC_OK && cache.mask == 7,
          "cache size rounds up to a power of two");
    ac_cache_put(&cache, "tok.en.sig", 10, 1, &c);
    got = ac_cache_get(&cache, "tok.en.sig", 10, 1, 50, 0);
    CHECK(got != NULL && strcmp(got->claims.client_id, "x") == 0,
          "cache hit");
    CHECK(ac_cache_get(&cache, "tok.en.sig", 10, 2, 50, 0) == NULL,
          "another issuer misses");
    CHECK(ac_cache_get(&cache, "tok.en.sig", 10, 1, 100, 0) == NULL,
          "expired entry misses");
    CHECK(ac_cache_get(&cache, "tok.eX.sig", 10, 1, 50, 0) == NULL,
          "a different token with the same tail misses");
    ac_cache_free(&cache);

    CHECK(ac_cache_init(&cache, 0) == AC_OK, "cache off");
    ac_cache_put(&cache, "t", 1, 1, &c);
    CHECK(ac_cache_get(&cache, "t", 1, 1, 50, 0) == NULL, "off never hits");
}


static void
test_oauth(void)
{
    const char          *desc;
    ac_token_request_t   r;

#define PARSE(json, body)                                                    \
    (memset(&r, 0, sizeof(r)),                                               \
     ac_token_request_parse(json, body, strlen(body), &r, &desc))

    CHECK(PARSE(0, "grant_type=client_credentials&client_id=a%2Bb"
                   "&client_secret=s+t&audience=") == AC_OK
          && strcmp(r.client_id, "a+b") == 0
          && strcmp(r.client_secret, "s t") == 0 && r.has_audience
          && r.audience[0] == '\0', "form body decodes");
    CHECK(PARSE(0, "client_id=a&client_id=b") == AC_EMALFORMED,
          "repeated form parameter");
    CHECK(PARSE(0, "client_id=%4") == AC_EMALFORMED, "short escape");
    CHECK(PARSE(0, "client_id=%zz") == AC_EMALFORMED, "bad escape");
    CHECK(PARSE(0, "client_id=a%00b") == AC_EMALFORMED, "NUL in a value");
    CHECK(PARSE(0, "&&x&=&grant_type") == AC_OK && r.has_grant_type
          && r.grant_type[0] == '\0', "empty pairs and bare names");
    CHECK(PARSE(1, "{\"client_id\":\"a\",\"grant_type\":\"g\",\"x\":[1]}")
          == AC_OK && strcmp(r.client_id, "a") == 0,
          "JSON body, unknown members ignored");
    CHECK(PARSE(1, "{\"client_id\":1}") == AC_EMALFORMED,
          "JSON parameter not a string");
    CHECK(PARSE(1, "{\"client_id\":\"a\",\"client_id\":\"b\"}")
          == AC_EMALFORMED, "duplicate JSON member");
    CHECK(PARSE(1, "[]") == AC_EMALFORMED, "JSON not an object");

    memset(&r, 0, sizeof(r));
    CHECK(ac_token_request_basic("YSUzQWI6cw==", 12, &r, &desc) == AC_OK
          && strcmp(r.client_id, "a:b") == 0
          && strcmp(r.client_secret, "s") == 0 && r.basic,
          "Basic credentials are form-decoded");
    CHECK(ac_token_request_basic("YWJj", 4, &r, &desc) == AC_EMALFORMED,
          "Basic without a colon");
    memset(&r, 0, sizeof(r));
    r.has_client_id = 1;
    CHECK(ac_token_request_basic("YTpi", 4, &r, &desc) == AC_EMALFORMED,
          "Basic and body credentials together");
#undef PARSE
}


/* Builds grants from a compact spec for the store tests. */
static ac_grant_t *
grants1(const char *api, const char *perm, int level, uint64_t id)
{
    static uint64_t    ids[1];
    static ac_grant_t  g;

    memset(&g, 0, sizeof(g));
    strcpy(g.api, api);
    strcpy(g.permission, perm);
    g.level = level;
    ids[0] = id;
    g.ids = ids;
    g.nids = level == AC_LEVEL_ORG ? 0 : 1;

    return &g;
}


static char  store_kid[AC_KID_LEN + 1];


/* Claims of a token of c, signed with the store's key. */
static void
claims_of(const ac_cred_t *c, ac_claims_t *claims)
{
    memset(claims, 0, sizeof(ac_claims_t));
    strcpy(claims->client_id, c->client_id);
    claims->client_id_len = strlen(c->client_id);
    claims->gen = c->gen;
    strcpy(claims->kid, store_kid);
    claims->kid_len = strlen(store_kid);
}


static int
check(ac_store_t *s, const ac_cred_t *c, const char *api, const char *perm,
    const char *target)
{
    int                rc;
    ac_str_t           p = { perm, perm ? strlen(perm) : 0 };
    ac_check_t         chk;
    ac_claims_t        claims;
    const char        *reason;
    ac_check_result_t  res;

    claims_of(c, &claims);

    chk.api.data = api;
    chk.api.len = strlen(api);
    chk.perms = &p;
    chk.nperms = perm ? 1 : 0;
    chk.scoped = target != NULL;
    chk.target.data = target;
    chk.target.len = target ? strlen(target) : 0;

    ac_store_read_begin(s);
    rc = ac_check(s, &claims, &chk, &res, &reason);
    ac_store_read_end(s);

    return rc;
}


static void
test_store(void)
{
    int          rc;
    char         dir[] = "/tmp/apicred-unit-XXXXXX", secret[AC_SECRET_LEN + 1];
    char         old[AC_SECRET_LEN + 1], cmd[128];
    uint64_t     gen;
    ac_err_t     err;
    ac_ops_t     ops;
    ac_node_t    n;
    ac_cred_t    admin, c, out;
    ac_store_t   s;

    CHECK(mkdtemp(dir) != NULL, "temp dir");
    CHECK(ac_store_open(&s, dir, 0, 0) == AC_ENOTFOUND, "no store yet");
    CHECK(ac_store_open(&s, dir, AC_STORE_CREATE, 0) == AC_OK, "create");
    memset(&ops, 0, sizeof(ops));
    ops.store = &s;
    ops.actor = "unit";
    CHECK(ac_ops_init(&ops, &err) == AC_OK, "init seeds the store");
    CHECK(ac_ops_init(&ops, &err) == AC_ECONFLICT, "init only once");
    {
        MDB_txn   *txn;
        ac_key_t   key;

        CHECK(ac_txn_begin(&s, 0, &txn) == AC_OK
              && ac_key_active(&s, txn, &key) == AC_OK, "a signing key");
        mdb_txn_abort(txn);
        strcpy(store_kid, key.kid);
    }

    memset(&n, 0, sizeof(n));
    n.parent = 1;
    strcpy(n.name, "acct");
    CHECK(ac_node_add(&ops, AC_LEVEL_ACCOUNT, &n, &err) == AC_OK
          && n.id == 2, "account gets the next id");
    n.id = 0;
    n.parent = 2;
    strcpy(n.name, "ws");
    CHECK(ac_node_add(&ops, AC_LEVEL_WORKSPACE, &n, &err) == AC_OK
          && n.id == 2, "workspace 2 in account 2");
    n.id = 0;
    n.parent = 9;
    CHECK(ac_node_add(&ops, AC_LEVEL_WORKSPACE, &n, &err) == AC_EINVAL
          && strstr(err.msg, "account_id") != NULL, "unknown parent named");

    memset(&admin, 0, sizeof(admin));
    strcpy(admin.name, "admin");
    admin.org_id = 1;
    admin.grants = grants1("credentials", "admin", AC_LEVEL_ORG, 0);
    admin.ngrants = 1;
    CHECK(ac_cred_create(&ops, &admin, secret, &err) == AC_OK, "create");

    memset(&c, 0, sizeof(c));
    strcpy(c.name, "bad");
    c.org_id = 1;
    c.grants = grants1("platform", "admin", AC_LEVEL_WORKSPACE, 1);
    c.ngrants = 1;
    CHECK(ac_cred_create(&ops, &c, secret, &err) == AC_EINVAL
          && strstr(err.msg, "below") != NULL, "scope below the API level");
    c.grants = grants1("platform", "owner", AC_LEVEL_ACCOUNT, 1);
    CHECK(ac_cred_create(&ops, &c, secret, &err) == AC_EINVAL
          && strstr(err.msg, "permission") != NULL, "unknown permission");
    c.grants = grants1("platform", "admin", AC_LEVEL_ACCOUNT, 77);
    CHECK(ac_cred_create(&ops, &c, secret, &err) == AC_EINVAL,
          "unknown account");
    c.grants = grants1("nope", "admin", AC_LEVEL_ORG, 0);
    CHECK(ac_cred_create(&ops, &c, secret, &err) == AC_EINVAL,
          "unknown API");
    strcpy(c.name, "");
    CHECK(ac_cred_create(&ops, &c, secret, &err) == AC_EINVAL
          && strncmp(err.msg, "name", 4) == 0, "empty name");

    strcpy(c.name, "reader");
    c.grants = grants1("profile", "read_only", AC_LEVEL_ACCOUNT, 2);
    CHECK(ac_cred_create(&ops, &c, secret, &err) == AC_OK, "create reader");

    CHECK(check(&s, &c, "profile", NULL, "2") == AC_OK,
          "account grant covers its workspace");
    CHECK(check(&s, &c, "profile", NULL, "1") == AC_EFORBIDDEN,
          "not another account's workspace");
    CHECK(check(&s, &c, "profile", "read_only", "2") == AC_OK,
          "accepted permission");
    CHECK(check(&s, &c, "profile", "admin", "2") == AC_EFORBIDDEN,
          "permission not accepted");
    CHECK(check(&s, &c, "platform", NULL, NULL) == AC_EFORBIDDEN,
          "no grant for the API");
    CHECK(check(&s, &c, "profile", NULL, "") == AC_EFORBIDDEN,
          "empty target");
    CHECK(check(&s, &c, "profile", NULL, "02") == AC_EFORBIDDEN,
          "non-canonical id");
    CHECK(check(&s, &admin, "credentials", NULL, "1") == AC_OK,
          "org-level grant on its own org");
    CHECK(check(&s, &admin, "credentials", NULL, "2") == AC_EFORBIDDEN,
          "not another org");

    /* authentication, rotation and grace */
    ac_store_read_begin(&s);
    rc = ac_client_authenticate(&s, c.client_id, strlen(c.client_id), secret,
                                strlen(secret), time(NULL), &gen);
    ac_store_read_end(&s);
    CHECK(rc == AC_OK && gen == 0, "client authenticates");

    strcpy(old, secret);
    CHECK(ac_cred_rotate(&ops, c.client_id, 60, secret, &out, &err) == AC_OK,
          "rotate with grace");
    ac_cred_free(&out);
    ac_store_read_begin(&s);
    CHECK(ac_client_authenticate(&s, c.client_id, strlen(c.client_id), old,
                                 strlen(old), time(NULL), &gen) == AC_OK,
          "old secret valid during grace");
    CHECK(ac_client_authenticate(&s, c.client_id, strlen(c.client_id), old,
                                 strlen(old), time(NULL) + 61, &gen)
          == AC_EDENIED, "old secret dead after grace");
    CHECK(ac_client_authenticate(&s, c.client_id, strlen(c.client_id), secret,
                                 strlen(secret), time(NULL), &gen) == AC_OK,
          "new secret valid");
    ac_store_read_end(&s);

    strcpy(old, secret);
    CHECK(ac_cred_rotate(&ops, c.client_id, 0, secret, &out, &err) == AC_OK,
          "rotate without grace");
    ac_cred_free(&out);
    ac_store_read_begin(&s);
    CHECK(ac_client_authenticate(&s, c.client_id, strlen(c.client_id), old,
                                 strlen(old), time(NULL), &gen) == AC_EDENIED,
          "old secret dead at once");
    ac_store_read_end(&s);
    CHECK(ac_cred_rotate(&ops, c.client_id, AC_GRACE_MAX + 1, secret, &out,
                         &err) == AC_EINVAL, "grace over 7 days");

    /* a remembered decision stands until the next commit */
    {
        ac_check_t     chk;
        ac_claims_t    cl;
        ac_decision_t  d;
        const char    *reason;

        claims_of(&c, &cl);
        memset(&chk, 0, sizeof(chk));
        memset(&d, 0, sizeof(d));
        chk.where = &chk;
        chk.api.data = "profile";
        chk.api.len = 7;
        chk.scoped = 1;
        chk.target.data = "2";
        chk.target.len = 1;

        CHECK(ac_decide(&s, &cl, &chk, &d, &reason) == AC_OK && d.txnid != 0
              && d.name_len == 6 && memcmp(d.name, "reader", 6) == 0
              && strcmp(d.org_id, "1") == 0, "decision remembered");
        chk.target.data = "1";
        CHECK(ac_decide(&s, &cl, &chk, &d, &reason) == AC_EFORBIDDEN
              && d.txnid == 0, "another target is decided afresh");
        chk.target.data = "2";
        CHECK(ac_decide(&s, &cl, &chk, &d, &reason) == AC_OK, "again");
        CHECK(ac_cred_set_active(&ops, c.client_id, 0, &out, &err) == AC_OK,
              "deactivate while remembered");
        ac_cred_free(&out);
        CHECK(ac_decide(&s, &cl, &chk, &d, &reason) == AC_EDENIED,
              "a commit ends the remembered decision");
        CHECK(ac_cred_set_active(&ops, c.client_id, 1, &out, &err) == AC_OK,
              "activate");
        ac_cred_free(&out);
        c.gen = out.gen;
    }

    /* deactivation bumps the generation */
    CHECK(ac_cred_set_active(&ops, c.client_id, 0, &out, &err) == AC_OK
          && out.gen == 2 && !out.active, "deactivate");
    ac_cred_free(&out);
    CHECK(check(&s, &c, "profile", NULL, "2") == AC_EDENIED,
          "inactive credential denied");
    CHECK(ac_cred_set_active(&ops, c.client_id, 1, &out, &err) == AC_OK
          && out.gen == 2, "activate keeps the generation");
    ac_cred_free(&out);
    CHECK(check(&s, &c, "profile", NULL, "2") == AC_EDENIED,
          "token of the old generation denied");
    c.gen = 2;
    CHECK(check(&s, &c, "profile", NULL, "2") == AC_OK,
          "token of the new generation allowed");

    /* the last admin stays */
    CHECK(ac_cred_set_active(&ops, admin.client_id, 0, &out, &err)
          == AC_ECONFLICT, "last admin cannot be deactivated");
    CHECK(ac_cred_delete(&ops, admin.client_id, &err) == AC_ECONFLICT,
          "last admin cannot be deleted");
    CHECK(ac_cred_update(&ops, admin.client_id, NULL,
                         grants1("platform", "user", AC_LEVEL_ORG, 0), 1,
                         &out, &err) == AC_ECONFLICT,
          "last admin cannot lose the grant");
    CHECK(ac_cred_update(&ops, c.client_id, "renamed",
                         grants1("credentials", "admin", AC_LEVEL_ORG, 0), 1,
                         &out, &err) == AC_OK
          && strcmp(out.name, "renamed") == 0, "second admin");
    ac_cred_free(&out);
    CHECK(ac_cred_delete(&ops, admin.client_id, &err) == AC_OK,
          "now the first admin can go");
    CHECK(ac_cred_delete(&ops, admin.client_id, &err) == AC_ENOTFOUND,
          "deleted is gone");
    CHECK(check(&s, &admin, "credentials", NULL, NULL) == AC_EDENIED,
          "deleted credential denied");

    /* signing-key rotation: a deleted key takes its tokens with it */
    {
        char      old_kid[AC_KID_LEN + 1];
        ac_key_t  key;

        strcpy(old_kid, store_kid);
        c.gen = 2;
        CHECK(check(&s, &c, "credentials", NULL, NULL) == AC_OK,
              "a token of the first key");
        CHECK(ac_key_rotate(&ops, &key, &err) == AC_OK
              && strcmp(key.kid, old_kid) != 0, "rotate");
        CHECK(check(&s, &c, "credentials", NULL, NULL) == AC_OK,
              "the retired key still verifies");
        CHECK(ac_key_delete(&ops, key.kid, &err) == AC_ECONFLICT,
              "the active key cannot be deleted");
        CHECK(ac_key_delete(&ops, old_kid, &err) == AC_OK, "delete");
        CHECK(check(&s, &c, "credentials", NULL, NULL) == AC_EDENIED,
              "its tokens are refused at once");
    }

    ac_store_close(&s);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK(system(cmd) == 0, "cleanup");
}


int
main(void)
{
    if (ac_crypto_init() != AC_OK) {
        return 1;
    }

    test_secret();
    test_records();
    test_token();
    test_bearer();
    test_cache();
    test_oauth();
    test_store();

    printf("%d passed, %d failed\n", passed, failed);

    return failed ? 1 : 0;
}
