/* What the screen has said: the message line, the error on the status bar
 * and what it is about (it goes when that changes: doc/ARCHITECTURE.md,
 * "Messages"), and the log that :messages shows. No curses: the screen
 * draws these fields. */
#ifndef LB_MESSAGES_H
#define LB_MESSAGES_H

#include <stdarg.h>
#include <stdbool.h>

/* What an error on the status bar is about. */
enum subject {
	SUBJECT_OTHER,    /* a key's feedback, the config, the theme */
	SUBJECT_COMMAND,  /* a command that failed */
	SUBJECT_RESOURCE, /* a load of the view's resource that failed */
};

/* One message as it was given, for :messages. */
struct logged_message {
	long long at_s; /* wall clock */
	bool error;
	int count;  /* the same text again right after */
	char *text; /* raw, every line */
};
#define MAX_LOGGED 100

struct messages {
	char line[1536]; /* the message line: terminal-safe, the first line */
	bool line_error;
	char last_error[1536]; /* on the status bar, terminal-safe */
	enum subject error_subject;
	const void *error_res; /* SUBJECT_RESOURCE: which (compared, never read) */

	struct logged_message log[MAX_LOGGED]; /* a ring, oldest at log_start */
	int log_start, log_n;
	unsigned gen; /* changes with each message logged */
};

/* Show raw text on the message line (its first line) and keep it whole
 * in the log; an error also goes to the status bar, about subject (res:
 * the resource of SUBJECT_RESOURCE). */
void messages_say(struct messages *m, bool error, enum subject subject, const void *res,
		  const char *raw);
void messages_vsay(struct messages *m, bool error, enum subject subject, const void *res,
		   const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

/* Show raw text on the message line only, as a passing note: not an
 * error, not logged. */
void messages_note(struct messages *m, const char *raw);

/* The error on the status bar and the message line no longer applies. */
void messages_forget_error(struct messages *m);

/* The log, newest first, as :messages shows it (caller frees). */
char *messages_text(const struct messages *m);

/* Free the log. */
void messages_clear(struct messages *m);

#endif
