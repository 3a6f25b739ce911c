/*
 * Settings files (lib/config): .env and facetrack.conf lines, parsed as
 * the loader parses them, then the settings that are read from several
 * values (the store URL built from DB_*, its redaction, the recognition
 * mode, the retention periods) computed from what the lines set.
 */
#include "config.h"
#include "fuzz.h"

/* The settings a line may set here, and the value each starts with, so
 * that one input's result does not depend on the inputs before it. */
static const char *const known[][2] = {
	{ "FT_DB", "" }, { "DB_HOST", "" }, { "DB_PORT", "3306" },
	{ "DB_USER", "" }, { "DB_PASSWORD", "" }, { "DB_NAME", "" },
	{ "FT_RECOGNITION", "all" }, { "FT_RETAIN_VISITS_DAYS", "730" },
	{ "FT_RETAIN_SAMPLES_DAYS", "365" },
	{ "FT_RETAIN_UNNAMED_DAYS", "90" },
};
#define NKNOWN (sizeof known / sizeof known[0])

static void
check_line(char *line)
{
	char *key, *value;
	size_t i, n;

	if (ft_config_parse_line(line, &key, &value) != 0)
		return;
	n = strlen(key);
	if (!n || strchr(key, '=') || key[0] == ' ' || key[n - 1] == ' ' ||
	    key < line || value < line)
		fuzz_fail("bad key '%s'", key);
	for (i = 0; i < NKNOWN; i++)
		if (!strcmp(key, known[i][0]))
			ft_config_set(key, value);
}

/* The user and password part of a URL as DB_* build it: what lies
 * between "://" and the last '@' (the caller frees it), or NULL. */
static char *
userinfo(const char *url)
{
	const char *p = strstr(url, "://"), *at;

	if (!p || !(at = strrchr(p + 3, '@')))
		return NULL;
	return strndup(p + 3, (size_t)(at - p - 3));
}

static void
check_settings(void)
{
	ft_config_retention ret;
	enum ft_recognition mode;
	char err[256], *url, *red, *user;
	const char *pass = ft_config_get("DB_PASSWORD", "");

	url = ft_config_db_url();
	red = ft_config_redact_url(url);
	/* No byte of DB_PASSWORD is left in the redacted URL's user part
	 * (a host holding '@' would move that part: not checked). */
	user = userinfo(red);
	if (!*ft_config_get("FT_DB", "") && !strncmp(url, "mysql://", 8) &&
	    !strchr(ft_config_get("DB_HOST", ""), '@') && user &&
	    strlen(pass) >= 4 &&
	    strspn(pass, "abcdefghijklmnopqrstuvwxyz") == strlen(pass) &&
	    strstr(user, pass) && !strstr(ft_config_get("DB_USER", ""), pass))
		fuzz_fail("password in '%s'", red);
	free(user);
	free(red);
	free(url);
	if (ft_config_recognition(&mode, err, sizeof err) == FT_OK &&
	    strcmp(ft_config_recognition_name(mode),
		   ft_config_get("FT_RECOGNITION", "")))
		fuzz_fail("recognition mode read wrong");
	if (ft_config_retention_get(&ret, err, sizeof err) == FT_OK &&
	    (ret.visits < 0 || ret.visits > FT_RETAIN_MAX ||
	     ret.samples < 0 || ret.samples > FT_RETAIN_MAX ||
	     ret.unnamed < 0 || ret.unnamed > FT_RETAIN_MAX))
		fuzz_fail("retention out of bounds");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size), *line, *next;
	size_t i;

	for (i = 0; i < NKNOWN; i++)
		ft_config_set(known[i][0], known[i][1]);
	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		check_line(line);
	}
	check_settings();
	free(text);
	return 0;
}
