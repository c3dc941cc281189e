// SPDX-License-Identifier: GPL-2.0
/*
 * Which frame names a stack: the first in the program's own code, past the allocator, the C
 * and C++ runtime (their files, and their templates instantiated in the program), the
 * interpreter, and what the user adds with --config runtime=.
 */
#include "frames.h"
#include "report.h"
#include "test.h"

static const struct lt_module exe = { .path = "/srv/bin/logger", .base = "logger", .is_exe = true };
static const struct lt_module libc = { .path = "/usr/lib/x86_64-linux-gnu/libc.so.6",
				       .base = "libc.so.6" };
static const struct lt_module libstdcxx = { .path = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
					    .base = "libstdc++.so.6" };
static const struct lt_module libcrypto = { .path = "/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
					    .base = "libcrypto.so.3" };
static const struct lt_module libssl = { .path = "/usr/lib/x86_64-linux-gnu/libssl.so.3",
					 .base = "libssl.so.3" };
static const struct lt_module python = { .path = "/usr/bin/python3.11", .base = "python3.11",
					 .is_exe = true };
static const struct lt_module node = { .path = "/usr/bin/node", .base = "node", .is_exe = true };

/* A native frame as frames__name_stack leaves it: class and runtime mark set. */
static struct lt_frame native(const struct lt_frames *fr, const char *func,
			      const struct lt_module *mod)
{
	struct lt_frame f = { .ip = 0x1000, .func = func, .module = mod->base, .mod = mod };

	f.cls = report__frame_class(func, mod);
	f.runtime = frames__is_runtime(fr, &f);
	return f;
}

static struct lt_frame jit(const struct lt_frames *fr, const char *func)
{
	struct lt_frame f = { .ip = 0x2000, .func = func, .module = "jit" };

	f.runtime = frames__is_runtime(fr, &f);
	return f;
}

static struct lt_frame py(const char *func)
{
	return (struct lt_frame){ .ip = 0xc100000000000001, .func = func, .module = "python",
				  .cls = LT_FRAME_PYTHON, .file = "/srv/app.py", .line = 3 };
}

/* Own frame's and via frame's names, or "-" for none. */
static void check(const struct lt_frame *f, size_t n, const char *own_want, const char *via_want,
		  const char *what)
{
	const struct lt_frame *via, *own = frames__own_frame(f, n, &via);
	char name[96];

	snprintf(name, sizeof(name), "%s: own", what);
	ASSERT_STREQ(own ? own->func : "-", own_want, name);
	snprintf(name, sizeof(name), "%s: via", what);
	ASSERT_STREQ(via ? via->func : "-", via_want, name);
}

static void test_cxx_through_libstdcxx(void)
{
	struct lt_frames fr = { 0 };
	struct lt_frame f[] = {
		native(&fr, "operator new(unsigned long)", &libstdcxx),
		native(&fr, "std::__cxx11::basic_string<char, std::char_traits<char>, "
			    "std::allocator<char> >::reserve(unsigned long)", &libstdcxx),
		native(&fr, "std::__cxx11::basic_stringbuf<char, std::char_traits<char>, "
			    "std::allocator<char> >::overflow(int)", &libstdcxx),
		native(&fr, "std::basic_ostream<char, std::char_traits<char> >& std::operator<< "
			    "<std::char_traits<char> >(std::basic_ostream<char, std::char_traits<char>"
			    " >&, char const*)", &libstdcxx),
		native(&fr, "Logger::write_jsonl(std::__cxx11::basic_string<char, "
			    "std::char_traits<char>, std::allocator<char> > const&)", &exe),
		native(&fr, "main", &exe),
		native(&fr, "__libc_start_call_main", &libc),
	};

	check(f, 7, f[4].func, f[3].func, "through libstdc++");
	ASSERT_TRUE(f[0].runtime && f[1].runtime && f[6].runtime && !f[5].runtime, "marks");
}

static void test_templates_in_the_program(void)
{
	struct lt_frames fr = { 0 };
	struct lt_frame f[] = {
		native(&fr, "operator new(unsigned long)", &libstdcxx),
		native(&fr, "void std::vector<shop::Order*, std::allocator<shop::Order*> >::"
			    "_M_realloc_insert<shop::Order*>(__gnu_cxx::__normal_iterator<shop::Order**,"
			    " std::vector<shop::Order*, std::allocator<shop::Order*> > >, "
			    "shop::Order*&&)", &exe),
		native(&fr, "shop::remember_orders(std::vector<shop::Order*, "
			    "std::allocator<shop::Order*> >&)", &exe),
		native(&fr, "main", &exe),
	};

	check(f, 4, f[2].func, f[1].func, "std:: instantiated in the program");
}

static void test_c(void)
{
	struct lt_frames fr = { 0 };
	struct lt_frame direct[] = { native(&fr, "leak_malloc", &exe), native(&fr, "main", &exe) };
	struct lt_frame strdup_[] = { native(&fr, "__strdup", &libc), native(&fr, "leak_dup", &exe) };
	struct lt_frame sock[] = { native(&fr, "__socket", &libc), native(&fr, "connect_up", &exe),
				   native(&fr, "_start", &exe) };
	struct lt_frame all[] = { native(&fr, "_IO_file_doallocate", &libc),
				  native(&fr, "__libc_start_main", &libc), native(&fr, "_start", &exe) };

	check(direct, 2, "leak_malloc", "-", "malloc called by the program");
	check(strdup_, 2, "leak_dup", "__strdup", "through strdup");
	check(sock, 3, "connect_up", "__socket", "a socket");
	check(all, 3, "_IO_file_doallocate", "-", "all runtime: the innermost");
	ASSERT_TRUE(!frames__own_frame(NULL, 0, NULL), "no frames, no own frame");
}

static void test_interpreters(void)
{
	struct lt_frames fr = { 0 };
	struct lt_frame pyf[] = {
		native(&fr, "PyObject_Malloc", &python), native(&fr, "PyList_Append", &python),
		py("SessionStore.remember"), py("handle"), native(&fr, "main", &python),
	};
	struct lt_frame js[] = {
		native(&fr, "node::Buffer::New(v8::Isolate*, unsigned long)", &node),
		jit(&fr, "Builtin:ArrayPrototypePush"), jit(&fr, "JS:~leakBuffer /srv/app.js:8:3"),
		jit(&fr, "JS:~main /srv/app.js:20:1"),
	};
	struct lt_frame native_node[] = {
		native(&fr, "node::Buffer::New(v8::Isolate*, unsigned long)", &node),
		native(&fr, "main", &node),
	};

	check(pyf, 5, "SessionStore.remember", "-", "Python: its innermost frame");
	check(js, 4, "JS:~leakBuffer /srv/app.js:8:3", "-", "JavaScript: past node and V8");
	check(native_node, 2, "node::Buffer::New(v8::Isolate*, unsigned long)", "-",
	      "node without JavaScript frames: its own code");
	ASSERT_TRUE(js[1].runtime && !js[2].runtime, "a builtin is V8's, a JS function is not");
}

/* JavaScript frames from V8's own metadata (LT_FRAME_JS): node's own modules are runtime. */
static struct lt_frame jsf(const struct lt_frames *fr, const char *func, const char *file)
{
	struct lt_frame f = { .ip = 0x3000, .func = func, .module = "js", .cls = LT_FRAME_JS,
			      .file = file, .line = 8 };

	f.runtime = frames__is_runtime(fr, &f);
	return f;
}

static void test_javascript(void)
{
	struct lt_frames fr = { 0 };
	struct lt_frame f[] = {
		native(&fr, "node::Buffer::New(v8::Isolate*, unsigned long)", &node),
		jsf(&fr, "ArrayPrototypePush", NULL), jsf(&fr, "alloc", "node:buffer"),
		jsf(&fr, "leakBuffer", "/srv/app.js"), jsf(&fr, "main", "/srv/app.js"),
	};
	struct lt_frame internal_only[] = {
		native(&fr, "node::Buffer::New(v8::Isolate*, unsigned long)", &node),
		jsf(&fr, "alloc", "node:buffer"), native(&fr, "uv_run", &node),
	};

	check(f, 5, "leakBuffer", "-", "the program's JavaScript, past node:buffer and a builtin");
	ASSERT_TRUE(f[1].runtime && f[2].runtime && !f[3].runtime, "marks");
	check(internal_only, 3, "alloc", "-", "only node's own JavaScript: that");
}

static void test_user_additions(void)
{
	static const char adds[][LT_RUNTIME_NAME] = { "libcrypto", "libssl", "boost::" };
	struct lt_frames none = { 0 }, fr = { .runtime = adds, .nruntime = 3 };
	struct lt_frame f[] = {
		native(&none, "CRYPTO_malloc", &libcrypto), native(&none, "SSL_new", &libssl),
		native(&none, "accept_conn", &exe),
	};
	struct lt_frame g[] = {
		native(&fr, "CRYPTO_malloc", &libcrypto), native(&fr, "SSL_new", &libssl),
		native(&fr, "accept_conn", &exe),
	};
	struct lt_frame b[] = {
		native(&fr, "operator new(unsigned long)", &libstdcxx),
		native(&fr, "boost::asio::detail::thread_info_base::allocate(unsigned long)", &exe),
		native(&fr, "Session::read()", &exe),
	};

	check(f, 3, "CRYPTO_malloc", "-", "libcrypto is not runtime by default");
	check(g, 3, "accept_conn", "SSL_new", "runtime=libcrypto,libssl");
	check(b, 3, "Session::read()", "boost::asio::detail::thread_info_base::allocate(unsigned long)",
	      "runtime=boost::");
}

/* The label the table and the summary print. */
static void test_label(void)
{
	struct lt_frames fr = { 0 };
	struct lt_frame f[] = {
		native(&fr, "operator new(unsigned long)", &libstdcxx),
		native(&fr, "std::basic_ostream<char, std::char_traits<char> >& std::operator<< "
			    "<std::char_traits<char> >(std::basic_ostream<char, std::char_traits<char>"
			    " >&, char const*)", &libstdcxx),
		native(&fr, "Logger::write_jsonl(std::__cxx11::basic_string<char, "
			    "std::char_traits<char>, std::allocator<char> > const&)", &exe),
	};
	struct lt_row row = { .frames = f, .nframes = 3 };
	char buf[512];

	f[2].offset = 0x4e;
	report__own_label(buf, sizeof(buf), &row, false);
	ASSERT_STREQ(buf, "Logger::write_jsonl+0x4e [logger] via std::operator<< <" "\xe2\x80\xa6" ">",
		     "short label");
	report__own_label(buf, sizeof(buf), &row, true);
	ASSERT_STREQ(buf, "Logger::write_jsonl(std::__cxx11::basic_string<char, std::char_traits<char>"
			  ", std::allocator<char> > const&)+0x4e [logger] via std::basic_ostream<char, "
			  "std::char_traits<char> >& std::operator<< <std::char_traits<char> >("
			  "std::basic_ostream<char, std::char_traits<char> >&, char const*)",
		     "--full-names label");
}

TEST_MAIN(TEST(test_cxx_through_libstdcxx), TEST(test_templates_in_the_program), TEST(test_c),
	  TEST(test_interpreters), TEST(test_javascript), TEST(test_user_additions), TEST(test_label))
