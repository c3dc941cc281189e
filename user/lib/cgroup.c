// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup.h"
#include "util.h"

#define ID_LEN	     64
#define UID_LEN	     36
/* include/linux/exportfs.h: kernfs handles carry the 64-bit node id, the cgroup id. */
#define FILEID_KERNFS 0xfe

/* A span of text: a path component or a field of a line, not NUL-terminated. */
struct span {
	const char *s;
	size_t n;
};

static bool span_is(struct span c, const char *str)
{
	return c.n == strlen(str) && !memcmp(c.s, str, c.n);
}

/* The component that ends at *end in [path, *end), skipping slashes; moves *end to its start. */
static bool prev_comp(const char *path, const char **end, struct span *c)
{
	const char *e = *end, *s;

	while (e > path && e[-1] == '/')
		e--;
	if (e == path)
		return false;
	s = e;
	while (s > path && s[-1] != '/')
		s--;
	c->s = s;
	c->n = e - s;
	*end = s;
	return true;
}

static bool is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

/*
 * A pod uid in 8-4-4-4-12 form whose groups are separated by `sep`: systemd escapes '-' in
 * slice names as '_', so the systemd driver writes "1a2b3c4d_...". Stored with dashes.
 */
static bool parse_uid(const char *s, size_t n, char sep, char uid[UID_LEN + 1])
{
	if (n != UID_LEN)
		return false;
	for (size_t i = 0; i < UID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != sep : !is_lower_hex(&s[i], 1))
			return false;
		uid[i] = dash ? '-' : s[i];
	}
	uid[UID_LEN] = '\0';
	return true;
}

/*
 * A pod's cgroup: "pod<uid>" with the kubelet's cgroupfs driver, "kubepods[-<qos>]-pod<uid>.slice"
 * with its systemd driver. A kubelet --cgroup-root prefixes the slice ("kubelet-kubepods-...",
 * as kind does), so "kubepods" may appear anywhere before "-pod".
 */
static bool match_pod(struct span c, char uid[UID_LEN + 1])
{
	static const char pod[] = "-pod", slice[] = ".slice";
	const size_t tail = sizeof(pod) - 1 + UID_LEN + sizeof(slice) - 1;

	if (c.n == 3 + UID_LEN && !memcmp(c.s, "pod", 3))
		return parse_uid(c.s + 3, UID_LEN, '-', uid);
	if (c.n <= tail || memcmp(c.s + c.n - tail, pod, sizeof(pod) - 1) ||
	    memcmp(c.s + c.n - sizeof(slice) + 1, slice, sizeof(slice) - 1) ||
	    !memmem(c.s, c.n - tail, "kubepods", 8))
		return false;
	return parse_uid(c.s + c.n - tail + sizeof(pod) - 1, UID_LEN, '_', uid);
}

/*
 * Cgroups a runtime names after a container: prefix, 64 hex, suffix. The runtimes' monitors,
 * libpod-conmon-<id>.scope and crio-conmon-<id>.scope, are not containers: they match no entry
 * ("conmon-..." is not hex), so the scan goes on outward, to the pod if there is one.
 */
static const struct {
	const char *prefix, *suffix, *runtime;
} named[] = {
	{ "docker-", ".scope", "docker" },
	{ "libpod-", ".scope", "podman" },
	{ "libpod-", "", "podman" }, /* podman's cgroupfs manager: /libpod_parent/libpod-<id> */
	{ "nerdctl-", ".scope", "containerd" },
	{ "cri-containerd-", ".scope", "containerd" },
	{ "crio-", ".scope", "cri-o" },
};

/*
 * A bare <id> is a container only under a parent that says whose: docker's cgroupfs parent,
 * containerd's namespaces (dockerd's is "moby"), or a kubelet pod (the runtime is then unknown).
 */
static const struct {
	const char *parent, *runtime;
} bare[] = {
	{ "docker", "docker" },
	{ "moby", "docker" },
	{ "default", "containerd" },
	{ "k8s.io", "containerd" },
};

static bool match_container(struct span c, struct span parent, const char **runtime,
			    const char **id)
{
	char uid[UID_LEN + 1];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(named); i++) {
		size_t pl = strlen(named[i].prefix), sl = strlen(named[i].suffix);

		if (c.n != pl + ID_LEN + sl || memcmp(c.s, named[i].prefix, pl) ||
		    memcmp(c.s + pl + ID_LEN, named[i].suffix, sl) ||
		    !is_lower_hex(c.s + pl, ID_LEN))
			continue;
		*runtime = named[i].runtime;
		*id = c.s + pl;
		return true;
	}
	if (c.n != ID_LEN || !is_lower_hex(c.s, ID_LEN))
		return false;
	for (i = 0; i < ARRAY_SIZE(bare); i++) {
		if (span_is(parent, bare[i].parent)) {
			*runtime = bare[i].runtime;
			*id = c.s;
			return true;
		}
	}
	if (!match_pod(parent, uid))
		return false;
	*runtime = "";
	*id = c.s;
	return true;
}

static bool container_of_span(const char *path, size_t n, struct lt_container *out)
{
	const char *end = path + n, *runtime = "", *id = NULL;
	char uid[UID_LEN + 1];
	bool have_c, have_pod = false;
	struct span c;

	/* Innermost outward: the first container found is the one the task runs in. */
	have_c = prev_comp(path, &end, &c);
	while (have_c) {
		struct span parent = { "", 0 };
		const char *pend = end;
		bool have_p = prev_comp(path, &pend, &parent);

		if (match_container(c, parent, &runtime, &id))
			break;
		c = parent;
		end = pend;
		have_c = have_p;
	}
	/* The pod is above the container; without a container, anywhere. */
	if (!id)
		end = path + n;
	while (!have_pod && prev_comp(path, &end, &c))
		have_pod = match_pod(c, uid);
	if (!id && !have_pod)
		return false;

	memset(out, 0, sizeof(*out));
	snprintf(out->runtime, sizeof(out->runtime), "%s", runtime);
	if (id)
		memcpy(out->id, id, ID_LEN);
	if (have_pod)
		memcpy(out->pod, uid, sizeof(uid));
	if (!have_pod)
		snprintf(out->name, sizeof(out->name), "%s:%.12s", runtime, out->id);
	else if (!id)
		snprintf(out->name, sizeof(out->name), "k8s pod %.8s", out->pod);
	else
		snprintf(out->name, sizeof(out->name), "k8s pod %.8s/%s%s%.12s", out->pod, runtime,
			 *runtime ? ":" : "", out->id);
	return true;
}

bool cgroup__container(const char *path, struct lt_container *out)
{
	return container_of_span(path, strlen(path), out);
}

/* The next space-separated field of [*p, end). */
static bool next_field(const char **p, const char *end, struct span *f)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	if (s == end)
		return false;
	f->s = s;
	while (s < end && *s != ' ')
		s++;
	f->n = s - f->s;
	*p = s;
	return true;
}

/* Copy a mountinfo field, undoing the kernel's octal escapes ("\040" is a space). */
static int unescape(struct span f, char *buf, size_t len)
{
	size_t o = 0;

	if (!len)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < f.n; i++) {
		char ch = f.s[i];

		if (ch == '\\' && f.n - i >= 4 && strspn(f.s + i + 1, "01234567") >= 3 &&
		    f.s[i + 1] <= '3') {
			ch = (f.s[i + 1] - '0') << 6 | (f.s[i + 2] - '0') << 3 | (f.s[i + 3] - '0');
			i += 3;
		}
		if (o + 1 >= len)
			return -ENAMETOOLONG;
		buf[o++] = ch;
	}
	buf[o] = '\0';
	return 0;
}

/*
 * Lines are "id parent major:minor root mountpoint options [optional fields...] - fstype source
 * superoptions". A root other than "/" is a bind mount of a subtree (a container without a
 * cgroup namespace): usable for ids, but paths from /proc/PID/cgroup are not relative to it.
 */
int cgroup__mount_from_mountinfo(const char *text, char *buf, size_t len)
{
	struct span subtree = { NULL, 0 };
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
		struct span f[5], sep = { "", 0 }, fstype;
		size_t i = 0;

		while (i < ARRAY_SIZE(f) && next_field(&p, end, &f[i]))
			i++;
		while (i == ARRAY_SIZE(f) && next_field(&p, end, &sep) && !span_is(sep, "-"))
			;
		if (span_is(sep, "-") && next_field(&p, end, &fstype) &&
		    span_is(fstype, "cgroup2")) {
			if (span_is(f[3], "/"))
				return unescape(f[4], buf, len);
			if (!subtree.s)
				subtree = f[4];
		}
		p = nl ? nl + 1 : end;
	}
	return subtree.s ? unescape(subtree, buf, len) : -ENOENT;
}

int cgroup__mount(char *buf, size_t len)
{
	char *text;
	int err;

	text = read_file("/proc/self/mountinfo", NULL);
	if (!text)
		return -errno;
	err = cgroup__mount_from_mountinfo(text, buf, len);
	free(text);
	return err;
}

int cgroup__parse_proc(const char *text, char *path, size_t len)
{
	static const char deleted[] = " (deleted)";
	const size_t dl = sizeof(deleted) - 1;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
		size_t n = end - p;

		if (n >= 4 && !memcmp(p, "0::/", 4)) {
			p += 3;
			n -= 3;
			if (n > dl && !memcmp(end - dl, deleted, dl))
				n -= dl;
			if (n >= len)
				return -ENAMETOOLONG;
			memcpy(path, p, n);
			path[n] = '\0';
			return 0;
		}
		p = nl ? nl + 1 : end;
	}
	return -ENOENT;
}

static char *read_proc_cgroup(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	return read_file(path, NULL);
}

int cgroup__of_pid(pid_t pid, char *path, size_t len)
{
	char *text;
	int err;

	text = read_proc_cgroup(pid);
	if (!text)
		return -errno;
	err = cgroup__parse_proc(text, path, len);
	free(text);
	return err;
}

bool cgroup__container_of_text(const char *text, struct lt_container *out)
{
	char v2[LT_CGROUP_PATH_MAX];
	const char *p = text;

	if (!cgroup__parse_proc(text, v2, sizeof(v2)) && cgroup__container(v2, out))
		return true;
	/* v1 lines: "hierarchy-id:controllers:path" (the v2 line, seen again, names nothing). */
	while (*p) {
		const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
		const char *c1 = memchr(p, ':', end - p), *c2;

		c2 = c1 ? memchr(c1 + 1, ':', end - c1 - 1) : NULL;
		if (c2 && container_of_span(c2 + 1, end - c2 - 1, out))
			return true;
		p = nl ? nl + 1 : end;
	}
	return false;
}

bool cgroup__container_of_pid(pid_t pid, struct lt_container *out)
{
	char *text;
	bool found;

	text = read_proc_cgroup(pid);
	if (!text)
		return false;
	found = cgroup__container_of_text(text, out);
	free(text);
	return found;
}

int cgroup__id(const char *abs_path, uint64_t *id)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} h;
	int mount_id;

	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, abs_path, &h.fh, &mount_id, 0))
		return -errno;
	if (h.fh.handle_bytes != sizeof(*id) || h.fh.handle_type != FILEID_KERNFS)
		return -EOPNOTSUPP;
	memcpy(id, h.fh.f_handle, sizeof(*id));
	return 0;
}

/* Mount points come without a trailing '/', arguments may have one. */
static size_t trimmed_len(const char *path)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	return n;
}

/*
 * path[0..n) names the cgroup; the buffer is LT_CGROUP_PATH_MAX bytes, shared by the whole walk.
 * A descendant listed by its parent's readdir may be gone by the time it is opened: -ENOENT
 * skips it. For the root, -ENOENT is an error.
 */
static int walk_dir(char *path, size_t n, bool root,
		    int (*fn)(const char *abs_path, uint64_t id, void *arg), void *arg)
{
	struct dirent *de;
	uint64_t id;
	DIR *dir;
	int err;

	err = cgroup__id(path, &id);
	if (err)
		return err == -ENOENT && !root ? 0 : err;
	err = fn(path, id, arg);
	if (err)
		return err;
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT && !root ? 0 : -errno;
	/* Every directory of a cgroup filesystem is a cgroup, and kernfs always fills d_type. */
	while ((de = readdir(dir))) {
		size_t m = strlen(de->d_name);

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n + 1 + m >= LT_CGROUP_PATH_MAX) {
			err = -ENAMETOOLONG;
			break;
		}
		path[n] = '/';
		memcpy(path + n + 1, de->d_name, m + 1);
		err = walk_dir(path, n + 1 + m, false, fn, arg);
		path[n] = '\0';
		if (err)
			break;
	}
	closedir(dir);
	return err;
}

int cgroup__walk(const char *abs_path, int (*fn)(const char *abs_path, uint64_t id, void *arg),
		 void *arg)
{
	char path[LT_CGROUP_PATH_MAX];
	size_t n = trimmed_len(abs_path);

	if (n >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, abs_path, n);
	path[n] = '\0';
	return walk_dir(path, n, true, fn, arg);
}

struct id_search {
	uint64_t id;
	char *buf;
	size_t len;
	int err;	/* once found: 0, or -ENAMETOOLONG when buf is too small */
};

static int id_cb(const char *abs_path, uint64_t id, void *arg)
{
	struct id_search *s = arg;

	if (id != s->id)
		return 0;
	s->err = (size_t)snprintf(s->buf, s->len, "%s", abs_path) < s->len ? 0 : -ENAMETOOLONG;
	return 1;
}

int cgroup__path_of_id(const char *mount, uint64_t id, char *buf, size_t len)
{
	struct id_search s = { .id = id, .buf = buf, .len = len };
	int err;

	err = cgroup__walk(mount, id_cb, &s);
	if (err == 1)
		return s.err;
	return err ? err : -ENOENT;
}

/* path is mount itself or below it. */
static bool is_under(const char *path, const char *mount, size_t ml)
{
	return !strncmp(path, mount, ml) && (path[ml] == '/' || path[ml] == '\0');
}

int cgroup__resolve(const char *mount, const char *arg, char *abs_path, size_t len)
{
	char cand[LT_CGROUP_PATH_MAX], real[PATH_MAX];
	size_t ml = trimmed_len(mount);
	const char *path = cand;
	struct statfs sfs;
	struct stat st;
	uint64_t id;
	int e;

	if (!*arg) {
		lt_err("empty cgroup argument");
		return -EINVAL;
	}
	if (strspn(arg, "0123456789") == strlen(arg)) {
		if (parse_u64(arg, 1, UINT64_MAX, &id)) {
			lt_err("cgroup id %s is out of range", arg);
			return -EINVAL;
		}
		e = cgroup__path_of_id(mount, id, abs_path, len);
		if (e == -ENOENT)
			lt_err("no cgroup has id %s under %s", arg, mount);
		else if (e)
			lt_err("cannot look up cgroup id %s under %s: %s", arg, mount,
			       strerror(-e));
		return e;
	}

	if (is_under(arg, mount, ml))
		path = arg;
	else if ((size_t)snprintf(cand, sizeof(cand), "%.*s/%s", (int)ml, mount,
				  arg + (arg[0] == '/')) >= sizeof(cand))
		goto too_long;
	/* "/x" is first read as /proc/PID/cgroup prints it; if nothing is there, as a path. */
	if (path == cand && arg[0] == '/' && access(cand, F_OK) && !access(arg, F_OK))
		path = arg;
	if (!realpath(path, real)) {
		e = -errno;
		if (e == -ENOENT)
			lt_err("no cgroup %s under %s (looked for %s)", arg, mount, path);
		else
			lt_err("cannot resolve cgroup %s: %s", path, strerror(-e));
		return e;
	}
	if (stat(real, &st) || !S_ISDIR(st.st_mode)) {
		lt_err("%s is not a cgroup directory", real);
		return -EINVAL;
	}
	/* v1 directories have kernfs ids too, but BPF reports only v2 ones. */
	if (statfs(real, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		lt_err("%s is not in the cgroup2 hierarchy (mounted at %s)", real, mount);
		return -EINVAL;
	}
	if ((size_t)snprintf(abs_path, len, "%s", real) < len)
		return 0;
too_long:
	lt_err("cgroup path %s is too long", arg);
	return -ENAMETOOLONG;
}

/* Distinct matching containers, up to 3 of them, and the shallowest cgroup of the first. */
struct container_search {
	char prefix[ID_LEN + 1];
	size_t plen, mlen;
	char ids[3][ID_LEN + 1];
	int n;
	bool more;
	char path[LT_CGROUP_PATH_MAX];
	int depth;
};

static int path_depth(const char *path)
{
	int d = 0;

	for (; *path; path++)
		d += *path == '/';
	return d;
}

static int container_cb(const char *abs_path, uint64_t id, void *arg)
{
	struct container_search *s = arg;
	struct lt_container c;
	int i;

	(void)id;
	if (!cgroup__container(abs_path + s->mlen, &c) || strncmp(c.id, s->prefix, s->plen))
		return 0;
	for (i = 0; i < s->n && strcmp(s->ids[i], c.id); i++)
		;
	if (i == s->n) {
		if (s->n == ARRAY_SIZE(s->ids)) {
			s->more = true;
			return 0;
		}
		memcpy(s->ids[s->n++], c.id, sizeof(c.id));
	}
	if (i == 0 && (!s->path[0] || path_depth(abs_path) < s->depth)) {
		snprintf(s->path, sizeof(s->path), "%s", abs_path);
		s->depth = path_depth(abs_path);
	}
	return 0;
}

int cgroup__find_container(const char *mount, const char *prefix, char *abs_path, size_t len)
{
	struct container_search s = {};
	size_t n = strlen(prefix);
	char ids[3 * 16] = ""; /* ", " and 12 hex digits per id */
	int ret;

	if (!n || n > ID_LEN || strspn(prefix, "0123456789abcdefABCDEF") != n) {
		lt_err("container id prefix '%s' is not 1 to 64 hex digits", prefix);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		s.prefix[i] = tolower((unsigned char)prefix[i]);
	s.plen = n;
	s.mlen = trimmed_len(mount);

	ret = cgroup__walk(mount, container_cb, &s);
	if (ret) {
		lt_err("cannot walk cgroups under %s: %s", mount, strerror(-ret));
	} else if (!s.n) {
		lt_err("no container id starts with %s under %s", s.prefix, mount);
		ret = -ENOENT;
	} else if (s.n > 1) {
		for (int i = 0, o = 0; i < s.n; i++)
			o += snprintf(ids + o, sizeof(ids) - o, "%s %.12s", i ? "," : "", s.ids[i]);
		lt_err("container id prefix %s is ambiguous:%s%s", s.prefix, ids,
		       s.more ? " and more" : "");
		ret = -EEXIST;
	} else if ((size_t)snprintf(abs_path, len, "%s", s.path) >= len) {
		lt_err("cgroup path %s is too long", s.path);
		ret = -ENAMETOOLONG;
	}
	return ret;
}
