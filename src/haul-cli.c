/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <gio/gunixinputstream.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "haul-download.h"
#include "haul-downloader.h"
#include "haul-error.h"
#include "haul-intake.h"
#include "haul-politeness.h"
#include "haul-request.h"
#include "haul-queue.h"
#include "haul-record.h"
#include "haul-sandbox.h"

#define EXIT_USAGE       2

typedef struct
{
  GMainLoop      *loop;
  HaulQueue      *queue;
  gboolean        json;
  gboolean        quiet;
  gboolean        dry_run;
  gboolean        pages;
  int             stop_signal;     /* the signal that stopped the run, or 0 */
} Cli;

/* Standard output is always UTF-8, whatever the locale: g_print() would
 * turn "×" or a file name like "été.png" into "?" under LANG=C, which
 * breaks the summary line and the JSON for scripts. */
static void G_GNUC_PRINTF (1, 2)
print_out (const char *format,
           ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  fputs (text, stdout);
  fflush (stdout);
}

static gboolean
parse_size (const char  *option_name,
            const char  *value,
            guint64     *size,
            GError     **error)
{
  g_autofree char *digits = g_strdup (value);
  gsize len = strlen (digits);
  guint64 factor = 1;
  guint64 number;

  if (len > 0)
    {
      switch (g_ascii_toupper (digits[len - 1]))
        {
        case 'K': factor = G_GUINT64_CONSTANT (1) << 10; break;
        case 'M': factor = G_GUINT64_CONSTANT (1) << 20; break;
        case 'G': factor = G_GUINT64_CONSTANT (1) << 30; break;
        default: break;
        }
      if (factor > 1)
        digits[len - 1] = '\0';
    }

  if (!g_ascii_string_to_unsigned (digits, 10, 1, G_MAXUINT64 / factor, &number, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("%s must be a number of bytes (optionally with K, M or G), not “%s”"),
                   option_name, value);
      return FALSE;
    }

  *size = number * factor;
  return TRUE;
}

/* Seconds, fractions allowed, written the C way ("0.2") whatever the locale. */
static gboolean
parse_seconds (const char  *option_name,
               const char  *value,
               double       max,
               gboolean     zero_ok,
               double      *seconds,
               GError     **error)
{
  g_autofree char *text = g_strstrip (g_strdup (value));
  char *end = NULL;
  double number = text[0] != '\0' ? g_ascii_strtod (text, &end) : -1;

  if (end == NULL || *end != '\0' || !isfinite (number) || number < 0 || number > max ||
      (!zero_ok && number == 0))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("%s must be a number of seconds up to %g, not “%s”"),
                   option_name, max, value);
      return FALSE;
    }

  *seconds = number;
  return TRUE;
}

/* The options that shape requests and pace them, checked before anything
 * is fetched: each bad one is a usage error. */
typedef struct
{
  char     *referer;
  char    **headers;
  char     *user_agent;
  char     *cookies;
  char     *proxy;
  int       per_host;
  char     *delay_text;
  char     *limit_rate_text;
  char     *max_time_text;
  double    delay;
  guint64   limit_rate;
  double    max_time;
} Manners;

static void
manners_clear (Manners *manners)
{
  g_free (manners->referer);
  g_strfreev (manners->headers);
  g_free (manners->user_agent);
  g_free (manners->cookies);
  g_free (manners->proxy);
  g_free (manners->delay_text);
  g_free (manners->limit_rate_text);
  g_free (manners->max_time_text);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Manners, manners_clear)

static gboolean
check_manners (Manners  *manners,
               GError  **error)
{
  if (manners->per_host != -1 &&
      (manners->per_host < 1 || manners->per_host > HAUL_POLITENESS_MAX_PER_HOST))
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--per-host must be between 1 and 64"));
      return FALSE;
    }

  if (manners->delay_text != NULL &&
      !parse_seconds ("--delay", manners->delay_text, HAUL_DOWNLOADER_MAX_DELAY, TRUE,
                      &manners->delay, error))
    return FALSE;

  if (manners->max_time_text != NULL &&
      !parse_seconds ("--max-time", manners->max_time_text, HAUL_DOWNLOADER_MAX_MAX_TIME, FALSE,
                      &manners->max_time, error))
    return FALSE;

  if (manners->limit_rate_text != NULL &&
      !parse_size ("--limit-rate", manners->limit_rate_text, &manners->limit_rate, error))
    return FALSE;

  for (guint i = 0; manners->headers != NULL && manners->headers[i] != NULL; i++)
    {
      if (!haul_request_parse_header (manners->headers[i], NULL, NULL, error))
        {
          g_prefix_error (error, "-H: ");
          return FALSE;
        }
    }

  if (manners->user_agent != NULL &&
      (manners->user_agent[0] == '\0' ||
       !haul_request_check_value ("--user-agent", manners->user_agent, error)))
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                             _("--user-agent must not be empty"));
      return FALSE;
    }

  if (manners->referer != NULL)
    {
      g_autoptr(GUri) uri = g_uri_parse (manners->referer, G_URI_FLAGS_NONE, NULL);

      if (!haul_request_check_value ("--referer", manners->referer, error))
        return FALSE;
      if (uri == NULL || g_uri_get_host (uri) == NULL ||
          (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0 &&
           g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--referer must be an http or https URL, not “%s”"), manners->referer);
          return FALSE;
        }
    }

  if (manners->proxy != NULL)
    {
      g_autoptr(GProxyResolver) resolver = haul_request_proxy_resolver_new (manners->proxy, error);

      if (resolver == NULL)
        return FALSE;
    }

  /* Read now, so that a file that cannot be used stops the run before it
   * starts; the downloader reads it again for itself. */
  if (manners->cookies != NULL)
    {
      g_autoptr(SoupCookieJar) jar = haul_request_load_cookies (manners->cookies, error);

      if (jar == NULL)
        return FALSE;
    }

  return TRUE;
}

static void
print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  print_out ("%s\n", text);
}

static void
add_string_or_null (JsonBuilder *builder,
                    const char  *name,
                    const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
print_item_json (Cli          *cli,
                 HaulDownload *download)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  HaulDownloadState state = haul_download_get_state (download);
  double seconds = haul_download_get_seconds (download);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "item");
  json_builder_set_member_name (builder, "url");
  json_builder_add_string_value (builder, haul_download_get_url (download));
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, haul_download_state_to_string (state));
  add_string_or_null (builder, "file", haul_download_get_file_path (download));
  json_builder_set_member_name (builder, "bytes");
  json_builder_add_int_value (builder, (gint64)haul_download_get_bytes_received (download));
  json_builder_set_member_name (builder, "seconds");
  json_builder_add_double_value (builder, seconds < 0 ? 0.0 : round (seconds * 1000) / 1000);
  json_builder_set_member_name (builder, "http_status");
  json_builder_add_int_value (builder, haul_download_get_http_status (download));
  add_string_or_null (builder, "content_type", haul_download_get_content_type (download));
  json_builder_set_member_name (builder, "width");
  json_builder_add_int_value (builder, haul_download_get_width (download));
  json_builder_set_member_name (builder, "height");
  json_builder_add_int_value (builder, haul_download_get_height (download));
  /* Without --pages the objects stay as they were. */
  if (cli->pages)
    add_string_or_null (builder, "page", haul_download_get_page_url (download));
  /* Scripts match on the reason; the file's name is in "file". */
  add_string_or_null (builder, "error",
                      state == HAUL_DOWNLOAD_DONE ? NULL
                      : haul_download_get_skip_reason (download) == HAUL_SKIP_SAVED
                        ? _("already downloaded")
                        : haul_download_get_error_message (download));
  json_builder_end_object (builder);

  print_json (builder);
}

/* A web page given with --pages, before the lines of its images. */
static void print_item_human (Cli          *cli,
                              HaulDownload *download);

static void
print_page (Cli          *cli,
            HaulDownload *download)
{
  HaulDownloadState state = haul_download_get_state (download);
  const char *url = haul_download_get_url (download);
  const char *title = haul_download_get_page_title (download);
  guint n_images = haul_download_get_n_images (download);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, "page");
      json_builder_set_member_name (builder, "url");
      json_builder_add_string_value (builder, url);
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, state == HAUL_DOWNLOAD_DONE ? "done" : "failed");
      add_string_or_null (builder, "title", title);
      json_builder_set_member_name (builder, "images");
      json_builder_add_int_value (builder, n_images);
      add_string_or_null (builder, "error", state == HAUL_DOWNLOAD_DONE ? NULL
                                            : haul_download_get_error_message (download));
      json_builder_end_object (builder);

      print_json (builder);
    }
  else if (state != HAUL_DOWNLOAD_DONE)
    print_item_human (cli, download);
  else if (!cli->quiet && title != NULL)
    /* Translators: page URL, number of images, page title */
    print_out (ngettext ("page: %s: %u image (%s)\n", "page: %s: %u images (%s)\n", n_images),
               url, n_images, title);
  else if (!cli->quiet)
    /* Translators: page URL, number of images */
    print_out (ngettext ("page: %s: %u image\n", "page: %s: %u images\n", n_images),
               url, n_images);
}

static void
print_item_human (Cli          *cli,
                  HaulDownload *download)
{
  const char *url = haul_download_get_url (download);
  const char *message = haul_download_get_error_message (download);

  switch (haul_download_get_state (download))
    {
    case HAUL_DOWNLOAD_DONE:
      if (!cli->quiet)
        {
          g_autofree char *size = g_format_size (haul_download_get_bytes_received (download));

          /* Translators: file name, size, seconds */
          print_out (_("done: %s, %s, %.2f s\n"),
                     haul_download_get_file_name (download), size,
                     MAX (0.0, haul_download_get_seconds (download)));
        }
      break;

    case HAUL_DOWNLOAD_FAILED:
      if (cli->quiet)
        g_printerr (_("failed: %s: %s\n"), url, message);
      else
        print_out (_("failed: %s: %s\n"), url, message);
      break;

    case HAUL_DOWNLOAD_SKIPPED:
      if (!cli->quiet)
        print_out (_("skipped: %s: %s\n"), url, message);
      break;

    case HAUL_DOWNLOAD_CANCELLED:
      if (!cli->quiet)
        print_out (_("cancelled: %s\n"), url);
      break;

    case HAUL_DOWNLOAD_QUEUED:
    case HAUL_DOWNLOAD_CONNECTING:
    case HAUL_DOWNLOAD_DOWNLOADING:
    default:
      g_assert_not_reached ();
    }
}

static void
on_item_finished (HaulQueue    *queue,
                  HaulDownload *download,
                  Cli          *cli)
{
  /* A dry run prints what it found once the pages are read. */
  if (cli->dry_run)
    {
      if (haul_download_get_is_page (download) &&
          haul_download_get_state (download) != HAUL_DOWNLOAD_DONE)
        g_printerr (_("failed: %s: %s\n"), haul_download_get_url (download),
                    haul_download_get_error_message (download));
      return;
    }

  if (haul_download_get_is_page (download))
    print_page (cli, download);
  else if (cli->json)
    print_item_json (cli, download);
  else
    print_item_human (cli, download);
}

/* Standard error, so that the output formats stay as they are. */
static void
on_host_paused (HaulDownloader *downloader,
                const char     *host,
                guint           seconds,
                Cli            *cli)
{
  if (!cli->quiet)
    g_printerr (ngettext ("haul-cli: %s asked to wait %u s\n",
                          "haul-cli: %s asked to wait %u s\n", seconds),
                host, seconds);
}

static void
print_summary (Cli                    *cli,
               const HaulQueueSummary *summary)
{
  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, "summary");
      json_builder_set_member_name (builder, "total");
      json_builder_add_int_value (builder, summary->total);
      json_builder_set_member_name (builder, "done");
      json_builder_add_int_value (builder, summary->done);
      json_builder_set_member_name (builder, "failed");
      json_builder_add_int_value (builder, summary->failed);
      json_builder_set_member_name (builder, "skipped");
      json_builder_add_int_value (builder, summary->skipped);
      if (cli->pages)
        {
          json_builder_set_member_name (builder, "pages");
          json_builder_add_int_value (builder, summary->pages);
        }
      json_builder_set_member_name (builder, "elapsed");
      json_builder_add_double_value (builder, round (summary->elapsed * 1000) / 1000);
      json_builder_set_member_name (builder, "sum");
      json_builder_add_double_value (builder, round (summary->sum * 1000) / 1000);
      json_builder_end_object (builder);

      print_json (builder);
    }
  else if (!cli->quiet && summary->speedup > 0)
    {
      /* Translators: done, total, elapsed seconds, sum of the items' own
       * seconds, and how many times faster than one by one. */
      print_out (_("Finished %u of %u in %.2f s (one by one: %.2f s, %.1f× faster)\n"),
                 summary->done, summary->total, summary->elapsed, summary->sum, summary->speedup);
    }
  else if (!cli->quiet)
    {
      /* Translators: done, total and elapsed seconds, after a single item or
       * a cancelled run, where comparing with one by one means nothing */
      print_out (_("Finished %u of %u in %.2f s\n"),
                 summary->done, summary->total, summary->elapsed);
    }
}

static void
on_record_warning (HaulRecord *record,
                   const char *message,
                   Cli        *cli)
{
  g_printerr (_("haul-cli: warning: %s\n"), message);
}

static gboolean
stop_on_signal (Cli *cli,
                int  signum)
{
  if (cli->stop_signal == 0)
    cli->stop_signal = signum;
  haul_queue_cancel (cli->queue);

  return G_SOURCE_CONTINUE;
}

static gboolean
on_interrupt (gpointer user_data)
{
  return stop_on_signal (user_data, SIGINT);
}

/* Being killed by kill(1), timeout(1) or a closed terminal would leave the
 * partial files behind: end as cleanly as for Ctrl+C. */
static gboolean
on_terminate (gpointer user_data)
{
  return stop_on_signal (user_data, SIGTERM);
}

static gboolean
on_hangup (gpointer user_data)
{
  return stop_on_signal (user_data, SIGHUP);
}

static void
on_session_finished (HaulQueue *queue,
                     Cli       *cli)
{
  g_main_loop_quit (cli->loop);
}

static void
print_rejects (HaulIntake *intake,
               guint      *printed,
               const char *fallback_source,
               guint       fallback_line)
{
  GPtrArray *rejects = haul_intake_get_rejects (intake);

  for (; *printed < rejects->len; (*printed)++)
    {
      HaulIntakeReject *reject = g_ptr_array_index (rejects, *printed);
      const char *source = reject->source ? reject->source : fallback_source;
      guint line = reject->source ? reject->line : fallback_line;

      g_printerr ("%s:%u: %s: %s\n", source, line, reject->reason, reject->text);
    }
}

static gboolean
is_url_argument (const char *arg)
{
  const char *scheme_end = strstr (arg, "://");
  g_autofree char *scheme = NULL;

  if (scheme_end != NULL)
    return TRUE;

  scheme = g_uri_parse_scheme (arg);
  return scheme != NULL &&
         (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0);
}

static gboolean
read_stdin (HaulIntake  *intake,
            GError     **error)
{
  g_autoptr(GInputStream) in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autofree guint8 *buffer = g_malloc (64 * 1024);

  /* Stop at the limit: `yes URL | haul-cli -` never ends. */
  for (;;)
    {
      gssize n = g_input_stream_read (in, buffer, 64 * 1024, NULL, error);

      if (n < 0)
        return FALSE;
      if (n == 0)
        break;

      if (data->len + (gsize)n > HAUL_INTAKE_MAX_FILE_SIZE)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               _("standard input is larger than 16 MiB"));
          return FALSE;
        }
      g_byte_array_append (data, buffer, n);
    }

  return haul_intake_add_text (intake, (const char *)data->data, data->len,
                               NULL, "-", NULL, error);
}

static gboolean
gather_urls (HaulIntake  *intake,
             char       **inputs,
             GError     **error)
{
  guint printed = 0;

  for (guint i = 0; inputs[i] != NULL; i++)
    {
      const char *arg = inputs[i];

      if (strcmp (arg, "-") == 0)
        {
          if (!read_stdin (intake, error))
            {
              g_prefix_error (error, "-: ");
              return FALSE;
            }
        }
      else if (is_url_argument (arg))
        {
          haul_intake_add_url (intake, arg);
        }
      else
        {
          g_autoptr(GFile) file = g_file_new_for_commandline_arg (arg);

          if (!haul_intake_add_file (intake, file, NULL, error))
            {
              if (g_error_matches (*error, HAUL_ERROR, HAUL_ERROR_NOT_SHARED))
                {
                  g_autofree char *command =
                    haul_sandbox_dup_override_command (haul_sandbox_get_default (), file, TRUE);
                  /* Translators: a message, then a command */
                  char *message = g_strdup_printf (_("%s\nShare it first with:\n  %s"),
                                                   (*error)->message, command);

                  g_free ((*error)->message);
                  (*error)->message = message;
                }
              return FALSE;
            }
        }

      print_rejects (intake, &printed, _("argument"), i + 1);
    }

  if (haul_intake_get_n_rejects (intake) > printed)
    {
      guint n_more = haul_intake_get_n_rejects (intake) - printed;

      g_printerr (ngettext ("haul-cli: %u more entry could not be used\n",
                            "haul-cli: %u more entries could not be used\n", n_more),
                  n_more);
    }

  return TRUE;
}

/* "WxH" (or "W×H"), both at least 1. */
static gboolean
parse_dimensions (const char *value,
                  guint      *width,
                  guint      *height)
{
  g_autofree char *copy = g_strdup (value);
  char *separator = strchr (copy, 'x');
  guint64 w, h;
  gsize skip = 1;

  if (separator == NULL)
    {
      separator = strstr (copy, "×");
      skip = strlen ("×");
    }
  if (separator == NULL)
    return FALSE;
  *separator = '\0';

  if (!g_ascii_string_to_unsigned (copy, 10, 1, G_MAXINT, &w, NULL) ||
      !g_ascii_string_to_unsigned (separator + skip, 10, 1, G_MAXINT, &h, NULL))
    return FALSE;

  *width = (guint)w;
  *height = (guint)h;
  return TRUE;
}

/* What --dry-run --pages found: the images, in the queue's order. */
static void
print_found (HaulQueue *queue)
{
  GPtrArray *items = haul_queue_get_items (queue);

  for (guint i = 0; i < items->len; i++)
    {
      HaulDownload *d = g_ptr_array_index (items, i);

      if (!haul_download_get_is_page (d) && haul_download_get_state (d) == HAUL_DOWNLOAD_QUEUED)
        print_out ("%s\n", haul_download_get_url (d));
    }
}

/* Says what to do instead, in a way that works from a terminal. */
static int
folder_error (HaulSandbox *sandbox,
              GFile       *folder,
              gboolean     defaulted,
              GError      *error)
{
  g_autoptr(GFile) fallback = haul_sandbox_dup_default_folder (sandbox);
  g_autofree char *command = haul_sandbox_dup_override_command (sandbox, folder, FALSE);

  /* The user named no folder: say what is missing rather than name one. */
  if (defaulted && g_get_user_special_dir (G_USER_DIRECTORY_PICTURES) == NULL)
    g_printerr (_("haul-cli: Haul’s Flatpak sandbox shares no folder to save into: this desktop has no "
                  "Pictures folder (XDG_PICTURES_DIR in ~/.config/user-dirs.dirs)\n"));
  else
    g_printerr ("haul-cli: %s\n", error->message);

  if (!g_file_equal (fallback, folder) && haul_sandbox_check_folder (sandbox, fallback, NULL))
    {
      g_autofree char *home = g_filename_display_name (g_get_home_dir ());
      g_autofree char *path = g_filename_display_name (g_file_peek_path (fallback));
      g_autofree char *shown = NULL;

      /* ~/Pictures/Haul reads better than the whole path. */
      if (g_str_has_prefix (path, home) && path[strlen (home)] == '/')
        shown = g_strconcat ("~", path + strlen (home), NULL);
      else
        shown = g_shell_quote (path);

      /* Translators: the folder, then a command */
      g_printerr (_("Nothing was downloaded. Save into the folder the sandbox shares with -o %s, "
                    "or share this one first:\n  %s\n"), shown, command);
    }
  else if (defaulted)
    {
      /* Translators: a command */
      g_printerr (_("Nothing was downloaded. Give -o a folder the sandbox shares, or share one first, "
                    "for example:\n  %s\n"), command);
    }
  else
    {
      /* Translators: a command */
      g_printerr (_("Nothing was downloaded. Give -o a folder the sandbox shares, or share this one first:\n"
                    "  %s\n"), command);
    }

  return EXIT_USAGE;
}

static int
usage_error (const char *message)
{
  g_printerr ("haul-cli: %s\n", message);
  g_printerr (_("Try “haul-cli --help” for more information.\n"));
  return EXIT_USAGE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HaulIntake) intake = NULL;
  g_autoptr(HaulDownloader) downloader = NULL;
  g_autoptr(HaulQueue) queue = NULL;
  g_autoptr(HaulRecord) record = NULL;
  g_autoptr(GPtrArray) added = NULL;
  g_autoptr(GFile) folder = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *record_path = NULL;
  g_autofree char *output = NULL;
  g_autofree char *ca_file = NULL;
  g_autofree char *max_size_text = NULL;
  g_autofree char *min_dimensions = NULL;
  g_auto(GStrv) inputs = NULL;
  gboolean version = FALSE;
  gboolean any_type = FALSE;
  gboolean json = FALSE;
  gboolean quiet = FALSE;
  gboolean dry_run = FALSE;
  gboolean no_skip = FALSE;
  gboolean keep_duplicates = FALSE;
  gboolean no_record = FALSE;
  gboolean no_mtime = FALSE;
  gboolean pages = FALSE;
  gboolean follow = FALSE;
  int max_pages = 1;
  guint min_width = 0;
  guint min_height = 0;
  int jobs = HAUL_DOWNLOADER_DEFAULT_CONCURRENCY;
  int retries = HAUL_DOWNLOADER_DEFAULT_RETRIES;
  int timeout = HAUL_DOWNLOADER_DEFAULT_TIMEOUT;
  guint64 max_size = HAUL_DOWNLOADER_DEFAULT_MAX_SIZE;
  g_auto(Manners) manners = { .per_host = -1 };
  GPtrArray *urls;
  HaulSandbox *sandbox;
  HaulQueueSummary summary;
  Cli cli = { 0 };
  guint signal_ids[3];
  /* Lets tests and uninstalled runs use the translations in the build tree. */
  const char *localedir = g_getenv ("HAUL_LOCALEDIR");
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Save the files in DIR (default: the current folder; in the Flatpak, Pictures/Haul)"), N_("DIR") },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
      N_("Download N files at once, 1–64 (default: 8)"), N_("N") },
    { "retries", 0, 0, G_OPTION_ARG_INT, &retries,
      N_("Retry a failed transfer N times (default: 3)"), N_("N") },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
      N_("Give up on a silent connection after SECONDS (default: 30, 0 for never)"), N_("SECONDS") },
    { "max-size", 0, 0, G_OPTION_ARG_STRING, &max_size_text,
      N_("Refuse files larger than BYTES (default: 1G)"), N_("BYTES") },
    { "any-type", 0, 0, G_OPTION_ARG_NONE, &any_type,
      N_("Save files that are not images too"), NULL },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file,
      N_("Also trust the certificate authorities in PEM"), N_("PEM") },
    { "referer", 0, 0, G_OPTION_ARG_STRING, &manners.referer,
      N_("Send URL as the Referer; a refused image is tried once with the other policy"), N_("URL") },
    { "header", 'H', 0, G_OPTION_ARG_STRING_ARRAY, &manners.headers,
      N_("Add a request header “Name: Value” (repeatable)"), N_("HEADER") },
    { "user-agent", 0, 0, G_OPTION_ARG_STRING, &manners.user_agent,
      N_("Send STRING as the User-Agent (default: Haul/VERSION)"), N_("STRING") },
    { "cookies", 0, 0, G_OPTION_ARG_FILENAME, &manners.cookies,
      N_("Send the cookies of a Netscape cookies.txt or Firefox cookies.sqlite (read only)"), N_("FILE") },
    { "proxy", 0, 0, G_OPTION_ARG_STRING, &manners.proxy,
      N_("Use this http, https or socks proxy instead of the system settings"), N_("URL") },
    { "per-host", 0, 0, G_OPTION_ARG_INT, &manners.per_host,
      N_("At most N transfers to one host at once, 1–64 (default: no limit beyond -j)"), N_("N") },
    { "delay", 0, 0, G_OPTION_ARG_STRING, &manners.delay_text,
      N_("Start requests to one host at least SECONDS apart (fractions allowed)"), N_("SECONDS") },
    { "limit-rate", 0, 0, G_OPTION_ARG_STRING, &manners.limit_rate_text,
      N_("Download at most RATE bytes per second in all (K, M or G allowed)"), N_("RATE") },
    { "max-time", 0, 0, G_OPTION_ARG_STRING, &manners.max_time_text,
      N_("Fail an attempt that takes longer than SECONDS in all"), N_("SECONDS") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print one JSON object per line"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      N_("Print only failures"), NULL },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
      N_("Print the URLs that would be downloaded, and stop"), NULL },
    { "no-skip", 0, 0, G_OPTION_ARG_NONE, &no_skip,
      N_("Download again what was already saved in the folder"), NULL },
    { "keep-duplicates", 0, 0, G_OPTION_ARG_NONE, &keep_duplicates,
      N_("Keep an image whose content is already saved in the folder under another name"), NULL },
    { "no-mtime", 0, 0, G_OPTION_ARG_NONE, &no_mtime,
      N_("Give saved files the time of the download, not the server’s Last-Modified"), NULL },
    { "no-record", 0, 0, G_OPTION_ARG_NONE, &no_record,
      N_("Neither read nor write the record of what was downloaded: skip nothing, resume nothing"), NULL },
    { "pages", 'p', 0, G_OPTION_ARG_NONE, &pages,
      N_("Read every URL as a web page and download its images"), NULL },
    { "follow", 0, 0, G_OPTION_ARG_NONE, &follow,
      N_("With --pages, open thumbnails that link to a viewer page on the same site for their full image"), NULL },
    { "max-pages", 0, 0, G_OPTION_ARG_INT, &max_pages,
      N_("With --pages, read up to N pages of each, following “next” links (default: 1)"), N_("N") },
    { "min-dimensions", 0, 0, G_OPTION_ARG_STRING, &min_dimensions,
      N_("Skip images narrower than W or shorter than H, from their header"), N_("WxH") },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version,
      N_("Print the version and exit"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &inputs, NULL, NULL },
    { NULL }
  };

  /* Without a home folder there are no user settings for dconf to read,
   * and the system proxy lookup would fill standard error with its
   * complaints about the cache it cannot make there. */
  if (g_getenv ("GSETTINGS_BACKEND") == NULL && !g_file_test (g_get_home_dir (), G_FILE_TEST_IS_DIR))
    g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("[URL|FILE|-]…"));
  g_option_context_set_summary (context, _("Download many images at once."));
  g_option_context_set_description (context, "haul-cli " PACKAGE_VERSION);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("haul-cli: %s\n", error->message);
      g_printerr (_("Try “haul-cli --help” for more information.\n"));
      return EXIT_USAGE;
    }

  if (version)
    {
      print_out ("haul-cli %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  if (jobs < HAUL_DOWNLOADER_MIN_CONCURRENCY || jobs > HAUL_DOWNLOADER_MAX_CONCURRENCY)
    return usage_error (_("-j must be between 1 and 64"));
  if (retries < 0)
    return usage_error (_("--retries must not be negative"));
  if (timeout < 0)
    return usage_error (_("--timeout must not be negative"));
  if (max_size_text != NULL && !parse_size ("--max-size", max_size_text, &max_size, &error))
    return usage_error (error->message);
  if (!check_manners (&manners, &error))
    return usage_error (error->message);
  if (max_pages < 1 || max_pages > HAUL_DOWNLOADER_MAX_PAGES)
    return usage_error (_("--max-pages must be between 1 and 1000"));
  if (min_dimensions != NULL && !parse_dimensions (min_dimensions, &min_width, &min_height))
    {
      g_autofree char *message =
        g_strdup_printf (_("--min-dimensions must be WIDTHxHEIGHT, both at least 1, not “%s”"),
                         min_dimensions);
      return usage_error (message);
    }
  if (inputs == NULL || inputs[0] == NULL)
    return usage_error (_("no input: give URLs, files of URLs, or - for standard input"));

  if (ca_file != NULL)
    {
      g_autolist(GTlsCertificate) certificates =
        g_tls_certificate_list_new_from_file (ca_file, &error);

      if (error != NULL || certificates == NULL)
        {
          g_autofree char *message =
            g_strdup_printf (_("cannot use --ca-file %s: %s"), ca_file,
                             error ? error->message : _("no certificate in it"));
          return usage_error (message);
        }
    }

  intake = haul_intake_new ();
  if (!gather_urls (intake, inputs, &error))
    {
      g_printerr ("haul-cli: %s\n", error->message);
      return EXIT_USAGE;
    }

  urls = haul_intake_get_urls (intake);

  if (urls->len == 0)
    return usage_error (_("no URL to download"));

  if (dry_run && !pages)
    {
      for (guint i = 0; i < urls->len; i++)
        print_out ("%s\n", (const char *)g_ptr_array_index (urls, i));
      return EXIT_SUCCESS;
    }

  /* Inside the Flatpak the current folder is the sandbox's own: files saved
   * there would be lost, so the default is the folder the sandbox shares. */
  sandbox = haul_sandbox_get_default ();
  if (output != NULL)
    folder = g_file_new_for_commandline_arg (output);
  else if (haul_sandbox_is_sandboxed (sandbox))
    folder = haul_sandbox_dup_default_folder (sandbox);
  else
    folder = g_file_new_for_commandline_arg (".");
  if (!haul_sandbox_check_folder (sandbox, folder, &error))
    return folder_error (sandbox, folder, output == NULL, error);

  downloader = haul_downloader_new (ca_file);
  haul_downloader_set_concurrency (downloader, jobs);
  haul_downloader_set_retries (downloader, retries);
  haul_downloader_set_timeout (downloader, timeout);
  haul_downloader_set_max_size (downloader, max_size);
  haul_downloader_set_accept_any_type (downloader, any_type);
  g_object_set (downloader,
                "referer", manners.referer,
                "headers", manners.headers,
                "user-agent", manners.user_agent,
                "cookies-file", manners.cookies,
                "proxy", manners.proxy,
                "per-host", (guint)MAX (manners.per_host, 0),
                "delay", manners.delay,
                "limit-rate", manners.limit_rate,
                "max-time", manners.max_time,
                NULL);
  /* Only the dimensions: the command line shows no preview. */
  haul_downloader_set_thumbnail_size (downloader, 0);
  haul_downloader_set_output_folder (downloader, folder);

  haul_downloader_set_skip_saved (downloader, !no_skip);
  haul_downloader_set_keep_duplicates (downloader, keep_duplicates);
  haul_downloader_set_server_time (downloader, !no_mtime);
  g_object_set (downloader,
                "follow", follow,
                "max-pages", (guint)max_pages,
                "min-width", min_width,
                "min-height", min_height,
                NULL);

  /* What was saved where: so that a second run skips it and an interrupted
   * one resumes. */
  if (!no_record && !dry_run)
    {
      record_path = haul_record_default_path ();
      record = haul_record_new (record_path);
      haul_downloader_set_record (downloader, record);
      g_signal_connect (record, "warning", G_CALLBACK (on_record_warning), &cli);
    }

  queue = haul_queue_new (downloader);
  haul_queue_set_pages (queue, pages);
  added = haul_queue_add_urls (queue, urls, NULL);

  loop = g_main_loop_new (NULL, FALSE);
  cli.loop = loop;
  cli.queue = queue;
  cli.json = json;
  cli.quiet = quiet;
  cli.dry_run = dry_run;
  cli.pages = pages;

  g_signal_connect (downloader, "host-paused", G_CALLBACK (on_host_paused), &cli);
  g_signal_connect (queue, "item-finished", G_CALLBACK (on_item_finished), &cli);
  g_signal_connect (queue, "session-finished", G_CALLBACK (on_session_finished), &cli);
  signal_ids[0] = g_unix_signal_add (SIGINT, on_interrupt, &cli);
  signal_ids[1] = g_unix_signal_add (SIGTERM, on_terminate, &cli);
  signal_ids[2] = g_unix_signal_add (SIGHUP, on_hangup, &cli);

  if (dry_run)
    haul_queue_read_pages (queue, added);
  else
    haul_queue_start (queue, added);
  if (haul_queue_get_running (queue))
    g_main_loop_run (loop);

  for (guint i = 0; i < G_N_ELEMENTS (signal_ids); i++)
    g_source_remove (signal_ids[i]);
  haul_queue_get_summary (queue, &summary);
  if (dry_run && cli.stop_signal == 0)
    print_found (queue);
  else
    print_summary (&cli, &summary);

  /* 130 for Ctrl+C, as a shell reports a process the signal killed. */
  if (cli.stop_signal != 0)
    return 128 + cli.stop_signal;

  return summary.failed > 0 || summary.pages_failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
