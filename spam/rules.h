/*
 * rules - chainmilter's spam rule files: parsing them into a rule set
 * (spam/rules.c) and running the set on a message view (spam/match.c).
 *
 * A rule file is a list of rules; '#' at the start of a line (after
 * white space) is a comment. Each rule is a line starting in column one,
 * then one indented condition line:
 *
 *   rule NAME [SCORE [DESCRIPTION...]]
 *       CONDITION
 *
 * NAME: capitals, digits and '_'; names starting with "__" are helpers for
 * meta rules and never become symbols. Conditions:
 *
 *   header FIELD[:MOD] =~ /RE/FLAGS [>= N]   an instance of the field matches
 *   header FIELD[:MOD] !~ /RE/FLAGS          no instance matches (or none exists)
 *   header FIELD exists [>= N] | missing     the field is there (N times) | is not
 *   body /RE/FLAGS [>= N]     the text a reader sees: text parts, HTML as shown
 *   rawbody /RE/FLAGS [>= N]  the text parts decoded, HTML markup kept
 *   full /RE/FLAGS [>= N]     the whole message as received, headers included
 *   uri /RE/FLAGS [>= N]      each web address, normalised (http://host/path)
 *   test NAME [ARG] [>= N]    a built-in measure (spam/builtin.c)
 *   meta EXPR                 rule names combined: ! && || + - < <= > >= == !=
 *                             ( ) and whole numbers
 *
 * FIELD is a header name (any case), ALL (every field as "Name: value"),
 * or a property of the SMTP session or the MIME structure: @helo,
 * @mailfrom, @rcpt, @client-name, @client-ip, @filename (of every part
 * that has one), @type (of every leaf part). MOD: raw (as written, not
 * decoded), addr (the addresses in it), name (the display names); without
 * one the value is unfolded and decoded to UTF-8. FLAGS: i m s x.
 *
 * A rule's value is its number of matches (matching instances for headers
 * and uri), counted up to N, or the test's measure; it hits when the value
 * is at least N (default 1). A meta rule's value is its expression's. A
 * rule in a later file replaces the rule of that name in an earlier one.
 */
#ifndef SPAM_RULES_H
#define SPAM_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "view.h"

struct rx;
struct rx_scratch;
struct spam_test;

enum spam_kind {
	SPAM_K_HEADER,
	SPAM_K_EXISTS,
	SPAM_K_MISSING,
	SPAM_K_BODY,
	SPAM_K_RAWBODY,
	SPAM_K_FULL,
	SPAM_K_URI,
	SPAM_K_TEST,
	SPAM_K_META,
};

enum spam_hmod { SPAM_H_DECODED, SPAM_H_RAW, SPAM_H_ADDR, SPAM_H_NAME };

/* Meta expressions in postfix form. */
enum spam_op {
	SPAM_OP_RULE,
	SPAM_OP_NUM,
	SPAM_OP_NOT,
	SPAM_OP_NEG,
	SPAM_OP_AND,
	SPAM_OP_OR,
	SPAM_OP_ADD,
	SPAM_OP_SUB,
	SPAM_OP_LT,
	SPAM_OP_LE,
	SPAM_OP_GT,
	SPAM_OP_GE,
	SPAM_OP_EQ,
	SPAM_OP_NE,
};

struct spam_meta_op {
	enum spam_op op;
	long num;    /* SPAM_OP_NUM */
	char *name;  /* SPAM_OP_RULE, until resolved */
	size_t rule; /* SPAM_OP_RULE, index in the set once resolved */
};

struct spam_rule {
	char *name;
	double score;
	char *desc;
	char *file;
	int line;
	enum spam_kind kind;
	char *field; /* header rules */
	enum spam_hmod mod;
	bool negate;   /* !~ */
	struct rx *re; /* header, body, rawbody, full, uri */
	char *pattern; /* as written, for messages */
	long min;      /* >= N */
	const struct spam_test *test;
	char *arg;
	struct spam_meta_op *code;
	size_t n_code;
	size_t index; /* position in the set once finished */
};

struct spam_ruleset {
	struct spam_rule **rules; /* after spam_rules_finish: metas last, in dependency order */
	size_t n, cap;
	size_t n_errors;
	void (*report)(void *arg, const char *msg);
	void *report_arg;
};

#define SPAM_RULES_MAX       10000
#define SPAM_RULES_MAX_LINE  8192
#define SPAM_META_MAX_TOKENS 1000

/* An empty set; problems go to report(arg, "FILE:LINE: ...") as found. */
struct spam_ruleset *spam_rules_new(void (*report)(void *arg, const char *msg), void *arg);
void spam_rules_free(struct spam_ruleset **rsp);
/* Add the rules in text (file names them in messages). Returns the errors found. */
size_t spam_rules_parse(struct spam_ruleset *rs, const char *text, size_t len, const char *file);
/* Resolve meta names, refuse cycles, order the set. Returns the set's total errors. */
size_t spam_rules_finish(struct spam_ruleset *rs);

/* Running a set on one message. */
struct spam_hit {
	const struct spam_rule *rule;
	long value;
};

/*
 * Evaluate every rule on v. values (rs->n entries) receive each rule's
 * value. Returns the number of rules stopped by a regex limit (counted as
 * no match), or -1 when out of memory. *slow_r (may be NULL) names the
 * first rule stopped.
 */
int spam_rules_run(const struct spam_ruleset *rs, const struct spam_view *v, long *values,
                   const char **slow_r);

#endif
