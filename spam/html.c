/*
 * html - a tolerant one-pass reader of HTML mail. Tags are read with their
 * attributes; an element stack (bounded) carries inherited colours and
 * hiding, so text written in the background colour, under display:none or
 * in a 0-1 px font counts as hidden rather than visible. Script, style and
 * title contents are no text. Comments vanish without a trace, as in a
 * browser ("vi<!-- -->agra" reads "viagra").
 */
#include "html.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../lib/buf.h"

#define MAX_STACK     64
#define MAX_TAG_BYTES 8192 /* a '<' with no '>' this far is text */
#define MAX_ANCHOR    200
#define NO_COLOR      (-1L)
#define WHITE         0xFFFFFFL
#define BLACK         0x000000L

enum tagflag {
	T_VOID = 1,   /* no end tag: br, img, ... */
	T_BLOCK = 2,  /* a line break in the text */
	T_NOTEXT = 4, /* contents are not shown: script, style, title */
	T_SPACE = 8,  /* a word break: td, th */
};

struct tagdef {
	const char *name;
	unsigned flags;
	unsigned bit; /* enum spam_html_tagbit */
};

static const struct tagdef tagdefs[] = {
    {"a", 0, SPAM_TAG_A},
    {"area", T_VOID, 0},
    {"base", T_VOID, SPAM_TAG_BASE},
    {"blockquote", T_BLOCK, SPAM_TAG_BLOCKQUOTE},
    {"body", T_BLOCK, SPAM_TAG_BODY},
    {"br", T_VOID | T_BLOCK, 0},
    {"center", T_BLOCK, SPAM_TAG_CENTER},
    {"col", T_VOID, 0},
    {"div", T_BLOCK, 0},
    {"embed", T_VOID, SPAM_TAG_OBJECT},
    {"font", 0, SPAM_TAG_FONT},
    {"form", T_BLOCK, SPAM_TAG_FORM},
    {"h1", T_BLOCK, 0},
    {"h2", T_BLOCK, 0},
    {"h3", T_BLOCK, 0},
    {"h4", T_BLOCK, 0},
    {"h5", T_BLOCK, 0},
    {"h6", T_BLOCK, 0},
    {"head", 0, 0},
    {"hr", T_VOID | T_BLOCK, 0},
    {"iframe", T_NOTEXT, SPAM_TAG_IFRAME},
    {"img", T_VOID, SPAM_TAG_IMG},
    {"input", T_VOID, SPAM_TAG_FORM},
    {"li", T_BLOCK, 0},
    {"link", T_VOID, 0},
    {"map", 0, SPAM_TAG_MAP},
    {"meta", T_VOID, SPAM_TAG_META},
    {"noscript", T_NOTEXT, 0},
    {"object", 0, SPAM_TAG_OBJECT},
    {"p", T_BLOCK, 0},
    {"pre", T_BLOCK, SPAM_TAG_PRE},
    {"script", T_NOTEXT, SPAM_TAG_SCRIPT},
    {"style", T_NOTEXT, SPAM_TAG_STYLE},
    {"table", T_BLOCK, SPAM_TAG_TABLE},
    {"td", T_SPACE, SPAM_TAG_TABLE},
    {"template", T_NOTEXT, 0},
    {"th", T_SPACE, SPAM_TAG_TABLE},
    {"title", T_NOTEXT, 0},
    {"tr", T_BLOCK, SPAM_TAG_TABLE},
    {"wbr", T_VOID, 0},
    {"xml", T_NOTEXT, 0},
};

static const struct tagdef *tag_lookup(const char *name)
{
	size_t lo = 0, hi = sizeof(tagdefs) / sizeof(tagdefs[0]);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, tagdefs[mid].name);

		if (c == 0)
			return &tagdefs[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* ---- entities ---- */

static const struct {
	const char *name;
	unsigned long cp;
} entities[] = {
    {"AElig", 0xC6},   {"Aacute", 0xC1},  {"Agrave", 0xC0},   {"Auml", 0xC4},    {"Ccedil", 0xC7},
    {"Eacute", 0xC9},  {"Egrave", 0xC8},  {"Ntilde", 0xD1},   {"Ouml", 0xD6},    {"Uuml", 0xDC},
    {"aacute", 0xE1},  {"acirc", 0xE2},   {"aelig", 0xE6},    {"agrave", 0xE0},  {"amp", '&'},
    {"apos", '\''},    {"auml", 0xE4},    {"bull", 0x2022},   {"ccedil", 0xE7},  {"cent", 0xA2},
    {"copy", 0xA9},    {"deg", 0xB0},     {"eacute", 0xE9},   {"ecirc", 0xEA},   {"egrave", 0xE8},
    {"euro", 0x20AC},  {"gt", '>'},       {"hellip", 0x2026}, {"iacute", 0xED},  {"laquo", 0xAB},
    {"ldquo", 0x201C}, {"lsquo", 0x2018}, {"lt", '<'},        {"mdash", 0x2014}, {"middot", 0xB7},
    {"nbsp", 0xA0},    {"ndash", 0x2013}, {"ntilde", 0xF1},   {"oacute", 0xF3},  {"ouml", 0xF6},
    {"pound", 0xA3},   {"quot", '"'},     {"raquo", 0xBB},    {"rdquo", 0x201D}, {"reg", 0xAE},
    {"rsquo", 0x2019}, {"shy", 0xAD},     {"szlig", 0xDF},    {"times", 0xD7},   {"trade", 0x2122},
    {"uacute", 0xFA},  {"uuml", 0xFC},    {"yen", 0xA5},      {"zwj", 0x200D},   {"zwnj", 0x200C},
};

size_t spam_html_entity(const char *s, size_t len, unsigned long *cp_r)
{
	size_t i;

	if (len < 3 || s[0] != '&')
		return 0;
	if (s[1] == '#') {
		unsigned long cp = 0;
		bool hex = len > 2 && (s[2] == 'x' || s[2] == 'X');
		size_t start = hex ? 3 : 2;

		for (i = start; i < len && i < start + 8; i++) {
			int c = (unsigned char)s[i], v;

			if (isdigit(c))
				v = c - '0';
			else if (hex && isxdigit(c))
				v = tolower(c) - 'a' + 10;
			else
				break;
			cp = cp * (hex ? 16 : 10) + (unsigned long)v;
		}
		if (i == start)
			return 0;
		if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			cp = 0xFFFD;
		*cp_r = cp;
		return i < len && s[i] == ';' ? i + 1 : i; /* the ';' may be left out */
	}
	for (i = 1; i < len && i < 10 && isalnum((unsigned char)s[i]); i++)
		;
	if (i >= len || s[i] != ';')
		return 0;
	for (size_t k = 0; k < sizeof(entities) / sizeof(entities[0]); k++)
		if (strlen(entities[k].name) == i - 1 &&
		    memcmp(entities[k].name, s + 1, i - 1) == 0) {
			*cp_r = entities[k].cp;
			return i + 1;
		}
	return 0;
}

/* ---- colours and styles ---- */

static const struct {
	const char *name;
	long rgb;
} colors[] = {
    {"black", 0x000000},      {"white", 0xFFFFFF},  {"red", 0xFF0000},    {"green", 0x008000},
    {"blue", 0x0000FF},       {"yellow", 0xFFFF00}, {"gray", 0x808080},   {"grey", 0x808080},
    {"silver", 0xC0C0C0},     {"navy", 0x000080},   {"maroon", 0x800000}, {"purple", 0x800080},
    {"orange", 0xFFA500},     {"lime", 0x00FF00},   {"aqua", 0x00FFFF},   {"fuchsia", 0xFF00FF},
    {"teal", 0x008080},       {"olive", 0x808000},  {"snow", 0xFFFAFA},   {"ivory", 0xFFFFF0},
    {"whitesmoke", 0xF5F5F5},
};

static long parse_color(const char *v, size_t len)
{
	char tmp[32];
	size_t i, n = 0;

	while (len > 0 && isspace((unsigned char)*v))
		v++, len--;
	for (i = 0; i < len && n + 1 < sizeof(tmp); i++)
		if (!isspace((unsigned char)v[i]) && v[i] != '"' && v[i] != '\'')
			tmp[n++] = (char)tolower((unsigned char)v[i]);
	tmp[n] = '\0';
	if (n == 0)
		return NO_COLOR;
	if (tmp[0] == '#' || (n == 6 && strspn(tmp, "0123456789abcdef") == 6)) {
		const char *h = tmp[0] == '#' ? tmp + 1 : tmp;
		size_t hl = strspn(h, "0123456789abcdef");

		if (hl == 6)
			return strtol(h, NULL, 16);
		if (hl == 3) {
			long r = strtol((char[]){h[0], '\0'}, NULL, 16);
			long g = strtol((char[]){h[1], '\0'}, NULL, 16);
			long b = strtol((char[]){h[2], '\0'}, NULL, 16);

			return (r * 17) << 16 | (g * 17) << 8 | b * 17;
		}
		return NO_COLOR;
	}
	if (strncmp(tmp, "rgb(", 4) == 0) {
		long c[3] = {0, 0, 0};
		char *p = tmp + 4, *end;

		for (i = 0; i < 3; i++) {
			c[i] = strtol(p, &end, 10);
			if (end == p || c[i] < 0 || c[i] > 255)
				return NO_COLOR;
			p = *end == ',' ? end + 1 : end;
		}
		return c[0] << 16 | c[1] << 8 | c[2];
	}
	for (i = 0; i < sizeof(colors) / sizeof(colors[0]); i++)
		if (strcmp(tmp, colors[i].name) == 0)
			return colors[i].rgb;
	return NO_COLOR;
}

/* Colours too close to tell apart on screen. */
static bool same_color(long a, long b)
{
	long dr = ((a >> 16) & 0xFF) - ((b >> 16) & 0xFF);
	long dg = ((a >> 8) & 0xFF) - ((b >> 8) & 0xFF);
	long db = (a & 0xFF) - (b & 0xFF);

	return a != NO_COLOR && b != NO_COLOR && dr * dr + dg * dg + db * db < 3 * 12 * 12;
}

/* The value of one CSS property in a style attribute, or NULL. */
static const char *css_value(const char *style, const char *prop, size_t *len_r)
{
	size_t pl = strlen(prop);
	const char *s = style;

	while ((s = strcasestr(s, prop)) != NULL) {
		const char *v = s + pl;
		bool start = s == style || s[-1] == ';' || isspace((unsigned char)s[-1]) ||
		             s[-1] == '"' || s[-1] == '{';

		s += pl;
		while (isspace((unsigned char)*v))
			v++;
		if (!start || *v != ':')
			continue;
		v++;
		while (isspace((unsigned char)*v))
			v++;
		*len_r = strcspn(v, ";\"}");
		return v;
	}
	return NULL;
}

/* font-size small enough to be unreadable: 0-1 px/pt, or under 0.2 em/rem. */
static bool tiny_font(const char *v, size_t len)
{
	char *end;
	double d = strtod(v, &end);

	if (end == v || (size_t)(end - v) > len)
		return false;
	if (strncasecmp(end, "em", 2) == 0 || strncasecmp(end, "rem", 3) == 0)
		return d < 0.2;
	if (*end == '%')
		return d < 20;
	return d <= 1.0;
}

/* ---- the reader ---- */

struct frame {
	const struct tagdef *tag;
	long fg, bg;
	bool hidden;
};

struct reader {
	struct pool *p;
	struct spam_html *out;
	struct buf text, anchor;
	struct frame stack[MAX_STACK];
	size_t depth;
	unsigned notext; /* open script/style/title elements */
	bool space;      /* a space is due before the next word */
	bool in_a;
	const char *href;
	size_t cap_links, cap_srcs;
	bool oom;
};

static struct frame *top(struct reader *r)
{
	return &r->stack[r->depth - 1];
}

static bool hidden_now(struct reader *r)
{
	struct frame *f = top(r);

	return f->hidden || same_color(f->fg, f->bg);
}

static void put_text(struct reader *r, const char *s, size_t len)
{
	bool hidden = r->notext > 0 || hidden_now(r);
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isspace(c) || c == 0xA0 ||
		    (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] == 0xA0)) {
			if (c == 0xC2)
				i++;
			r->space = true;
			continue;
		}
		if (r->notext > 0)
			continue;
		if ((c & 0xC0) != 0x80) {
			if (hidden)
				r->out->hidden_chars++;
			else
				r->out->visible_chars++;
		}
		if (hidden)
			continue;
		if (r->space && r->text.len > 0 && r->text.data[r->text.len - 1] != '\n')
			buf_putc(&r->text, ' ');
		if (r->in_a && r->anchor.len < MAX_ANCHOR) {
			if (r->space && r->anchor.len > 0)
				buf_putc(&r->anchor, ' ');
			buf_putc(&r->anchor, (char)c);
		}
		r->space = false;
		buf_putc(&r->text, (char)c);
	}
}

static void put_cp(struct reader *r, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80)
		u[0] = (char)cp, n = 1;
	else if (cp < 0x800)
		u[0] = (char)(0xC0 | (cp >> 6)), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
	else if (cp < 0x10000)
		u[0] = (char)(0xE0 | (cp >> 12)), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)),
		u[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
	else
		u[0] = (char)(0xF0 | (cp >> 18)), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
	if (cp == 0xAD || cp == 0x200B || cp == 0x200C || cp == 0x200D)
		return; /* soft hyphen and zero-width characters: invisible */
	put_text(r, u, n);
}

static void put_decoded(struct reader *r, const char *s, size_t len)
{
	size_t i = 0, start = 0, n;
	unsigned long cp;

	while (i < len) {
		if (s[i] == '&' && (n = spam_html_entity(s + i, len - i, &cp)) > 0) {
			put_text(r, s + start, i - start);
			put_cp(r, cp);
			i += n;
			start = i;
			continue;
		}
		i++;
	}
	put_text(r, s + start, len - start);
}

static void newline(struct reader *r)
{
	if (r->text.len > 0 && r->text.data[r->text.len - 1] != '\n')
		buf_putc(&r->text, '\n');
	r->space = false;
}

/* An attribute value with entities decoded, from the pool. */
static char *attr_dup(struct reader *r, const char *v, size_t len)
{
	struct buf b;
	char *d;
	size_t i = 0, n;
	unsigned long cp;

	buf_init(&b);
	while (i < len) {
		if (v[i] == '&' && (n = spam_html_entity(v + i, len - i, &cp)) > 0) {
			char u[4];

			if (cp < 0x80)
				buf_putc(&b, (char)cp);
			else if (cp < 0x800) {
				u[0] = (char)(0xC0 | (cp >> 6));
				u[1] = (char)(0x80 | (cp & 0x3F));
				buf_append(&b, u, 2);
			} else
				buf_putc(&b, '?');
			i += n;
			continue;
		}
		buf_putc(&b, v[i++]);
	}
	d = pool_strndup(r->p, buf_str(&b), b.len);
	while (d != NULL && *d != '\0' && isspace((unsigned char)*d))
		d++;
	n = d != NULL ? strlen(d) : 0;
	while (n > 0 && isspace((unsigned char)d[n - 1]))
		d[--n] = '\0';
	if (d == NULL || b.oom)
		r->oom = true;
	buf_free(&b);
	return d;
}

struct attrs {
	const char *href, *src, *action, *color, *bgcolor, *style, *width, *height, *hidden;
};

static void read_attrs(struct reader *r, const char *s, size_t len, struct attrs *a)
{
	size_t i = 0;

	memset(a, 0, sizeof(*a));
	while (i < len) {
		size_t ns, nl, vs = 0, vl = 0;

		while (i < len && (isspace((unsigned char)s[i]) || s[i] == '/'))
			i++;
		ns = i;
		while (i < len && !isspace((unsigned char)s[i]) && s[i] != '=' && s[i] != '/')
			i++;
		nl = i - ns;
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i < len && s[i] == '=') {
			i++;
			while (i < len && isspace((unsigned char)s[i]))
				i++;
			if (i < len && (s[i] == '"' || s[i] == '\'')) {
				char q = s[i++];

				vs = i;
				while (i < len && s[i] != q)
					i++;
				vl = i - vs;
				if (i < len)
					i++;
			} else {
				vs = i;
				while (i < len && !isspace((unsigned char)s[i]))
					i++;
				vl = i - vs;
			}
		}
		if (nl == 0) {
			i++;
			continue;
		}
#define ATTR(n, field)                                                                             \
	if (nl == sizeof(n) - 1 && strncasecmp(s + ns, n, nl) == 0 && a->field == NULL)            \
		a->field = attr_dup(r, s + vs, vl);
		ATTR("href", href)
		ATTR("src", src)
		ATTR("action", action)
		ATTR("color", color)
		ATTR("bgcolor", bgcolor)
		ATTR("style", style)
		ATTR("width", width)
		ATTR("height", height)
		ATTR("hidden", hidden)
#undef ATTR
	}
}

static void add_src(struct reader *r, const char *src)
{
	const char **v;

	if (src == NULL || src[0] == '\0' || r->out->n_srcs >= SPAM_HTML_MAX_LINKS)
		return;
	if (r->out->n_srcs == r->cap_srcs) {
		r->cap_srcs = r->cap_srcs ? r->cap_srcs * 2 : 8;
		v = pool_alloc(r->p, r->cap_srcs * sizeof(*v));
		if (v == NULL) {
			r->oom = true;
			return;
		}
		if (r->out->n_srcs > 0)
			memcpy(v, r->out->srcs, r->out->n_srcs * sizeof(*v));
		r->out->srcs = v;
	}
	r->out->srcs[r->out->n_srcs++] = src;
}

static void end_anchor(struct reader *r)
{
	struct spam_link *v;

	if (!r->in_a)
		return;
	r->in_a = false;
	if (r->href == NULL || r->out->n_links >= SPAM_HTML_MAX_LINKS)
		return;
	if (r->out->n_links == r->cap_links) {
		r->cap_links = r->cap_links ? r->cap_links * 2 : 8;
		v = pool_alloc(r->p, r->cap_links * sizeof(*v));
		if (v == NULL) {
			r->oom = true;
			return;
		}
		if (r->out->n_links > 0)
			memcpy(v, r->out->links, r->out->n_links * sizeof(*v));
		r->out->links = v;
	}
	v = &r->out->links[r->out->n_links++];
	v->href = r->href;
	v->text = pool_strndup(r->p, buf_str(&r->anchor), r->anchor.len);
	if (v->text == NULL)
		r->oom = true;
}

/* What an opening tag does to the frame it opens. */
static void style_frame(struct frame *f, const struct attrs *a)
{
	const char *v;
	size_t n;

	if (a->color != NULL)
		f->fg = parse_color(a->color, strlen(a->color));
	if (a->bgcolor != NULL && parse_color(a->bgcolor, strlen(a->bgcolor)) != NO_COLOR)
		f->bg = parse_color(a->bgcolor, strlen(a->bgcolor));
	if (a->hidden != NULL)
		f->hidden = true;
	if (a->style == NULL)
		return;
	if ((v = css_value(a->style, "color", &n)) != NULL)
		f->fg = parse_color(v, n);
	if ((v = css_value(a->style, "background-color", &n)) != NULL ||
	    (v = css_value(a->style, "background", &n)) != NULL) {
		long c = parse_color(v, n);

		if (c != NO_COLOR)
			f->bg = c;
	}
	if ((v = css_value(a->style, "display", &n)) != NULL && strncasecmp(v, "none", 4) == 0)
		f->hidden = true;
	if ((v = css_value(a->style, "visibility", &n)) != NULL && strncasecmp(v, "hidden", 6) == 0)
		f->hidden = true;
	if ((v = css_value(a->style, "font-size", &n)) != NULL && tiny_font(v, n))
		f->hidden = true;
	if ((v = css_value(a->style, "opacity", &n)) != NULL && strtod(v, NULL) < 0.05 &&
	    isdigit((unsigned char)*v))
		f->hidden = true;
}

static void open_tag(struct reader *r, const struct tagdef *td, const char *name,
                     const struct attrs *a)
{
	struct frame nf = *top(r);

	r->out->tags |= td != NULL ? td->bit : 0;
	if (strcmp(name, "a") == 0 || strcmp(name, "area") == 0) {
		end_anchor(r);
		if (a->href != NULL) {
			r->in_a = name[1] == '\0';
			r->href = a->href;
			buf_reset(&r->anchor);
			if (!r->in_a) { /* <area>: a link with no text */
				r->in_a = true;
				end_anchor(r);
			}
		}
	} else if (strcmp(name, "img") == 0) {
		long w = a->width != NULL ? strtol(a->width, NULL, 10) : -1;
		long h = a->height != NULL ? strtol(a->height, NULL, 10) : -1;

		r->out->n_images++;
		if ((a->width != NULL && w <= 2) || (a->height != NULL && h <= 2))
			r->out->n_tiny_images++;
		add_src(r, a->src);
	} else if (strcmp(name, "form") == 0) {
		r->out->n_forms++;
		add_src(r, a->action);
	} else if (strcmp(name, "script") == 0) {
		r->out->n_scripts++;
	} else if (strcmp(name, "iframe") == 0 || strcmp(name, "embed") == 0 ||
	           strcmp(name, "frame") == 0) {
		add_src(r, a->src);
	}
	if (td != NULL && (td->flags & T_BLOCK))
		newline(r);
	if (td != NULL && (td->flags & T_SPACE))
		r->space = true;
	if (td != NULL && (td->flags & T_VOID))
		return;
	style_frame(&nf, a);
	if (strcmp(name, "body") == 0) {
		top(r)->bg = nf.bg; /* the page colour: everything inherits it */
		top(r)->fg = nf.fg;
	}
	nf.tag = td;
	if (td != NULL && (td->flags & T_NOTEXT))
		r->notext++;
	if (r->depth < MAX_STACK)
		r->stack[r->depth++] = nf;
	else if (td != NULL && (td->flags & T_NOTEXT))
		r->notext--; /* not pushed: never popped */
}

static void close_tag(struct reader *r, const struct tagdef *td, const char *name)
{
	size_t i;

	if (strcmp(name, "a") == 0)
		end_anchor(r);
	if (td != NULL && (td->flags & (T_BLOCK | T_SPACE)))
		newline(r);
	if (td == NULL)
		return;
	for (i = r->depth; i-- > 1;) {
		if (r->stack[i].tag != td)
			continue;
		while (r->depth > i) {
			const struct tagdef *t = r->stack[--r->depth].tag;

			if (t != NULL && (t->flags & T_NOTEXT) && r->notext > 0)
				r->notext--;
		}
		return;
	}
}

/* The tag at s[0] == '<'; returns the bytes it takes, 0 if it is text. */
static size_t read_tag(struct reader *r, const char *s, size_t len)
{
	char name[16];
	size_t i = 1, n = 0, end;
	bool closing = false, quote = false;
	char q = 0, prev = 0;
	struct attrs a;

	if (len >= 4 && memcmp(s, "<!--", 4) == 0) {
		const char *e = memmem(s + 4, len - 4, "-->", 3);

		r->out->n_comments++;
		return e != NULL ? (size_t)(e - s) + 3 : len;
	}
	if (i < len && (s[i] == '!' || s[i] == '?')) {
		const char *e = memchr(s, '>', len);

		return e != NULL ? (size_t)(e - s) + 1 : len;
	}
	if (i < len && s[i] == '/')
		closing = true, i++;
	if (i >= len || !isalpha((unsigned char)s[i]))
		return 0;
	while (i < len && (isalnum((unsigned char)s[i]) || s[i] == ':' || s[i] == '-')) {
		if (n + 1 < sizeof(name))
			name[n++] = (char)tolower((unsigned char)s[i]);
		i++;
	}
	name[n] = '\0';
	/* A quote opens a value only right after '=' (white space between
	 * allowed); a stray quote elsewhere must not swallow the '>'. */
	for (end = i; end < len && end < MAX_TAG_BYTES; end++) {
		char c = s[end];

		if (quote) {
			if (c == q)
				quote = false;
			continue;
		}
		if ((c == '"' || c == '\'') && prev == '=')
			quote = true, q = c;
		else if (c == '>')
			break;
		if (!isspace((unsigned char)c))
			prev = c;
	}
	if (end >= len || end >= MAX_TAG_BYTES) {
		r->out->n_bad_tags++;
		if (end >= MAX_TAG_BYTES)
			return 0;
		end = len; /* a tag running to the end of the text */
	}
	r->out->n_tags++;
	if (closing)
		close_tag(r, tag_lookup(name), name);
	else {
		read_attrs(r, s + i, end - i, &a);
		open_tag(r, tag_lookup(name), name, &a);
	}
	return end < len ? end + 1 : len;
}

int spam_html_reduce(const char *html, size_t len, struct pool *p, struct spam_html *out)
{
	struct reader r = {.p = p, .out = out};
	size_t i = 0, start = 0, n;

	memset(out, 0, sizeof(*out));
	buf_init(&r.text);
	buf_init(&r.anchor);
	r.stack[0] = (struct frame){NULL, BLACK, WHITE, false};
	r.depth = 1;
	while (i < len && !r.oom) {
		const char *lt = memchr(html + i, '<', len - i);

		if (lt == NULL)
			break;
		i = (size_t)(lt - html);
		/* The text before the tag, before the tag changes how it shows. */
		put_decoded(&r, html + start, i - start);
		start = i;
		n = read_tag(&r, html + i, len - i);
		if (n == 0) {
			i++; /* a '<' that starts no tag is text */
			continue;
		}
		i += n;
		start = i;
	}
	put_decoded(&r, html + start, len - start);
	end_anchor(&r);
	out->text = pool_strndup(p, buf_str(&r.text), r.text.len);
	out->len = r.text.len;
	if (out->text == NULL || r.text.oom || r.anchor.oom)
		r.oom = true;
	buf_free(&r.text);
	buf_free(&r.anchor);
	return r.oom ? -1 : 0;
}
