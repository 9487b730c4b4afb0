/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "haul-intake.h"

G_BEGIN_DECLS

/* Caps on what ranges and lists inside URLs may expand to. */
#define HAUL_INTAKE_MAX_PER_PATTERN 10000
#define HAUL_INTAKE_MAX_PER_INPUT   100000

/* Reject texts are shortened to this many characters for display. */
#define HAUL_INTAKE_REJECT_TEXT_CHARS 120

typedef enum
{
  HAUL_INTAKE_FORMAT_UNKNOWN,
  HAUL_INTAKE_FORMAT_TEXT,
  HAUL_INTAKE_FORMAT_URI_LIST,
  HAUL_INTAKE_FORMAT_HTML,
  HAUL_INTAKE_FORMAT_MARKDOWN,
  HAUL_INTAKE_FORMAT_INTERNET_SHORTCUT,
  HAUL_INTAKE_FORMAT_DESKTOP,
  HAUL_INTAKE_FORMAT_WEBLOC,
  HAUL_INTAKE_FORMAT_JSON,
  HAUL_INTAKE_FORMAT_CSV,
} HaulIntakeFormat;

/* How a candidate URL found by a parser is treated. */
typedef enum
{
  HAUL_INTAKE_CANDIDATE_PLAIN    = 0,
  HAUL_INTAKE_CANDIDATE_EXPAND   = 1 << 0, /* [001-120] ranges and {a,b} lists */
  HAUL_INTAKE_CANDIDATE_RELATIVE = 1 << 1, /* resolve against the base URL */
} HaulIntakeCandidateFlags;

/* One input (a text or a file) while it is being parsed. */
typedef struct
{
  HaulIntake *intake;
  const char *source;    /* for rejects; may be NULL */
  char       *base_url;  /* may be NULL; parsers may replace it (<base href>) */
  guint       expanded;  /* URLs produced by patterns so far */
} HaulIntakeInput;

/* Adds one candidate as found on @line. Returns TRUE when it gave at least
 * one usable URL (new or a duplicate). */
gboolean         haul_intake_input_add_candidate (HaulIntakeInput          *input,
                                                  const char               *text,
                                                  gssize                    length,
                                                  guint                     line,
                                                  HaulIntakeCandidateFlags  flags);
void             haul_intake_input_reject        (HaulIntakeInput          *input,
                                                  guint                     line,
                                                  const char               *text,
                                                  gssize                    length,
                                                  const char               *reason);

/* Returns @text with each “%” that starts no “%XX” escape written “%25”,
 * as GUri accepts it. */
char            *haul_intake_escape_lone_percent  (const char               *text);

HaulIntakeFormat haul_intake_detect_format       (const char               *text,
                                                  gsize                     length,
                                                  const char               *content_type,
                                                  const char               *file_name);

/* Expands ranges and lists in @url into @out (char *), or only counts them
 * into @count when @out is NULL. Returns FALSE with a translated @reason
 * when the pattern is invalid or gives more than @max. */
gboolean         haul_intake_expand              (const char               *url,
                                                  guint                     max,
                                                  GPtrArray                *out,
                                                  guint                    *count,
                                                  char                    **reason);

/* Line-oriented iteration over a text: handles LF, CRLF and lone CR. */
typedef struct
{
  const char *text;
  gsize       length;
  gsize       pos;
  guint       number;
} HaulIntakeLines;

void             haul_intake_lines_init          (HaulIntakeLines          *lines,
                                                  const char               *text,
                                                  gsize                     length);
gboolean         haul_intake_lines_next          (HaulIntakeLines          *lines,
                                                  const char              **line,
                                                  gsize                    *line_length);

/* Finds URLs inside free text on one line; returns how many were seen
 * (usable or not). */
guint            haul_intake_scan_prose          (HaulIntakeInput          *input,
                                                  const char               *line,
                                                  gsize                     length,
                                                  guint                     number,
                                                  HaulIntakeCandidateFlags  flags);

void             haul_intake_parse_text          (HaulIntakeInput          *input,
                                                  const char               *text,
                                                  gsize                     length,
                                                  gboolean                  report_unknown);
gboolean         haul_intake_looks_like_uri_list (const char               *text,
                                                  gsize                     length);
void             haul_intake_parse_uri_list      (HaulIntakeInput          *input,
                                                  const char               *text,
                                                  gsize                     length);
void             haul_intake_parse_markdown      (HaulIntakeInput          *input,
                                                  const char               *text,
                                                  gsize                     length);
/* Whether the path of @href ends in an image file extension. */
gboolean         haul_intake_points_at_image     (const char               *href);
void             haul_intake_parse_html          (HaulIntakeInput          *input,
                                                  const char               *text,
                                                  gsize                     length);
void             haul_intake_parse_ini           (HaulIntakeInput          *input,
                                                  const char               *text,
                                                  gsize                     length,
                                                  HaulIntakeFormat          format);
void             haul_intake_parse_webloc        (HaulIntakeInput          *input,
                                                  const char               *text,
                                                  gsize                     length);
gboolean         haul_intake_is_binary_plist     (const char               *text,
                                                  gsize                     length);
void             haul_intake_parse_binary_plist  (HaulIntakeInput          *input,
                                                  const char               *data,
                                                  gsize                     length);
gboolean         haul_intake_parse_json          (HaulIntakeInput          *input,
                                                  const char               *text,
                                                  gsize                     length);
gboolean         haul_intake_looks_like_csv      (const char               *text,
                                                  gsize                     length);
void             haul_intake_parse_csv           (HaulIntakeInput          *input,
                                                  const char               *text,
                                                  gsize                     length);

G_END_DECLS
