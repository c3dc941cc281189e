/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Demangled C++ names, short enough for a table cell. A frame of libstdc++ reads
 * "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::reserve(
 * unsigned long)" in full; shortened, "std::string::reserve". The files (folded, pprof, JSON)
 * keep the full names; the table and the summary show these unless --full-names.
 */
#ifndef LEAKTOP_CXXNAME_H
#define LEAKTOP_CXXNAME_H

#include <stddef.h>

/* The ellipsis that stands for elided template arguments: "<…>". */
#define LT_CXX_ELLIPSIS "\xe2\x80\xa6"

/*
 * `name` shortened into buf (at most len - 1 bytes, cut there): without its parameters,
 * return type, trailing qualifiers, ABI tags ("[abi:cxx11]") and clone suffixes
 * ("[clone .cold]"); without the standard library's inline namespaces (__cxx11::, _V2::,
 * libc++'s __1::); std::basic_string<char, std::char_traits<char>, std::allocator<char> > and the
 * other char and wchar_t streams and strings by their usual names (std::string,
 * std::ostringstream, std::wostream, ...); every other template argument list as "<…>".
 * Operators keep their symbols ("operator<<", "operator()"), lambdas their "{lambda(int)#1}".
 * A name that is not C++ (C, Python) comes back as it is. Returns buf.
 */
const char *cxxname__shorten(const char *name, char *buf, size_t len);

#endif /* LEAKTOP_CXXNAME_H */
