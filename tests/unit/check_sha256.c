#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pipeline/core/sha256.h"

static void hex_of(const void *data, size_t len, char out[65])
{
	unsigned char d[32];

	ck_assert_int_eq(sha256_buf(data, len, d), CC_OK);
	sha256_hex(d, out);
}

/* FIPS 180-2 appendix B test vectors. */
START_TEST(nist_vectors)
{
	char h[65];

	hex_of("", 0, h);
	ck_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, h);
	ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, h);
	ck_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

START_TEST(million_a_in_odd_pieces)
{
	unsigned char d[32];
	char h[65], *a = malloc(1000000);
	struct sha256 s;
	size_t off = 0, step = 1;

	ck_assert_ptr_nonnull(a);
	memset(a, 'a', 1000000);
	ck_assert_int_eq(sha256_init(&s), CC_OK);
	while (off < 1000000) {
		size_t n = 1000000 - off < step ? 1000000 - off : step;

		sha256_update(&s, a + off, n);
		off += n;
		step = step * 3 % 997 + 1;
	}
	sha256_final(&s, d);
	sha256_hex(d, h);
	ck_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
}
END_TEST

START_TEST(file_matches_stream)
{
	char *dir = th_tmpdir(), *p = th_write(dir, "f", "abc", 3), h[65];

	ck_assert_int_eq(sha256_file(p, h, NULL), CC_OK);
	ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	free(p);
	free(dir);
}
END_TEST

Suite *suite_sha256(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, nist_vectors);
	tcase_add_test(tc, million_a_in_odd_pieces);
	tcase_add_test(tc, file_matches_stream);
	suite_add_tcase(s, tc);
	return s;
}
