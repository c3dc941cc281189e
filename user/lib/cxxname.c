// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cxxname.h"

/* Longer demangled names (a crafted symbol can expand) are cut, not parsed. */
#define CXXNAME_MAX_PARSE 16384

static bool ident(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* Operators, the longest spelling first so that "<<=" is not read as "<<". */
static const char *const op_symbols[] = {
	"()", "[]", "<<=", ">>=", "<=>", "->*", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
	"++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "->", "\"\"", ",", "<", ">",
	"+", "-", "*", "/", "%", "&", "|", "^", "~", "!", "=",
};

/*
 * At s[i], the keyword "operator" (not part of a longer word): the length of the operator's
 * name ("operator<<", "operator new[]", "operator()"), and *conversion set for a conversion
 * operator ("operator bool"), whose name runs to the end. 0 when s[i] starts no operator.
 */
static size_t operator_at(const char *s, size_t i, bool *conversion)
{
	size_t n = 8;

	*conversion = false;
	if ((i && ident(s[i - 1])) || strncmp(s + i, "operator", 8) || ident(s[i + 8]))
		return 0;
	if (s[i + n] == ' ') {
		if (!strncmp(s + i + n + 1, "new", 3) || !strncmp(s + i + n + 1, "delete", 6)) {
			n += 1 + (s[i + n + 1] == 'n' ? 3 : 6);
			if (!strncmp(s + i + n, "[]", 2))
				n += 2;
			return n;
		}
		*conversion = true;
		return n;
	}
	for (size_t k = 0; k < sizeof(op_symbols) / sizeof(op_symbols[0]); k++) {
		size_t l = strlen(op_symbols[k]);

		if (!strncmp(s + i + n, op_symbols[k], l))
			return n + l;
	}
	return n;
}

/* Delete every occurrence of `what` that follows "::" (an inner namespace) from s. */
static void remove_inner(char *s, const char *what)
{
	size_t l = strlen(what);
	char *p = s;

	while ((p = strstr(p, what))) {
		if (p - s >= 2 && p[-1] == ':' && p[-2] == ':')
			memmove(p, p + l, strlen(p + l) + 1);
		else
			p += l;
	}
}

/* Delete each "[abi:...]" and " [clone ...]". */
static void remove_brackets(char *s, const char *open)
{
	char *p, *end;

	while ((p = strstr(s, open)) && (end = strchr(p, ']')))
		memmove(p, end + 1, strlen(end + 1) + 1);
}

/* The '>' that closes the '<' at s[i] (parentheses inside skipped), or 0. */
static size_t closing_angle(const char *s, size_t i)
{
	int angle = 0, paren = 0;

	for (; s[i]; i++) {
		bool conv;
		size_t op = operator_at(s, i, &conv);

		if (op && !conv) {
			i += op - 1;
			continue;
		}
		if (s[i] == '(')
			paren++;
		else if (s[i] == ')')
			paren--;
		else if (!paren && s[i] == '<')
			angle++;
		else if (!paren && s[i] == '>' && !--angle)
			return i;
	}
	return 0;
}

/* The standard streams and strings of char and wchar_t, by the names people write. */
static const struct {
	const char *tmpl;	/* after "std::basic_" */
	bool alloc;		/* its arguments end with std::allocator<C> */
} aliases[] = {
	{ "string", true }, { "stringbuf", true }, { "istringstream", true },
	{ "ostringstream", true }, { "stringstream", true }, { "string_view", false },
	{ "ostream", false }, { "istream", false }, { "iostream", false }, { "ios", false },
	{ "streambuf", false }, { "filebuf", false }, { "ifstream", false }, { "ofstream", false },
	{ "fstream", false },
};

/* Whether args (without spaces) are <C, std::char_traits<C>[, std::allocator<C>]>. */
static bool standard_args(const char *args, size_t len, const char *c, bool alloc)
{
	char want[128];
	int n = alloc ? snprintf(want, sizeof(want), "<%s,std::char_traits<%s>,std::allocator<%s>>",
				 c, c, c)
		      : snprintf(want, sizeof(want), "<%s,std::char_traits<%s>>", c, c);

	return (size_t)n == len && !memcmp(args, want, len);
}

/* "std::basic_string<char, std::char_traits<char>, std::allocator<char> >" -> "std::string". */
static void use_aliases(char *s)
{
	char *p = s, *squeezed;

	while ((p = strstr(p, "std::basic_"))) {
		char *t = p + 11;
		size_t tl = 0, close;
		bool done = false;

		while (ident(t[tl]))
			tl++;
		if (t[tl] != '<' || (p > s && (ident(p[-1]) || p[-1] == ':'))) {
			p = t;
			continue;
		}
		close = closing_angle(t, tl);
		squeezed = close ? malloc(close - tl + 2) : NULL;
		if (squeezed) {
			size_t n = 0;

			for (size_t i = tl; i <= close; i++) {
				if (t[i] != ' ')
					squeezed[n++] = t[i];
			}
			for (size_t a = 0; !done && a < sizeof(aliases) / sizeof(aliases[0]); a++) {
				bool w;

				if (strlen(aliases[a].tmpl) != tl || strncmp(t, aliases[a].tmpl, tl))
					continue;
				if (standard_args(squeezed, n, "char", aliases[a].alloc))
					w = false;
				else if (standard_args(squeezed, n, "wchar_t", aliases[a].alloc))
					w = true;
				else
					break;
				/* "std::" + maybe "w" + the alias, over "std::basic_...<...>" */
				memmove(p + 5 + w, t, tl);
				if (w)
					p[5] = 'w';
				memmove(p + 5 + w + tl, t + close + 1, strlen(t + close + 1) + 1);
				done = true;
			}
			free(squeezed);
		}
		p = done ? p + 5 : t;
	}
}

/* Drop trailing " const", " volatile", " &", " &&", " noexcept". */
static void strip_qualifiers(char *s)
{
	static const char *const quals[] = { " const", " volatile", " &&", " &", " noexcept" };
	bool again = true;

	while (again) {
		size_t n = strlen(s);

		again = false;
		for (size_t k = 0; k < sizeof(quals) / sizeof(quals[0]); k++) {
			size_t l = strlen(quals[k]);

			if (n >= l && !strcmp(s + n - l, quals[k])) {
				s[n - l] = '\0';
				again = true;
				break;
			}
		}
	}
}

/* The '(' that opens the ')' at s[end], or -1. */
static long opening_paren(const char *s, size_t end)
{
	int depth = 0;

	for (long i = (long)end; i >= 0; i--) {
		if (s[i] == ')')
			depth++;
		else if (s[i] == '(' && !--depth)
			return i;
	}
	return -1;
}

/* Cut the parameter list; a function returning a function pointer, "R (*f(A))(B)", is f. */
static char *strip_params(char *s, int depth)
{
	size_t n;
	long open;

	strip_qualifiers(s);
	n = strlen(s);
	if (!n || s[n - 1] != ')' || depth > 4)
		return s;
	open = opening_paren(s, n - 1);
	if (open < 0)
		return s;
	/* "operator()" without parameters: those parentheses are its name. */
	if (open >= 8 && !strncmp(s + open - 8, "operator", 8) && (size_t)open + 2 == n)
		return s;
	s[open] = '\0';
	n = strlen(s);
	/* What is left ends in ")": "R (*f(A))", the function pointer's declarator. */
	if (n && s[n - 1] == ')') {
		long inner = opening_paren(s, n - 1);

		if (inner >= 0 && (s[inner + 1] == '*' || s[inner + 1] == '&')) {
			s[n - 1] = '\0';
			return strip_params(s + inner + 2, depth + 1);
		}
	}
	return s;
}

/* Where the name starts past its return type: after the last space outside brackets. */
static char *skip_return_type(char *s)
{
	size_t start = 0;
	int depth = 0;

	for (size_t i = 0; s[i]; i++) {
		bool conv;
		size_t op = operator_at(s, i, &conv);

		if (op) {
			if (conv)
				break; /* "operator std::string": the rest is its name */
			i += op - 1;
			if (s[i + 1] == ' ' && s[i + 2] == '<')
				i++; /* "operator<< <...>" */
			continue;
		}
		if (strchr("<([{", s[i]))
			depth++;
		else if (strchr(">)]}", s[i]) && depth)
			depth--;
		else if (s[i] == ' ' && !depth)
			start = i + 1;
	}
	return s + start;
}

/* Copy s into buf with each outermost template argument list as "<…>". */
static void elide_templates(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; s[i] && o + 1 < len; i++) {
		bool conv;
		size_t op = operator_at(s, i, &conv), close;

		if (op && !conv) {
			for (size_t k = 0; k < op && o + 1 < len; k++)
				buf[o++] = s[i + k];
			i += op - 1;
			continue;
		}
		if (s[i] == '<' && (close = closing_angle(s, i))) {
			const char *e = "<" LT_CXX_ELLIPSIS ">";

			if (o + strlen(e) >= len)
				break;
			memcpy(buf + o, e, strlen(e));
			o += strlen(e);
			i = close;
			continue;
		}
		buf[o++] = s[i];
	}
	buf[o] = '\0';
}

const char *cxxname__shorten(const char *name, char *buf, size_t len)
{
	char *work, *s;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (!name)
		return buf;
	/*
	 * C names, and anything without C++'s marks, stay as they are; so does a name too long to
	 * be parsed in time (the passes below are quadratic in the worst case).
	 */
	if (!strpbrk(name, ":<(") || strlen(name) > CXXNAME_MAX_PARSE || !(work = strdup(name))) {
		snprintf(buf, len, "%s", name);
		return buf;
	}
	/* The standard library's inline namespaces: libstdc++'s, and libc++'s. */
	remove_inner(work, "__cxx11::");
	remove_inner(work, "_V2::");
	remove_inner(work, "__1::");
	remove_brackets(work, "[abi:");
	remove_brackets(work, " [clone ");
	use_aliases(work);
	s = skip_return_type(strip_params(work, 0));
	elide_templates(s, buf, len);
	if (!buf[0])
		snprintf(buf, len, "%s", name);
	free(work);
	return buf;
}
