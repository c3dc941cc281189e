// SPDX-License-Identifier: GPL-2.0
/*
 * Cgroups: container and pod names from every runtime's layout, mountinfo and /proc/PID/cgroup
 * parsing, and, as root, ids, walks and lookups on a throwaway tree under the real cgroup2 mount.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "test.h"
#include "util.h"

#define ID1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define UID "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d"
#define UID_ "1a2b3c4d_5e6f_7a8b_9c0d_1e2f3a4b5c6d"
#define BURSTABLE "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice"
#define BESTEFFORT "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice"

static const struct {
	const char *path, *runtime, *id, *pod, *name;
} layouts[] = {
	{ "/system.slice/docker-" ID1 ".scope", "docker", ID1, "", "docker:0123456789ab" },
	{ "/docker/" ID1, "docker", ID1, "", "docker:0123456789ab" },
	{ "/docker/" ID1 "/docker/" ID2, "docker", ID2, "", "docker:fedcba987654" },
	{ "/system.slice/docker-" ID1 ".scope/docker/" ID2, "docker", ID2, "",
	  "docker:fedcba987654" },
	{ "/system.slice/docker-" ID1 ".scope/", "docker", ID1, "", "docker:0123456789ab" },
	{ "/machine.slice/libpod-" ID1 ".scope", "podman", ID1, "", "podman:0123456789ab" },
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID1 ".scope", "podman",
	  ID1, "", "podman:0123456789ab" },
	{ "/machine.slice/libpod-" ID1 ".scope/container", "podman", ID1, "",
	  "podman:0123456789ab" },
	{ "/libpod_parent/libpod-" ID1, "podman", ID1, "", "podman:0123456789ab" },
	{ "/system.slice/nerdctl-" ID1 ".scope", "containerd", ID1, "", "containerd:0123456789ab" },
	{ "/default/" ID1, "containerd", ID1, "", "containerd:0123456789ab" },
	{ "/k8s.io/" ID1, "containerd", ID1, "", "containerd:0123456789ab" },
	{ "/moby/" ID1, "docker", ID1, "", "docker:0123456789ab" },
	{ BURSTABLE "/cri-containerd-" ID1 ".scope", "containerd", ID1, UID,
	  "k8s pod 1a2b3c4d/containerd:0123456789ab" },
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID1 ".scope", "containerd",
	  ID1, UID, "k8s pod 1a2b3c4d/containerd:0123456789ab" },
	{ BESTEFFORT "/cri-containerd-" ID1 ".scope", "containerd", ID1, UID,
	  "k8s pod 1a2b3c4d/containerd:0123456789ab" },
	/* kind: kubelet --cgroup-root=/kubelet */
	{ "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
	  "kubelet-kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" ID1 ".scope",
	  "containerd", ID1, UID, "k8s pod 1a2b3c4d/containerd:0123456789ab" },
	{ BURSTABLE "/docker-" ID1 ".scope", "docker", ID1, UID,
	  "k8s pod 1a2b3c4d/docker:0123456789ab" },
	{ "/kubepods/burstable/pod" UID "/" ID1, "", ID1, UID, "k8s pod 1a2b3c4d/0123456789ab" },
	{ "/kubepods/pod" UID "/" ID1, "", ID1, UID, "k8s pod 1a2b3c4d/0123456789ab" },
	{ "/kubepods/pod" UID "/" ID1 "/docker/" ID2, "docker", ID2, UID,
	  "k8s pod 1a2b3c4d/docker:fedcba987654" },
	{ BESTEFFORT "/crio-" ID1 ".scope", "cri-o", ID1, UID,
	  "k8s pod 1a2b3c4d/cri-o:0123456789ab" },
	{ BESTEFFORT "/crio-" ID1 ".scope/container", "cri-o", ID1, UID,
	  "k8s pod 1a2b3c4d/cri-o:0123456789ab" },
	/* Monitors are not containers: what is left is the pod, or nothing. */
	{ BESTEFFORT "/crio-conmon-" ID1 ".scope", "", "", UID, "k8s pod 1a2b3c4d" },
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice", "", "", UID, "k8s pod 1a2b3c4d" },
	{ "/kubepods/besteffort/pod" UID, "", "", UID, "k8s pod 1a2b3c4d" },
};

static void test_layouts(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(layouts); i++) {
		struct lt_container c;
		char name[64];

		memset(&c, 'x', sizeof(c));
		snprintf(name, sizeof(name), "layout %zu", i);
		if (!ASSERT_TRUE(cgroup__container(layouts[i].path, &c), name)) {
			fprintf(stderr, "  path: %s\n", layouts[i].path);
			continue;
		}
		ASSERT_STREQ(c.runtime, layouts[i].runtime, name);
		ASSERT_STREQ(c.id, layouts[i].id, name);
		ASSERT_STREQ(c.pod, layouts[i].pod, name);
		ASSERT_STREQ(c.name, layouts[i].name, name);
	}
}

static void test_not_containers(void)
{
	static const char *const paths[] = {
		"",
		"/",
		"/init.scope",
		"/user.slice/user-1000.slice/session-1.scope",
		"/system.slice/sshd.service",
		"/kubepods.slice",
		"/kubepods.slice/kubepods-burstable.slice",
		"/kubepods/burstable",
		"/machine.slice/libpod-conmon-" ID1 ".scope",
		"/system.slice/containerd.service",
		/* this machine's v1 memory cgroup: 32 hex, not a container id */
		"/process_api/a657da0392663050765634f7b9bae4bf",
		/* a bare id says nothing without a parent that names its runtime */
		"/" ID1,
		"/other/" ID1,
		/* malformed ids: 63 and 65 chars, uppercase, not hex */
		"/system.slice/docker-" ID1 "0.scope",
		"/system.slice/docker-123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef.scope",
		"/system.slice/docker-0123456789ABCDEF0123456789abcdef"
		"0123456789abcdef0123456789abcdef.scope",
		"/system.slice/docker-g123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef.scope",
		"/docker/123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"/docker/0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
		"/system.slice/docker-" ID1 ".scop",
		"/system.slice/docker-" ID1 ".scope.d",
		"/system.slice/xdocker-" ID1 ".scope",
		/* malformed pod uids: dashes in a slice name, too short, uppercase */
		"/kubepods.slice/kubepods-pod" UID ".slice",
		"/kubepods.slice/kubepods-pod1a2b3c4d_5e6f_7a8b_9c0d_1e2f3a4b5c6.slice",
		"/kubepods.slice/kubepods-pod1A2B3C4D_5e6f_7a8b_9c0d_1e2f3a4b5c6d.slice",
		"/kubepods/pod" UID_,
		"/system.slice/notkube-pod" UID_ ".slice",
	};

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		struct lt_container c;
		char name[64];

		memset(&c, 'x', sizeof(c));
		snprintf(name, sizeof(name), "not a container: %zu", i);
		if (!ASSERT_TRUE(!cgroup__container(paths[i], &c), name))
			fprintf(stderr, "  path: %s gave %.128s\n", paths[i], c.name);
		ASSERT_EQ(c.runtime[0], 'x', "untouched when false");
	}
}

/* This machine's: cgroup v1 controllers plus cgroup2 at unified/. */
static const char mountinfo_hybrid[] =
	"22 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

/* A systemd host: optional fields before the separator. */
static const char mountinfo_v2[] =
	"24 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"
	"26 24 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
	"30 26 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 master:3 - cgroup2 "
	"cgroup2 rw,nsdelegate,memory_recursiveprot\n"
	"31 26 0:27 / /sys/fs/bpf rw,nosuid,nodev,noexec,relatime shared:10 - bpf bpf rw,mode=700";

/* A bind mount of a subtree first, the hierarchy's root later, in a directory with a space. */
static const char mountinfo_bind[] = "50 24 0:26 /docker/abc /mnt/sub rw - cgroup2 x rw\n"
				     "51 24 0:26 / /mnt/my\\040cgroup\\134x rw shared:3 - "
				     "cgroup2 cgroup2 rw\n";

static void test_mountinfo(void)
{
	char buf[LT_CGROUP_PATH_MAX], small[8];

	ASSERT_EQ(cgroup__mount_from_mountinfo(mountinfo_hybrid, buf, sizeof(buf)), 0, "hybrid");
	ASSERT_STREQ(buf, "/sys/fs/cgroup/unified", "hybrid mount");
	ASSERT_EQ(cgroup__mount_from_mountinfo(mountinfo_v2, buf, sizeof(buf)), 0, "pure v2");
	ASSERT_STREQ(buf, "/sys/fs/cgroup", "pure v2 mount");

	ASSERT_EQ(cgroup__mount_from_mountinfo(mountinfo_bind, buf, sizeof(buf)), 0, "bind, root");
	ASSERT_STREQ(buf, "/mnt/my cgroup\\x", "root preferred, octal escapes undone");
	ASSERT_EQ(cgroup__mount_from_mountinfo("50 24 0:26 /docker/abc /mnt/sub rw - cgroup2 x rw",
					       buf, sizeof(buf)),
		  0, "subtree only");
	ASSERT_STREQ(buf, "/mnt/sub", "subtree as a last resort");

	ASSERT_EQ(cgroup__mount_from_mountinfo("", buf, sizeof(buf)), -ENOENT, "empty");
	ASSERT_EQ(cgroup__mount_from_mountinfo(
			  "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
			  "33 31 0:29 / /mnt/x rw - tmpfs cgroup2 rw\n"
			  "34 31 0:29 / /mnt/y rw cgroup2 cgroup2 rw\n"
			  "35 31 0:29 / /mnt/z\n",
			  buf, sizeof(buf)),
		  -ENOENT, "v1, a source named cgroup2, no separator, short line");
	ASSERT_EQ(cgroup__mount_from_mountinfo(mountinfo_hybrid, small, sizeof(small)),
		  -ENAMETOOLONG, "buffer too small");
}

/* This machine's /proc/self/cgroup, with a container in the memory hierarchy only. */
static const char proc_hybrid[] = "9:name=systemd:/\n"
				  "8:pids:/\n"
				  "4:memory:/docker/" ID1 "\n"
				  "1:cpu:/\n"
				  "0::/\n";

static void test_parse_proc(void)
{
	char buf[LT_CGROUP_PATH_MAX], small[8];

	ASSERT_EQ(cgroup__parse_proc(proc_hybrid, buf, sizeof(buf)), 0, "hybrid");
	ASSERT_STREQ(buf, "/", "hybrid: v2 root");
	ASSERT_EQ(cgroup__parse_proc("0::/system.slice/docker-" ID1 ".scope\n", buf, sizeof(buf)),
		  0, "pure v2");
	ASSERT_STREQ(buf, "/system.slice/docker-" ID1 ".scope", "pure v2 path");
	ASSERT_EQ(cgroup__parse_proc("0::/a b/c", buf, sizeof(buf)), 0, "no newline");
	ASSERT_STREQ(buf, "/a b/c", "spaces kept");
	ASSERT_EQ(cgroup__parse_proc("0::/gone.scope (deleted)\n", buf, sizeof(buf)), 0, "deleted");
	ASSERT_STREQ(buf, "/gone.scope", "deleted suffix stripped");
	ASSERT_EQ(cgroup__parse_proc("4:memory:/docker/x\n10::/x\n", buf, sizeof(buf)), -ENOENT,
		  "v1 only, and a hierarchy 10 is not 0");
	ASSERT_EQ(cgroup__parse_proc("0::\n0::relative\n", buf, sizeof(buf)), -ENOENT, "no path");
	ASSERT_EQ(cgroup__parse_proc("", buf, sizeof(buf)), -ENOENT, "empty");
	ASSERT_EQ(cgroup__parse_proc("0::/system.slice\n", small, sizeof(small)), -ENAMETOOLONG,
		  "buffer too small");
}

static void test_container_of_text(void)
{
	struct lt_container c;

	ASSERT_TRUE(cgroup__container_of_text(proc_hybrid, &c), "hybrid: container in v1");
	ASSERT_STREQ(c.name, "docker:0123456789ab", "hybrid name");
	ASSERT_TRUE(cgroup__container_of_text("4:memory:/docker/" ID1 "\n3:cpuset:/\n", &c),
		    "v1 only");
	ASSERT_STREQ(c.id, ID1, "v1 only id");
	ASSERT_TRUE(cgroup__container_of_text("4:memory:/docker/" ID1 "\n"
					      "0::/system.slice/docker-" ID2 ".scope\n",
					      &c),
		    "v2 and v1");
	ASSERT_STREQ(c.id, ID2, "v2 wins");
	ASSERT_TRUE(cgroup__container_of_text("0::/kubepods/pod" UID "/" ID1 " (deleted)\n", &c),
		    "deleted v2 cgroup");
	ASSERT_STREQ(c.name, "k8s pod 1a2b3c4d/0123456789ab", "deleted v2 cgroup name");
	ASSERT_TRUE(!cgroup__container_of_text("9:name=systemd:/\n"
					       "4:memory:/process_api/"
					       "a657da0392663050765634f7b9bae4bf\n"
					       "0::/\n",
					       &c),
		    "this machine: no container");
	ASSERT_TRUE(!cgroup__container_of_text("", &c), "empty");
	ASSERT_TRUE(!cgroup__container_of_text("garbage\n:\n::\n", &c), "garbage");
}

/*
 * Live tests, as root on a cgroup2 mount: a throwaway tree
 * <mount>/leaktop-test-<pid>/docker-<id>.scope/child, removed again whatever happens.
 */
struct live {
	char mount[LT_CGROUP_PATH_MAX];
	char orig[LT_CGROUP_PATH_MAX];	/* our v2 cgroup, relative to the mount */
	char id[65], id2[65];		/* share their first 8 hex digits only */
	char base[LT_CGROUP_PATH_MAX], scope[LT_CGROUP_PATH_MAX], leaf[LT_CGROUP_PATH_MAX];
	const char *made[16];		/* directories created, removed in reverse */
	int nmade;
	bool moved;			/* this process is in leaf */
};

/* Paths of the live tree; they fit, but the compiler cannot know. */
static void pathf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pathf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, LT_CGROUP_PATH_MAX, fmt, ap);
	va_end(ap);
	ASSERT_TRUE(n < LT_CGROUP_PATH_MAX, "test path fits");
}

static bool skip(const char *why)
{
	printf("SKIP: %s: %s: live cgroup checks did not run\n", test_current, why);
	test_skips++;
	return false;
}

static bool live_mkdir(struct live *l, const char *path)
{
	if (mkdir(path, 0755)) {
		fprintf(stderr, "mkdir %s: %s\n", path, strerror(errno));
		return false;
	}
	l->made[l->nmade++] = path;
	return true;
}

/* Each hex digit of src from `from` on replaced by its complement (0 by f), so all differ. */
static void complement_from(char *dst, const char *src, int from)
{
	static const char hex[] = "0123456789abcdef";

	strcpy(dst, src);
	for (int i = from; dst[i]; i++)
		dst[i] = hex[15 - (strchr(hex, dst[i]) - hex)];
}

static void live_ids(struct live *l)
{
	/* Random per run, so that concurrent runs (make test while a developer tests) differ. */
	uint64_t h = (str_hash("leaktop-test") ^ now_realtime_ns() ^ getpid()) * 0x100000001b3ULL;

	snprintf(l->id, sizeof(l->id), "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64, h,
		 h * 3, h * 5, h * 7);
	complement_from(l->id2, l->id, 8);
}

static bool live_setup(struct live *l)
{
	int err;

	memset(l, 0, sizeof(*l));
	if (geteuid())
		return skip("not root");
	err = cgroup__mount(l->mount, sizeof(l->mount));
	if (err)
		return skip("no cgroup2 mount");
	err = cgroup__of_pid(getpid(), l->orig, sizeof(l->orig));
	if (!ASSERT_EQ(err, 0, "own v2 cgroup"))
		return false;
	live_ids(l);
	pathf(l->base, "%s/leaktop-test-%d", l->mount, getpid());
	pathf(l->scope, "%s/docker-%s.scope", l->base, l->id);
	pathf(l->leaf, "%s/child", l->scope);
	if (mkdir(l->base, 0755)) {
		if (errno == EACCES || errno == EPERM || errno == EROFS)
			return skip("cannot create cgroups (read-only or delegated cgroup2)");
		fprintf(stderr, "mkdir %s: %s\n", l->base, strerror(errno));
		return ASSERT_TRUE(false, "mkdir base");
	}
	l->made[l->nmade++] = l->base;
	return ASSERT_TRUE(live_mkdir(l, l->scope) && live_mkdir(l, l->leaf), "mkdir tree");
}

static int write_pid(const char *dir)
{
	char path[LT_CGROUP_PATH_MAX], pid[16];
	int fd, n, err = 0;

	pathf(path, "%s/cgroup.procs", dir);
	n = snprintf(pid, sizeof(pid), "%d", getpid());
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, pid, n) != n)
		err = -errno;
	close(fd);
	return err;
}

static void live_cleanup(struct live *l)
{
	char orig[LT_CGROUP_PATH_MAX], now[LT_CGROUP_PATH_MAX];

	if (l->moved) {
		pathf(orig, "%s%s", l->mount, l->orig);
		ASSERT_EQ(write_pid(orig), 0, "moved back to the original cgroup");
		ASSERT_EQ(cgroup__of_pid(getpid(), now, sizeof(now)), 0, "own cgroup after");
		ASSERT_STREQ(now, l->orig, "back where it was");
	}
	while (l->nmade > 0) {
		const char *dir = l->made[--l->nmade];

		/* Tests of vanishing cgroups remove some themselves. */
		if (!ASSERT_TRUE(!rmdir(dir) || errno == ENOENT, "rmdir"))
			fprintf(stderr, "  rmdir %s: %s\n", dir, strerror(errno));
	}
}

static void test_live_self(void)
{
	char mount[LT_CGROUP_PATH_MAX], path[LT_CGROUP_PATH_MAX];
	struct statfs sfs;
	uint64_t id = 0;

	if (geteuid()) {
		skip("not root");
		return;
	}
	if (cgroup__mount(mount, sizeof(mount))) {
		skip("no cgroup2 mount");
		return;
	}
	ASSERT_TRUE(!statfs(mount, &sfs) && sfs.f_type == CGROUP2_SUPER_MAGIC, "mount is cgroup2");
	ASSERT_EQ(cgroup__of_pid(getpid(), path, sizeof(path)), 0, "own cgroup");
	ASSERT_EQ(path[0], '/', "relative to the mount, with a leading /");
	ASSERT_EQ(cgroup__of_pid(0x7ffffff, path, sizeof(path)), -ENOENT, "no such pid");

	ASSERT_EQ(cgroup__id(mount, &id), 0, "id of the root");
	ASSERT_TRUE(id != 0, "root id is not 0");
	ASSERT_EQ(cgroup__path_of_id(mount, id, path, sizeof(path)), 0, "root by id");
	ASSERT_STREQ(path, mount, "root path by id");
	/* ext4 and the like give 8-byte handles too, of another type; procfs gives none. */
	ASSERT_EQ(cgroup__id("/", &id), -EOPNOTSUPP, "not a cgroup filesystem");
	ASSERT_EQ(cgroup__id("/proc", &id), -EOPNOTSUPP, "no handles at all");
	ASSERT_EQ(cgroup__id("/nonexistent-leaktop", &id), -ENOENT, "missing");
}

struct visits {
	int n, stop_at;
	char paths[8][LT_CGROUP_PATH_MAX];
	uint64_t ids[8];
};

static int visit(const char *abs_path, uint64_t id, void *arg)
{
	struct visits *v = arg;

	if (v->n < (int)ARRAY_SIZE(v->paths)) {
		snprintf(v->paths[v->n], sizeof(v->paths[0]), "%s", abs_path);
		v->ids[v->n] = id;
	}
	return ++v->n == v->stop_at ? 7 : 0;
}

/* Cgroups that vanish mid-walk: each of a and b removes the other, the leaf removes itself. */
struct vanish {
	const char *a, *b, *leaf;
	int seen_a, seen_b, n;
};

static int vanish(const char *abs_path, uint64_t id, void *arg)
{
	struct vanish *v = arg;

	(void)id;
	v->n++;
	if (!strcmp(abs_path, v->a) && !v->seen_b++)
		rmdir(v->b);
	if (!strcmp(abs_path, v->b) && !v->seen_a++)
		rmdir(v->a);
	if (!strcmp(abs_path, v->leaf))
		rmdir(v->leaf);
	return 0;
}

static void check_vanishing(struct live *l)
{
	static char a[LT_CGROUP_PATH_MAX], b[LT_CGROUP_PATH_MAX];
	struct vanish v = { .a = a, .b = b, .leaf = l->leaf };

	pathf(a, "%s/a", l->base);
	pathf(b, "%s/b", l->base);
	if (!ASSERT_TRUE(live_mkdir(l, a) && live_mkdir(l, b), "mkdir a and b"))
		return;
	/* glibc reads base's entries in one getdents: the second of a and b is gone by its turn. */
	ASSERT_EQ(cgroup__walk(l->base, vanish, &v), 0, "vanished cgroups are skipped");
	ASSERT_EQ(v.n, 4, "base, one of a and b, scope, leaf");
	ASSERT_TRUE(access(l->leaf, F_OK) && (access(a, F_OK) || access(b, F_OK)), "removed");
}

static void test_live_walk(void)
{
	static struct visits v;
	struct live l;
	char path[LT_CGROUP_PATH_MAX], small[16];
	const char *want[3];
	uint64_t id;

	if (!live_setup(&l))
		goto out;
	want[0] = l.base;
	want[1] = l.scope;
	want[2] = l.leaf;
	memset(&v, 0, sizeof(v));
	ASSERT_EQ(cgroup__walk(l.base, visit, &v), 0, "walk");
	if (!ASSERT_EQ(v.n, 3, "three cgroups visited"))
		goto out;
	for (int i = 0; i < 3; i++) {
		ASSERT_STREQ(v.paths[i], want[i], "depth-first, parents first");
		ASSERT_EQ(cgroup__id(want[i], &id), 0, "cgroup__id");
		ASSERT_EQ(v.ids[i], id, "walk id is cgroup__id");
		ASSERT_EQ(cgroup__path_of_id(l.mount, id, path, sizeof(path)), 0, "path of id");
		ASSERT_STREQ(path, want[i], "path of id");
	}
	ASSERT_TRUE(v.ids[0] != v.ids[1] && v.ids[1] != v.ids[2], "distinct ids");

	memset(&v, 0, sizeof(v));
	v.stop_at = 2;
	ASSERT_EQ(cgroup__walk(l.base, visit, &v), 7, "fn's value stops the walk");
	ASSERT_EQ(v.n, 2, "no visits after the stop");
	pathf(path, "%s/", l.base);
	memset(&v, 0, sizeof(v));
	ASSERT_EQ(cgroup__walk(path, visit, &v), 0, "trailing slash");
	ASSERT_STREQ(v.paths[2], l.leaf, "trailing slash: paths without //");
	pathf(path, "%s/nope", l.base);
	ASSERT_EQ(cgroup__walk(path, visit, &v), -ENOENT, "missing root");

	ASSERT_EQ(cgroup__path_of_id(l.mount, UINT64_MAX, path, sizeof(path)), -ENOENT,
		  "no such id");
	ASSERT_EQ(cgroup__id(l.leaf, &id), 0, "leaf id");
	ASSERT_EQ(cgroup__path_of_id(l.mount, id, small, sizeof(small)), -ENAMETOOLONG,
		  "buffer too small");
	check_vanishing(&l);
out:
	live_cleanup(&l);
}

static void test_live_resolve(void)
{
	char path[LT_CGROUP_PATH_MAX], arg[LT_CGROUP_PATH_MAX], err[256];
	const char *rel;
	struct live l;
	uint64_t id;

	if (!live_setup(&l))
		goto out;
	lt_log_capture(err, sizeof(err)); /* the reasons are checked, not printed */
	rel = l.leaf + strlen(l.mount) + 1;

	ASSERT_EQ(cgroup__resolve(l.mount, l.leaf, path, sizeof(path)), 0, "absolute");
	ASSERT_STREQ(path, l.leaf, "absolute");
	ASSERT_EQ(cgroup__resolve(l.mount, rel, path, sizeof(path)), 0, "relative");
	ASSERT_STREQ(path, l.leaf, "relative");
	pathf(arg, "/%s", rel);
	ASSERT_EQ(cgroup__resolve(l.mount, arg, path, sizeof(path)), 0,
		  "relative with a leading / as /proc/PID/cgroup prints it");
	ASSERT_STREQ(path, l.leaf, "relative with a leading /");
	pathf(arg, "%s/", l.leaf);
	ASSERT_EQ(cgroup__resolve(l.mount, arg, path, sizeof(path)), 0, "trailing slash");
	ASSERT_STREQ(path, l.leaf, "trailing slash dropped");
	ASSERT_EQ(cgroup__id(l.leaf, &id), 0, "leaf id");
	pathf(arg, "%" PRIu64, id);
	ASSERT_EQ(cgroup__resolve(l.mount, arg, path, sizeof(path)), 0, "id");
	ASSERT_STREQ(path, l.leaf, "id");

	pathf(arg, "/leaktop-test-%d/missing.scope", getpid());
	ASSERT_EQ(cgroup__resolve(l.mount, arg, path, sizeof(path)), -ENOENT, "missing");
	ASSERT_CONTAINS(err, "no cgroup /leaktop-test-", "missing: reason");
	ASSERT_CONTAINS(err, "missing.scope", "missing: names the argument");
	pathf(arg, "%s/missing", l.base);
	ASSERT_EQ(cgroup__resolve(l.mount, arg, path, sizeof(path)), -ENOENT, "missing absolute");
	ASSERT_EQ(cgroup__resolve(l.mount, "/tmp", path, sizeof(path)), -EINVAL, "not a cgroup");
	ASSERT_CONTAINS(err, "/tmp is not in the cgroup2 hierarchy", "not a cgroup: reason");
	pathf(arg, "%s/../../..", l.mount);
	ASSERT_EQ(cgroup__resolve(l.mount, arg, path, sizeof(path)), -EINVAL,
		  "out of the mount by ..");
	pathf(arg, "%s/cgroup.procs", l.leaf);
	ASSERT_EQ(cgroup__resolve(l.mount, arg, path, sizeof(path)), -EINVAL, "a file");
	ASSERT_CONTAINS(err, "not a cgroup directory", "a file: reason");
	ASSERT_EQ(cgroup__resolve(l.mount, "18446744073709551615", path, sizeof(path)), -ENOENT,
		  "no such id");
	ASSERT_CONTAINS(err, "no cgroup has id 18446744073709551615", "no such id: reason");
	ASSERT_EQ(cgroup__resolve(l.mount, "99999999999999999999", path, sizeof(path)), -EINVAL,
		  "id out of range");
	ASSERT_EQ(cgroup__resolve(l.mount, "0", path, sizeof(path)), -EINVAL, "id 0");
	ASSERT_EQ(cgroup__resolve(l.mount, "", path, sizeof(path)), -EINVAL, "empty");
out:
	lt_log_capture(NULL, 0);
	live_cleanup(&l);
}

static int first_match(const char *abs_path, uint64_t id, void *arg)
{
	(void)id;
	return strstr(abs_path, arg) ? (strstr(abs_path, "/nest/") ? 1 : 2) : 0;
}

/* Four containers share a 6-digit prefix: the message lists three. */
static void check_many(struct live *l)
{
	static char dirs[2][LT_CGROUP_PATH_MAX];
	char path[LT_CGROUP_PATH_MAX], err[256], prefix[8], id[65];
	int commas = 0;

	for (int i = 0; i < 2; i++) {
		complement_from(id, l->id, 10 + 2 * i);
		pathf(dirs[i], "%s/docker-%s.scope", l->base, id);
		if (!ASSERT_TRUE(live_mkdir(l, dirs[i]), "mkdir more scopes"))
			return;
	}
	snprintf(prefix, sizeof(prefix), "%.6s", l->id);
	lt_log_capture(err, sizeof(err));
	ASSERT_EQ(cgroup__find_container(l->mount, prefix, path, sizeof(path)), -EEXIST,
		  "four containers");
	lt_log_capture(NULL, 0);
	for (const char *p = err; (p = strchr(p, ',')); p++)
		commas++;
	ASSERT_EQ(commas, 2, "three ids listed");
	ASSERT_CONTAINS(err, " and more", "and more");
}

/*
 * The same container in two places, the deeper one walked first: kernfs lists a directory in
 * the order of its names' hashes, and "nest" comes before "docker".
 */
static void check_shallowest(struct live *l)
{
	static char dirs[5][LT_CGROUP_PATH_MAX];
	char id3[65], path[LT_CGROUP_PATH_MAX], prefix[8];

	complement_from(id3, l->id, 0);
	pathf(dirs[0], "%s/docker", l->base);
	pathf(dirs[1], "%s/%s", dirs[0], id3);
	pathf(dirs[2], "%s/nest", l->base);
	pathf(dirs[3], "%s/x", dirs[2]);
	pathf(dirs[4], "%s/docker-%s.scope", dirs[3], id3);
	for (int i = 0; i < 5; i++) {
		if (!ASSERT_TRUE(live_mkdir(l, dirs[i]), "mkdir the same container twice"))
			return;
	}
	if (cgroup__walk(l->base, first_match, id3) != 1)
		printf("note: this kernel walks docker/ before nest/: a weaker check\n");
	snprintf(prefix, sizeof(prefix), "%.6s", id3);
	ASSERT_EQ(cgroup__find_container(l->mount, prefix, path, sizeof(path)), 0,
		  "one container in two places");
	ASSERT_STREQ(path, dirs[1], "the shallowest");
}

static void test_live_find_container(void)
{
	char path[LT_CGROUP_PATH_MAX], prefix[65], scope2[LT_CGROUP_PATH_MAX], err[256];
	struct live l;

	if (!live_setup(&l))
		goto out;
	lt_log_capture(err, sizeof(err)); /* the reasons are checked, not printed */
	snprintf(prefix, sizeof(prefix), "%.6s", l.id);
	ASSERT_EQ(cgroup__find_container(l.mount, prefix, path, sizeof(path)), 0, "6-digit prefix");
	ASSERT_STREQ(path, l.scope, "the scope, not its child");
	for (char *p = prefix; *p; p++)
		*p = toupper(*p);
	ASSERT_EQ(cgroup__find_container(l.mount, prefix, path, sizeof(path)), 0,
		  "uppercase prefix");
	ASSERT_STREQ(path, l.scope, "uppercase prefix");
	ASSERT_EQ(cgroup__find_container(l.mount, l.id, path, sizeof(path)), 0, "whole id");

	complement_from(prefix, l.id, 63);
	ASSERT_EQ(cgroup__find_container(l.mount, prefix, path, sizeof(path)), -ENOENT, "unknown");
	ASSERT_CONTAINS(err, "no container id starts with", "unknown: reason");
	ASSERT_EQ(cgroup__find_container(l.mount, "xyz", path, sizeof(path)), -EINVAL, "not hex");
	ASSERT_EQ(cgroup__find_container(l.mount, "", path, sizeof(path)), -EINVAL, "empty");

	pathf(scope2, "%s/docker-%s.scope", l.base, l.id2);
	if (!ASSERT_TRUE(live_mkdir(&l, scope2), "mkdir second scope"))
		goto out;
	snprintf(prefix, sizeof(prefix), "%.6s", l.id);
	ASSERT_EQ(cgroup__find_container(l.mount, prefix, path, sizeof(path)), -EEXIST,
		  "ambiguous");
	ASSERT_CONTAINS(err, "ambiguous", "ambiguous: reason");
	snprintf(prefix, sizeof(prefix), "%.12s", l.id);
	ASSERT_CONTAINS(err, prefix, "ambiguous: lists the first id");
	snprintf(prefix, sizeof(prefix), "%.12s", l.id2);
	ASSERT_CONTAINS(err, prefix, "ambiguous: lists the second id");
	snprintf(prefix, sizeof(prefix), "%.13s", l.id);
	ASSERT_TRUE(!strstr(err, prefix), "ambiguous: ids shortened to 12");
	snprintf(prefix, sizeof(prefix), "%.9s", l.id2);
	ASSERT_EQ(cgroup__find_container(l.mount, prefix, path, sizeof(path)), 0,
		  "a longer prefix tells them apart");
	ASSERT_STREQ(path, scope2, "the second scope");
	lt_log_capture(NULL, 0);
	check_many(&l);
	check_shallowest(&l);
out:
	lt_log_capture(NULL, 0);
	live_cleanup(&l);
}

static void test_live_move(void)
{
	char path[LT_CGROUP_PATH_MAX], want[LT_CGROUP_PATH_MAX];
	struct lt_container c;
	struct live l;

	if (!live_setup(&l))
		goto out;
	if (!ASSERT_EQ(write_pid(l.leaf), 0, "move into the leaf"))
		goto out;
	l.moved = true;
	ASSERT_EQ(cgroup__of_pid(getpid(), path, sizeof(path)), 0, "own cgroup");
	pathf(want, "/leaktop-test-%d/docker-%s.scope/child", getpid(), l.id);
	ASSERT_STREQ(path, want, "own cgroup is the leaf");
	if (ASSERT_TRUE(cgroup__container_of_pid(getpid(), &c), "in a container")) {
		ASSERT_STREQ(c.runtime, "docker", "runtime");
		ASSERT_STREQ(c.id, l.id, "id");
		ASSERT_STREQ(c.pod, "", "no pod");
		pathf(want, "docker:%.12s", l.id);
		ASSERT_STREQ(c.name, want, "name");
	}
out:
	live_cleanup(&l);
}

TEST_MAIN(TEST(test_layouts), TEST(test_not_containers), TEST(test_mountinfo),
	  TEST(test_parse_proc), TEST(test_container_of_text), TEST(test_live_self),
	  TEST(test_live_walk), TEST(test_live_resolve), TEST(test_live_find_container),
	  TEST(test_live_move))
