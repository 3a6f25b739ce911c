/*
 * config — one lookup for every setting, in one precedence order:
 *
 *   command-line option (ft_config_set)
 *   > environment
 *   > ./.env  (only a regular file of the user's that others cannot
 *             write; see ft_config_ignored)
 *   > $XDG_CONFIG_HOME/facetrack/facetrack.conf (~/.config/...)
 *   > /etc/facetrack.conf  (FT_SYSCONF names another file)
 *   > the default the caller passes.
 *
 * Files hold KEY=VALUE lines; blank lines and # comments are skipped, an
 * "export " prefix is allowed and values may be quoted with ' or ".  Files
 * are read once, on the first lookup.  Strings returned belong to the
 * config module and live until the program ends.
 *
 * Secrets (passwords, API keys) are looked up like any setting; callers must
 * never print them.  ft_config_redact_url() gives a printable store URL.
 */
#ifndef FT_CONFIG_H
#define FT_CONFIG_H

#include "errors.h"

#include <stddef.h>

/* Set key from a command-line option; it outranks every other source.
 * Both strings are copied. */
void ft_config_set(const char *key, const char *value);

/*
 * Parse one line of a settings file (line, NUL-terminated, is changed in
 * place): returns 0 with *key and *value pointing into line, the key
 * trimmed and not empty, the value unquoted or cut at a " #" comment; -1
 * for a line to skip (blank, a comment, no '=', no key).
 */
int ft_config_parse_line(char *line, char **key, char **value);

/* The value of key, or def when no source sets it (an empty value counts
 * as set). */
const char *ft_config_get(const char *key, const char *def);

/* Why ./.env exists but was not read ("ignoring ./.env: writable by
 * others"), or NULL.  Programs that act on settings, such as starting a
 * pipeline, should say so. */
const char *ft_config_ignored(void);

/* The value key has in the user's or the system's file (the user's
 * first), ignoring options, the environment and ./.env: what a program
 * started by cron, with a bare environment elsewhere, would see.  NULL
 * when neither file sets it. */
const char *ft_config_file_value(const char *key);

/* Where key's value came from: "option", "environment", a file's path, or
 * "default". */
const char *ft_config_source(const char *key);

/*
 * The store URL: FT_DB when set; else, when DB_HOST or DB_NAME is set, a
 * mysql:// URL built from DB_HOST, DB_PORT, DB_USER, DB_PASSWORD and DB_NAME;
 * else the default the build was configured with (make's DEFAULT_DB:
 * "sqlite:./facetrack.db", or the package's store under /var/lib).  The
 * caller frees the result.
 */
char *ft_config_db_url(void);

/* A copy of url with any password replaced by "***"; the caller frees it. */
char *ft_config_redact_url(const char *url);

/*
 * The state directory (FT_STATE_DIR, else $XDG_STATE_HOME/facetrack, else
 * ~/.local/state/facetrack), created with mode 0700 when missing, into
 * *dir (the caller frees it).  Returns FT_OK; FT_EINVAL when neither
 * FT_STATE_DIR nor HOME is set, FT_EFAIL when it cannot be made, each with
 * a message in err and *dir NULL.
 */
int ft_config_state_dir(char **dir, char *err, size_t errlen);

/* Recognition modes (FT_RECOGNITION): who may be recognised by face. */
enum ft_recognition {
	FT_RECOGNITION_ALL,		/* "all": everybody (the default) */
	FT_RECOGNITION_CONSENTED,	/* "consented": customers who agreed;
					   the others are footfall */
	FT_RECOGNITION_ANONYMOUS	/* "anonymous": footfall only */
};

/* FT_FACE_CROPS into *on: 1 (the default) keeps a JPEG crop of the face
 * with every face sample stored, 0 keeps none.  Takes 1, yes, on, true
 * and 0, no, off, false; FT_EINVAL with a message for another value. */
int ft_config_face_crops(int *on, char *err, size_t errlen);

/* FT_RECOGNITION into *mode (FT_RECOGNITION_ALL when unset).  FT_EINVAL
 * with a message in err for a value that is none of the three names. */
int ft_config_recognition(enum ft_recognition *mode, char *err,
			  size_t errlen);

/* The setting's name of mode: "all", "consented", "anonymous". */
const char *ft_config_recognition_name(enum ft_recognition mode);

/* Retention defaults, in days (facetrack.conf(5) says why). */
#define FT_RETAIN_VISITS_DEFAULT 730
#define FT_RETAIN_SAMPLES_DEFAULT 365
#define FT_RETAIN_UNNAMED_DEFAULT 90
#define FT_RETAIN_MAX 36500		/* a hundred years */

/* How long data is kept, in days; 0: for ever. */
typedef struct ft_config_retention {
	int visits;		/* FT_RETAIN_VISITS_DAYS */
	int samples;		/* FT_RETAIN_SAMPLES_DAYS */
	int unnamed;		/* FT_RETAIN_UNNAMED_DAYS */
} ft_config_retention;

/* The three settings into *out, each 0 to FT_RETAIN_MAX whole days.
 * FT_EINVAL with a message naming the setting for a bad value. */
int ft_config_retention_get(ft_config_retention *out, char *err,
			    size_t errlen);

#endif
