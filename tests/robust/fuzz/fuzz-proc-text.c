/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-proc-text.c: the parsers of /proc text against a reference
 *
 * Built two ways:
 *  - with clang -fsanitize=fuzzer, a libFuzzer target (LLVMFuzzerTestOneInput);
 *  - with GPIDFD_FUZZ_REPLAY, a GTest program that runs every file of the
 *    corpus and a stream of generated inputs through the same check, so
 *    that every build (and valgrind) exercises it.
 *
 * The check: gpidfd_fdinfo_parse_pid() and gpidfd_proc_parse_field() must
 * agree with a reference built on a regular expression, read nothing
 * outside the buffer (ASan, valgrind), and give values in the int32 range.
 */

#include "config.h"

#include <string.h>
#include <glib.h>

#include "gpidfd-syscall-private.h"

/* The first line of @text that starts with @field: its part after the
 * field name, in *@rest and *@rest_len. */
static gboolean
reference_find_line (const char  *text,
                     gsize        len,
                     const char  *field,
                     const char **rest,
                     gsize       *rest_len)
{
  gsize field_len = strlen (field);
  gsize start = 0;

  while (start < len)
    {
      const char *nl = memchr (text + start, '\n', len - start);
      gsize end = nl != NULL ? (gsize) (nl - text) : len;

      if (end - start >= field_len && memcmp (text + start, field, field_len) == 0)
        {
          *rest = text + start + field_len;
          *rest_len = end - start - field_len;
          return TRUE;
        }

      if (nl == NULL)
        break;
      start = end + 1;
    }

  return FALSE;
}

/* Matches @regex on the line of @field and reads its first group as a
 * number between @min and @max. */
static gboolean
reference_parse_with (GRegex     *regex,
                      const char *text,
                      gsize       len,
                      const char *field,
                      gint64      min,
                      gint64      max,
                      gint64     *value)
{
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *number = NULL;
  const char *rest;
  gsize rest_len;

  if (!reference_find_line (text, len, field, &rest, &rest_len))
    return FALSE;
  if (!g_regex_match_full (regex, rest, rest_len, 0, 0, &match, NULL))
    return FALSE;
  number = g_match_info_fetch (match, 1);

  return g_ascii_string_to_signed (number, 10, min, max, value, NULL);
}

/* The contract, written independently of the implementation: the first
 * line that starts with @field decides; it must then hold optional blanks,
 * an optional '-', decimal digits of at most int32 magnitude and optional
 * blanks, and nothing else. */
static gboolean
reference_parse (const char *text,
                 gsize       len,
                 const char *field,
                 gint64     *value)
{
  static GRegex *line_regex;

  if (g_once_init_enter (&line_regex))
    g_once_init_leave (&line_regex,
                       g_regex_new ("\\A[ \\t]*(-?[0-9]+)[ \\t]*\\z",
                                    G_REGEX_RAW | G_REGEX_OPTIMIZE, 0, NULL));

  return reference_parse_with (line_regex, text, len, field, -G_MAXINT32, G_MAXINT32, value);
}

/* The contract of gpidfd_proc_parse_first(): the first line that starts
 * with @field decides; after optional blanks, decimal digits of uint32
 * magnitude, then the end of the line or a blank and anything. */
static gboolean
reference_parse_first (const char *text,
                       gsize       len,
                       const char *field,
                       gint64     *value)
{
  static GRegex *first_regex;

  if (g_once_init_enter (&first_regex))
    g_once_init_leave (&first_regex,
                       g_regex_new ("\\A[ \\t]*([0-9]+)([ \\t][^\\n]*)?\\z",
                                    G_REGEX_RAW | G_REGEX_OPTIMIZE, 0, NULL));

  return reference_parse_with (first_regex, text, len, field, 0, G_MAXUINT32, value);
}

static guint n_parsed;

static void
check_first (const char *text,
             gsize       len,
             const char *field)
{
  gint64 got = G_MININT64, want = G_MININT64;
  gboolean got_ok = gpidfd_proc_parse_first (text, len, field, &got);
  gboolean want_ok = reference_parse_first (text, len, field, &want);

  if (got_ok != want_ok || (got_ok && got != want))
    g_error ("first-number parse of field \"%s\" (%" G_GSIZE_FORMAT " bytes): got %d/%"
             G_GINT64_FORMAT ", reference %d/%" G_GINT64_FORMAT,
             field, len, got_ok, got, want_ok, want);
  if (got_ok)
    {
      g_assert_true (got >= 0 && got <= G_MAXUINT32);
      n_parsed++;
    }
}

static void
check_one (const char *text,
           gsize       len,
           const char *field)
{
  gint64 got = G_MININT64, want = G_MININT64;
  gboolean got_ok, want_ok;

  if (strcmp (field, "Pid:") == 0)
    got_ok = gpidfd_fdinfo_parse_pid (text, len, &got);
  else
    got_ok = gpidfd_proc_parse_field (text, len, field, &got);
  want_ok = reference_parse (text, len, field, &want);

  if (got_ok != want_ok || (got_ok && got != want))
    {
      g_autofree char *escaped = g_strescape (g_strndup (text, len), NULL);

      g_error ("parse of field \"%s\" in \"%s\" (%" G_GSIZE_FORMAT " bytes): got %d/%"
               G_GINT64_FORMAT ", reference %d/%" G_GINT64_FORMAT,
               field, escaped, len, got_ok, got, want_ok, want);
    }
  if (got_ok)
    {
      g_assert_true (got >= -G_MAXINT32 && got <= G_MAXINT32);
      n_parsed++;
    }
}

/* One input: checked as fdinfo text (Pid:), as /proc/PID/status text
 * (Tgid:), and with a field name taken from its own first bytes. */
static void
check_input (const guint8 *data,
             gsize         size)
{
  /* An exact-size copy, so that any read past the end is caught (never
   * NULL: the empty text is checked on its own by the replay program). */
  char *text = g_malloc (MAX (size, 1));
  char field[16];
  gsize field_len = 0;

  if (size > 0)
    memcpy (text, data, size);

  check_one (text, size, "Pid:");
  check_one (text, size, "Tgid:");
  check_first (text, size, "Uid:");

  while (field_len < size && field_len < sizeof field - 1 && data[field_len] != '\0' &&
         data[field_len] != '\n')
    {
      field[field_len] = data[field_len];
      field_len++;
    }
  field[field_len] = '\0';
  if (field_len > 0 && field_len < size)
    check_one (text + field_len + 1, size - field_len - 1, field);

  g_free (text);
}

#ifndef GPIDFD_FUZZ_REPLAY

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  check_input (data, size);
  return 0;
}

#else /* GPIDFD_FUZZ_REPLAY */

#include <stdlib.h>

static const char *corpus_dir;

static void
test_corpus (void)
{
  g_autoptr(GDir) dir = g_dir_open (corpus_dir, 0, NULL);
  const char *name;
  guint n = 0;

  g_test_summary ("Every file of the fuzzing corpus");
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (corpus_dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      check_input ((const guint8 *) contents, len);
      n++;
    }
  g_test_message ("%u corpus files, %u values parsed", n, n_parsed);
  g_assert_cmpuint (n, >, 0);
}

/* No text at all: (NULL, 0), which the sanitizer build also checks for
 * pointer arithmetic on NULL. */
static void
test_null_empty (void)
{
  gint64 v = 42;

  g_test_summary ("An empty text given as (NULL, 0) parses as nothing");
  g_assert_false (gpidfd_fdinfo_parse_pid (NULL, 0, &v));
  g_assert_false (gpidfd_proc_parse_field (NULL, 0, "Tgid:", &v));
  g_assert_cmpint (v, ==, 42);
}

/* Inputs built from the pieces that matter, plus random bytes. */
static void
test_generated (void)
{
  static const char *pieces[] = {
    "Pid:", "Tgid:", "NSpid:", "PPid:", "pos:\t0\n", "flags:\t02000002\n",
    " ", "\t", "-", "--", "0", "7", "42", "2147483647", "2147483648",
    "-2147483647", "-2147483648", "99999999999999999999", "\n", "\r", "\0",
    "+1", "0x10", "1 2", "\xff", "Pid:\t",
  };
  const char *env = g_getenv ("GPIDFD_TEST_SCALE");
  guint n = 200000;

  g_test_summary ("Generated inputs: the parsers agree with the reference");

  if (env != NULL)
    n = MAX (1000, (guint) ((guint64) n * g_ascii_strtoull (env, NULL, 10) / 100));

  for (guint i = 0; i < n; i++)
    {
      GByteArray *input = g_byte_array_new ();
      guint parts = g_test_rand_int_range (0, 12);

      if (i % 2 == 0)
        {
          /* A well-formed line, then maybe one byte changed. */
          static const char *fields[] = { "Pid:", "Tgid:", "pos:\t0\nPid:" };
          static const char *blanks[] = { "", " ", "\t", " \t " };
          g_autofree char *line = g_strdup_printf ("%s%s%s%" G_GINT64_FORMAT "%s%s",
              fields[g_test_rand_int_range (0, G_N_ELEMENTS (fields))],
              blanks[g_test_rand_int_range (0, G_N_ELEMENTS (blanks))],
              g_test_rand_bit () ? "-" : "",
              (gint64) g_test_rand_int_range (0, G_MAXINT32) *
                (g_test_rand_int_range (0, 4) == 0 ? 7 : 1),
              blanks[g_test_rand_int_range (0, G_N_ELEMENTS (blanks))],
              g_test_rand_bit () ? "\nNSpid:\t1\n" : "");

          g_byte_array_append (input, (const guint8 *) line, strlen (line));
          if (g_test_rand_bit () && input->len > 0)
            input->data[g_test_rand_int_range (0, input->len)] = g_test_rand_int_range (0, 256);
          parts = 0;
        }

      for (guint p = 0; p < parts; p++)
        {
          if (g_test_rand_int_range (0, 8) == 0)
            {
              guint8 byte = g_test_rand_int_range (0, 256);

              g_byte_array_append (input, &byte, 1);
            }
          else
            {
              guint k = g_test_rand_int_range (0, G_N_ELEMENTS (pieces));
              gsize len = pieces[k][0] == '\0' ? 1 : strlen (pieces[k]);

              g_byte_array_append (input, (const guint8 *) pieces[k], len);
            }
        }
      check_input (input->data, input->len);
      g_byte_array_unref (input);
    }
  g_test_message ("%u generated inputs, %u values parsed", n, n_parsed);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  corpus_dir = g_getenv ("GPIDFD_FUZZ_CORPUS");
  if (corpus_dir == NULL)
    corpus_dir = GPIDFD_FUZZ_CORPUS_DIR;

  g_test_add_func ("/robust/fuzz/proc-text/corpus", test_corpus);
  g_test_add_func ("/robust/fuzz/proc-text/generated", test_generated);
  g_test_add_func ("/robust/fuzz/proc-text/null-empty", test_null_empty);

  return g_test_run ();
}

#endif /* GPIDFD_FUZZ_REPLAY */
