/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-tool.h: helpers shared by the commands of the gpidfd program
 *
 * One section per file. Calls go one way, never back up:
 * gpidfd-tool-signal.c <- gpidfd-tool-output.c <- gpidfd-tool-parse.c
 * <- gpidfd-tool.c and the commands, gpidfd-tool-<command>.c. */

#pragma once

#include <gpidfd/gpidfd.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* gpidfd-tool.c: the program, its main loops and its processes ---------- */

/* Exit statuses of the program itself: a usage error of a command that
 * reports on processes, as pidwait(1) has it; then, for run, whose other
 * statuses are its command's, those of timeout(1) and env(1), usage
 * errors included. */
#define GPIDFD_TOOL_EXIT_USAGE         2
#define GPIDFD_TOOL_EXIT_TIMED_OUT     124
#define GPIDFD_TOOL_EXIT_FAILED        125
#define GPIDFD_TOOL_EXIT_CANNOT_INVOKE 126
#define GPIDFD_TOOL_EXIT_NOT_FOUND     127

/* The commands, one per gpidfd-tool-<command>.c. */
int gpidfd_tool_run  (int argc, char **argv);
int gpidfd_tool_wait (int argc, char **argv);
int gpidfd_tool_kill (int argc, char **argv);
int gpidfd_tool_info (int argc, char **argv);
int gpidfd_tool_demo (int argc, char **argv);

/* The main loop of a command, made before it opens any process or other
 * descriptor. GLib aborts when a descriptor of its own cannot be had: the
 * wakeup of a main context, or that of its worker context, which the
 * first GTask (the first g_pidfd_wait_async ()) makes with its thread.
 * Both are made here, and when no descriptor is left for them, this
 * returns NULL with an error instead. Later, a shortage only fails the
 * opening of a process, with an error that names it. */
GMainLoop *gpidfd_tool_main_loop_new (GError      **error);

/* Calls @func once, @seconds from now (any size: no overflow); 0 when
 * @seconds means no limit. */
guint      gpidfd_tool_timeout_add   (double        seconds,
                                      GSourceFunc   func,
                                      gpointer      data);

/* The name of the process (its comm), NULL if the kernel does not say. */
char *gpidfd_tool_process_name (GPidFd *pidfd);

/* Exit status, or 128 + signal, as a shell gives it; -1 if unknown. */
int   gpidfd_tool_shell_status (GPidFdExitInfo *info);

/* gpidfd-tool-signal.c: names of signals -------------------------------- */

/* Signals, by every name util-linux kill(1) knows: HUP, SIGHUP, hup, 1,
 * IOT, CLD, POLL, RTMIN, RTMIN+3, RTMAX-2, ... Returns -1 if none. */
int   gpidfd_tool_parse_signal (const char *text);
/* "TERM", "RTMIN+3", "RTMAX"; NULL for a number without a name. */
char *gpidfd_tool_signal_name  (int signum);
/* "SIGTERM", "SIGRTMIN+3", or "signal 99". */
char *gpidfd_tool_signal_full_name (int signum);
int   gpidfd_tool_signal_max   (void);

/* gpidfd-tool-output.c: streams, messages, JSON ------------------------- */

/* The command being run ("wait"), for messages, and the status that
 * gpidfd_tool_usage_error() returns. */
void gpidfd_tool_set_command (const char *name,
                              int         usage_status);

/* Streams. Everything the program prints goes through one of these,
 * with write(2): no stdio buffer hides a failed write, and text is never
 * transcoded behind our back. The first error is remembered. */
typedef struct
{
  int fd;
  char *name;      /* "standard output", or the path the user gave */
  int error;       /* errno of the first failed write, or 0 */
} GPidFdToolStream;

/* Called first: a standard descriptor that is closed stays closed for the
 * commands gpidfd runs, and is never reused for one of its own. */
void              gpidfd_tool_guard_standard_fds (void);
GPidFdToolStream *gpidfd_tool_stdout (void);
GPidFdToolStream *gpidfd_tool_stderr (void);

/* Bytes as they are (JSON, names of processes). */
void gpidfd_tool_stream_write  (GPidFdToolStream *stream,
                                const char       *data,
                                gssize            len);
/* Text of ours or of GLib: when the locale's character set is not UTF-8,
 * typographic quotes, dashes and ellipses become ASCII first. */
void gpidfd_tool_stream_print  (GPidFdToolStream *stream,
                                const char       *format,
                                ...) G_GNUC_PRINTF (2, 3);
void gpidfd_tool_stream_puts   (GPidFdToolStream *stream,
                                const char       *text);

/* Checks the streams once the command is done: when a write to standard
 * output (or to @extra, if not %NULL) failed, says so on standard error
 * and returns @failure_status; else @status. */
int  gpidfd_tool_finish        (int               status,
                                int               failure_status,
                                GPidFdToolStream *extra);

/* "gpidfd COMMAND: message" on standard error. */
void gpidfd_tool_error (const char *format,
                        ...) G_GNUC_PRINTF (1, 2);
/* The error, plus "Try 'gpidfd COMMAND --help'."; returns the usage status
 * of the command: GPIDFD_TOOL_EXIT_FAILED for one that passes on the
 * status of a command it runs, else GPIDFD_TOOL_EXIT_USAGE. @argument is
 * the text given that is wrong, if the error is about one.
 * Once a command has parsed --json, also a JSON error object on the stream
 * given to gpidfd_tool_set_json_errors() (alone, if that is standard
 * error). */
int  gpidfd_tool_usage_error (const char *argument,
                              const char *format,
                              ...) G_GNUC_PRINTF (2, 3);
void gpidfd_tool_set_json_errors (GPidFdToolStream *stream);

/* An error, as text on standard error and as a JSON object on
 * @json_stream (NULL without --json); only the object when @json_stream
 * is standard error. */
void  gpidfd_tool_report_error       (GPidFdToolStream *json_stream,
                                      GPid              pid,
                                      const char       *argument,
                                      const GError     *error);

/* "not-found", "permission-denied", ... */
const char *gpidfd_tool_error_code_name (const GError *error);

/* JSON Lines. */
void  gpidfd_tool_json_emit          (GPidFdToolStream *stream,
                                      JsonBuilder      *builder);
/* A string value from bytes (made valid UTF-8), or null for NULL. */
void  gpidfd_tool_json_add_text      (JsonBuilder      *builder,
                                      const char       *text);
/* Members "signal", the name ("SIGTERM"; null for a number without one,
 * 0 among them), and "number". One signal, one spelling, in every
 * object. */
void  gpidfd_tool_json_add_signal    (JsonBuilder      *builder,
                                      int               signum);
/* Members "has_status", "exited", "exit_status", "signaled",
 * "term_signal", "signal", "core_dumped", "wait_status", "uid",
 * "has_rusage" and the resource usage: always all of them, null when
 * unknown. @info may be NULL: a process that exited, and nothing more
 * is known. */
void  gpidfd_tool_json_add_exit_info (JsonBuilder      *builder,
                                      GPidFdExitInfo   *info);
/* {"event": "error", "command": ..., "pid": N or null,
 *  "argument": TEXT or null, "error": "not-found", "message": ...} */
void  gpidfd_tool_json_error         (GPidFdToolStream *stream,
                                      GPid              pid,
                                      const char       *argument,
                                      const GError     *error);

/* Shell-quoted command line. */
char *gpidfd_tool_quote_argv (char **argv);

/* gpidfd-tool-parse.c: options, process ids, durations ------------------ */

/* Options. Builds the context of a command (with -h/--help of our own, so
 * that the help is written like everything else), parses, and handles
 * --help. Returns FALSE when the command must return *exit_status now. */
typedef struct
{
  const char *name;          /* "wait" */
  const char *parameters;    /* "PID..." */
  const char *summary;
  const char *description;
  gboolean    strict_posix;  /* stop at the first argument (run) */
  /* run: its exit status is its command's, so every failure of gpidfd
   * itself, a usage error or an unwritable --help included, exits with
   * GPIDFD_TOOL_EXIT_FAILED, which a caller cannot take for the
   * command's own 2 or 1. */
  gboolean    passes_status;
  /* wait, info: the options come before the arguments (as the man page
   * says); an option after an argument is a usage error, never an option
   * that changes what was asked. */
  gboolean    options_first;
} GPidFdToolCommandInfo;

/* After parsing, *argv holds the program name then the arguments, with
 * the "--" that ended the options removed: everything after it is an
 * argument, whatever it looks like (even "--"). */

gboolean gpidfd_tool_parse_options (const GPidFdToolCommandInfo   *command,
                                    const GOptionEntry            *entries,
                                    int                           *argc,
                                    char                        ***argv,
                                    int                           *exit_status);

/* Process ids: a decimal number from 1 to G_MAXINT32. */
gboolean gpidfd_tool_parse_pid (const char  *text,
                                GPid        *pid,
                                GError     **error);

/* Durations, as timeout(1) takes them: a decimal number, with an optional
 * exponent, then s (seconds, the default), m, h or d. "inf" and 0 mean no
 * limit. Negative numbers, NaN and hexadecimal are refused with a message
 * that names @option and the text the user gave. */
gboolean gpidfd_tool_parse_duration (const char  *option,
                                     const char  *text,
                                     double      *seconds,
                                     GError     **error);
/* "10s" for "10", "2m" for "2m": a duration as given, with its unit. */
char    *gpidfd_tool_duration_label (const char  *text);

G_END_DECLS
