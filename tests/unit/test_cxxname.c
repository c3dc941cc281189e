// SPDX-License-Identifier: GPL-2.0
/*
 * Short C++ names for the table, from real demangled names: libstdc++'s own (from
 * libstdc++.so.6's symbols through c++filt), and a program's (nested templates, lambdas,
 * operators, function pointers, ABI tags, clones).
 */
#include "cxxname.h"
#include "test.h"

#define E LT_CXX_ELLIPSIS

static const struct {
	const char *full, *want, *what;
} cases[] = {
	{ "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::reserve("
	  "unsigned long)",
	  "std::string::reserve", "std::string, inline namespace gone" },
	{ "std::__cxx11::basic_stringbuf<char, std::char_traits<char>, std::allocator<char> >::"
	  "overflow(int)",
	  "std::stringbuf::overflow", "std::stringbuf" },
	{ "std::__cxx11::basic_ostringstream<char, std::char_traits<char>, std::allocator<char> >::"
	  "basic_ostringstream()",
	  "std::ostringstream::basic_ostringstream", "std::ostringstream's constructor" },
	{ "std::basic_ostream<char, std::char_traits<char> >& std::__ostream_insert<char, "
	  "std::char_traits<char> >(std::basic_ostream<char, std::char_traits<char> >&, char const*, "
	  "long)",
	  "std::__ostream_insert<" E ">", "return type and function template arguments" },
	{ "std::basic_ostream<char, std::char_traits<char> >& std::operator<< <std::char_traits<char> "
	  ">(std::basic_ostream<char, std::char_traits<char> >&, char const*)",
	  "std::operator<< <" E ">", "operator<< as a function template" },
	{ "std::basic_ostream<char, std::char_traits<char> >::operator<<(std::basic_ostream<char, "
	  "std::char_traits<char> >& (*)(std::basic_ostream<char, std::char_traits<char> >&))",
	  "std::ostream::operator<<", "operator<< taking a function pointer" },
	{ "bool std::operator< <char, std::char_traits<char>, std::allocator<char> >(std::__cxx11::"
	  "basic_string<char, std::char_traits<char>, std::allocator<char> > const&, char const*)",
	  "std::operator< <" E ">", "operator<" },
	{ "Logger::write_jsonl(std::__cxx11::basic_string<char, std::char_traits<char>, "
	  "std::allocator<char> > const&)",
	  "Logger::write_jsonl", "a method: parameters gone" },
	{ "void std::vector<std::__cxx11::basic_string<char, std::char_traits<char>, "
	  "std::allocator<char> >, std::allocator<std::__cxx11::basic_string<char, "
	  "std::char_traits<char>, std::allocator<char> > > >::_M_realloc_insert<std::__cxx11::"
	  "basic_string<char, std::char_traits<char>, std::allocator<char> > >(__gnu_cxx::"
	  "__normal_iterator<std::__cxx11::basic_string<char, std::char_traits<char>, "
	  "std::allocator<char> >*, std::vector<std::__cxx11::basic_string<char, "
	  "std::char_traits<char>, std::allocator<char> >, std::allocator<std::__cxx11::"
	  "basic_string<char, std::char_traits<char>, std::allocator<char> > > > >, std::__cxx11::"
	  "basic_string<char, std::char_traits<char>, std::allocator<char> >&&)",
	  "std::vector<" E ">::_M_realloc_insert<" E ">", "nested templates" },
	{ "std::_Function_handler<void (int), main::{lambda(int)#2}>::_M_invoke(std::_Any_data "
	  "const&, int&&)",
	  "std::_Function_handler<" E ">::_M_invoke", "a function type and a lambda as arguments" },
	{ "main::{lambda(int)#1}::operator()(int) const", "main::{lambda(int)#1}::operator()",
	  "a lambda's call operator" },
	{ "Server::run()::{lambda(std::vector<int, std::allocator<int> > const&)#3}::operator()("
	  "std::vector<int, std::allocator<int> > const&) const",
	  "Server::run()::{lambda(std::vector<" E "> const&)#3}::operator()",
	  "a lambda in a method, with a template parameter" },
	{ "main::{lambda(int)#2} const& std::_Any_data::_M_access<main::{lambda(int)#2}>() const",
	  "std::_Any_data::_M_access<" E ">", "a lambda as return type" },
	{ "std::less<int>::operator()(int const&, int const&) const", "std::less<" E ">::operator()",
	  "operator()" },
	{ "std::_Rb_tree_node<std::pair<int const, std::vector<int, std::allocator<int> > > >* "
	  "std::_Rb_tree<int, std::pair<int const, std::vector<int, std::allocator<int> > >, "
	  "std::_Select1st<std::pair<int const, std::vector<int, std::allocator<int> > > >, "
	  "std::less<int>, std::allocator<std::pair<int const, std::vector<int, std::allocator<int> > "
	  "> > >::_Alloc_node::operator()<std::pair<int const, std::vector<int, std::allocator<int> > "
	  "> const&>(std::pair<int const, std::vector<int, std::allocator<int> > > const&) const",
	  "std::_Rb_tree<" E ">::_Alloc_node::operator()<" E ">", "operator() as a template" },
	{ "std::map<int, int, std::less<int>, std::allocator<std::pair<int const, int> > >::"
	  "operator[](int const&)",
	  "std::map<" E ">::operator[]", "operator[]" },
	{ "std::__shared_ptr<Order, (__gnu_cxx::_Lock_policy)2>::operator->() const",
	  "std::__shared_ptr<" E ">::operator->", "operator-> and a cast in the arguments" },
	{ "void (*pick<int>(int))(int)", "pick<" E ">", "returning a function pointer" },
	{ "qsort_with(void (*)(void*, void*), int)", "qsort_with", "a function pointer parameter" },
	{ "(anonymous namespace)::Cache::get(int)", "(anonymous namespace)::Cache::get",
	  "an anonymous namespace" },
	{ "std::_V2::error_category::_M_message[abi:cxx11](int) const",
	  "std::error_category::_M_message", "an ABI tag, and the _V2 inline namespace" },
	{ "std::filesystem::__cxx11::path::_List::_Impl_deleter::operator()(std::filesystem::__cxx11::"
	  "path::_List::_Impl*) const",
	  "std::filesystem::path::_List::_Impl_deleter::operator()", "__cxx11 deeper in" },
	{ "std::__cxx11::basic_string<wchar_t, std::char_traits<wchar_t>, std::allocator<wchar_t> "
	  ">::operator std::basic_string_view<wchar_t, std::char_traits<wchar_t> >() const",
	  "std::wstring::operator std::wstring_view", "a conversion operator, wide strings" },
	{ "std::__1::basic_string<char, std::__1::char_traits<char>, std::__1::allocator<char> >::"
	  "__grow_by(unsigned long, unsigned long, unsigned long, unsigned long, unsigned long, "
	  "unsigned long)",
	  "std::string::__grow_by", "libc++'s inline namespace" },
	{ "operator new(unsigned long)", "operator new", "operator new" },
	{ "operator delete[](void*, unsigned long)", "operator delete[]", "operator delete[]" },
	{ "transaction clone for operator new[](unsigned long)", "operator new[]",
	  "a prefix before an operator" },
	{ "handle_event(int) [clone .cold]", "handle_event", "a clone suffix" },
	{ "Foo::bar(int) [clone .isra.0] [clone .cold]", "Foo::bar", "two clone suffixes" },
	{ "alloc::raw_vec::RawVec<T,A>::reserve_for_push", "alloc::raw_vec::RawVec<" E
	  ">::reserve_for_push", "Rust" },
	{ "leak_malloc", "leak_malloc", "C stays as it is" },
	{ "__libc_start_call_main", "__libc_start_call_main", "C with underscores" },
	{ "broken<int(", "broken<int(", "unbalanced: left as it is" },
	{ "std::vector<int", "std::vector<int", "no closing angle" },
};

static void test_real_names(void)
{
	char buf[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ASSERT_STREQ(cxxname__shorten(cases[i].full, buf, sizeof(buf)), cases[i].want,
			     cases[i].what);
}

static void test_bounds(void)
{
	char small[12], one[1];

	ASSERT_STREQ(cxxname__shorten("Logger::write_jsonl(int)", small, sizeof(small)),
		     "Logger::wri", "cut at the buffer");
	ASSERT_STREQ(cxxname__shorten("std::vector<int, std::allocator<int> >::push_back(int&&)",
				      small, sizeof(small)),
		     "std::vector", "no half ellipsis");
	ASSERT_STREQ(cxxname__shorten("f(int)", one, sizeof(one)), "", "room for the NUL only");
	ASSERT_STREQ(cxxname__shorten(NULL, small, sizeof(small)), "", "NULL");
}

TEST_MAIN(TEST(test_real_names), TEST(test_bounds))
