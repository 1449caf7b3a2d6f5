// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Containers, known by their cgroup path; their names, from the files their
 * runtimes keep. See container.h for the shapes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "util.h"

#define ID_HEX 64

static bool is_hex_id(const char *s, size_t len)
{
	if (len != ID_HEX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Does the component [s, s+len) read PREFIX<64 hex>SUFFIX? Then the id starts at s + strlen(prefix). */
static bool id_component(const char *s, size_t len, const char *prefix, const char *suffix)
{
	size_t p = strlen(prefix), q = strlen(suffix);

	return len == p + ID_HEX + q && strncmp(s, prefix, p) == 0 && strncmp(s + p + ID_HEX, suffix, q) == 0 &&
	       is_hex_id(s + p, ID_HEX);
}

static void copy_span(char *dst, size_t size, const char *s, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

/* systemd's unit-name escaping: "\x2d" is '-' (machine-foo\x2dbar.scope is machine "foo-bar") */
static void unescape_unit(char *dst, size_t size, const char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 1 < size; i++) {
		unsigned int v;
		if (s[i] == '\\' && i + 3 < len && s[i + 1] == 'x' && sscanf(s + i + 2, "%2x", &v) == 1 && v >= 0x20 &&
		    v < 0x7f) {
			dst[o++] = (char)v;
			i += 3;
		} else {
			dst[o++] = s[i];
		}
	}
	dst[o] = '\0';
}

/*
 * A Kubernetes pod's uid from a component: "pod0f1e2d3c-..." (cgroupfs) or
 * "kubepods-burstable-pod0f1e2d3c_....slice" (systemd, '-' written as '_').
 */
static bool pod_component(const char *s, size_t len, char *uid, size_t size)
{
	const char *p = NULL;
	size_t n;

	if (len > 3 && strncmp(s, "pod", 3) == 0) {
		p = s + 3;
		n = len - 3;
	} else if (len > 8 && strncmp(s, "kubepods", 8) == 0) {
		const char *q = memmem(s, len, "-pod", 4);
		if (!q || len < 6 || strncmp(s + len - 6, ".slice", 6) != 0)
			return false;
		p = q + 4;
		n = (size_t)(s + len - 6 - p);
	} else {
		return false;
	}
	if (n < 32 || n > 36 || n >= size)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i] == '_' ? '-' : p[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || ch == '-'))
			return false;
		uid[i] = ch;
	}
	uid[n] = '\0';
	return true;
}

bool container_of_cgroup(const char *path, struct container *c)
{
	char pod[sizeof(c->pod)] = "";
	bool kubepods = false;
	const char *prev = NULL;
	size_t prev_len = 0;

	memset(c, 0, sizeof(*c));
	if (!path || path[0] != '/')
		return false;
	for (const char *s = path + 1; *s;) {
		size_t len = strcspn(s, "/");
		const char *end = s + len;
		enum container_runtime r = CONTAINER_NONE;
		const char *id = NULL;
		size_t id_len = 0;
		bool scope = false;

		if (len >= 8 && strncmp(s, "kubepods", 8) == 0)
			kubepods = true;
		if (kubepods)
			pod_component(s, len, pod, sizeof(pod));

		if (id_component(s, len, "docker-", ".scope")) {
			r = CONTAINER_DOCKER, id = s + 7, scope = true;
		} else if (id_component(s, len, "libpod-", ".scope")) {
			r = CONTAINER_PODMAN, id = s + 7, scope = true;
		} else if (id_component(s, len, "libpod-", "")) {
			r = CONTAINER_PODMAN, id = s + 7;
		} else if (id_component(s, len, "cri-containerd-", ".scope")) {
			r = CONTAINER_CONTAINERD, id = s + 15, scope = true;
		} else if (id_component(s, len, "crio-", ".scope")) {
			r = CONTAINER_CRIO, id = s + 5, scope = true;
		} else if (id_component(s, len, "docker-", "")) {
			/* docker's systemd driver outside systemd: rare, but the same container */
			r = CONTAINER_DOCKER, id = s + 7;
		} else if (is_hex_id(s, len) && prev && prev_len == 6 && strncmp(prev, "docker", 6) == 0) {
			r = CONTAINER_DOCKER, id = s;
		} else if (is_hex_id(s, len) && kubepods && pod[0]) {
			r = CONTAINER_KUBERNETES, id = s;
		} else if (len > 12 && strncmp(s, "lxc.payload.", 12) == 0) {
			r = CONTAINER_LXC, id = s + 12;
		} else if (prev == path + 1 && prev_len == 3 && strncmp(prev, "lxc", 3) == 0) {
			r = CONTAINER_LXC, id = s; /* LXC before 4.0: /lxc/<name> */
		} else if (len > 14 && strncmp(s, "machine-", 8) == 0 && strncmp(end - 6, ".scope", 6) == 0) {
			r = CONTAINER_NSPAWN, id = s + 8, scope = true;
		}
		if (r != CONTAINER_NONE) {
			id_len = (size_t)(end - id) - (scope ? 6 : 0);
			if (r == CONTAINER_NSPAWN || r == CONTAINER_LXC) {
				unescape_unit(c->id, sizeof(c->id), id, id_len);
				snprintf(c->name, sizeof(c->name), "%s", c->id);
			} else {
				copy_span(c->id, sizeof(c->id), id, id_len);
			}
			if ((size_t)(end - path) >= sizeof(c->cgroup))
				return memset(c, 0, sizeof(*c)), false;
			copy_span(c->cgroup, sizeof(c->cgroup), path, (size_t)(end - path));
			if (r == CONTAINER_CONTAINERD || r == CONTAINER_CRIO || r == CONTAINER_KUBERNETES)
				snprintf(c->pod, sizeof(c->pod), "%s", pod);
			c->runtime = r;
			c->scope = scope;
			return true;
		}
		prev = s;
		prev_len = len;
		s = *end ? end + 1 : end;
	}
	return false;
}

/* root + path, whole, NUL-terminated, in *out (malloc()ed) */
static int read_text(const char *root, const char *path, char **out)
{
	char full[1536];
	ssize_t n;

	if ((size_t)snprintf(full, sizeof(full), "%s%s", root, path) >= sizeof(full))
		return -ENAMETOOLONG;
	n = read_file_alloc(AT_FDCWD, full, out);
	return n < 0 ? (int)n : 0;
}

/*
 * The JSON string after `key` (which ends with the opening quote), from
 * `from` on: names are plain, so an escape or a control byte ends the copy
 * as '?' (nothing from a file reaches a terminal raw).
 */
static bool json_string_after(const char *from, const char *key, char *dst, size_t size)
{
	const char *p = strstr(from, key);
	size_t o = 0;

	if (!p)
		return false;
	for (p += strlen(key); *p && *p != '"' && o + 1 < size; p++)
		dst[o++] = (*p == '\\' || (unsigned char)*p < 0x20) ? '?' : *p;
	dst[o] = '\0';
	return o > 0;
}

/* A pod's container, from its bundle's annotations: "POD/CONTAINER" (or CONTAINER alone) */
static int pod_name(struct container *c, const char *text, const char *pod_key, const char *ctr_key)
{
	char pod[64], ctr[64];

	if (!json_string_after(text, ctr_key, ctr, sizeof(ctr)))
		return -ENOENT;
	if (json_string_after(text, pod_key, pod, sizeof(pod)))
		snprintf(c->name, sizeof(c->name), "%s/%s", pod, ctr);
	else
		snprintf(c->name, sizeof(c->name), "%s", ctr);
	return 0;
}

int container_read_name(struct container *c, const char *root)
{
	cleanup_free char *text = NULL;
	char path[512];

	switch (c->runtime) {
	case CONTAINER_LXC:
	case CONTAINER_NSPAWN:
		return 0; /* in the path */
	case CONTAINER_DOCKER:
		/* {"...","Name":"/web",...} */
		snprintf(path, sizeof(path), "/var/lib/docker/containers/%s/config.v2.json", c->id);
		if (read_text(root, path, &text) == 0 && json_string_after(text, "\"Name\":\"/", c->name,
										  sizeof(c->name)))
			return 0;
		return -ENOENT;
	case CONTAINER_KUBERNETES:
	case CONTAINER_CONTAINERD:
		/* the OCI bundle's annotations: "io.kubernetes.cri.container-name":"app" */
		snprintf(path, sizeof(path), "/run/containerd/io.containerd.runtime.v2.task/k8s.io/%s/config.json", c->id);
		if (read_text(root, path, &text) == 0) {
			c->runtime = CONTAINER_CONTAINERD;
			return pod_name(c, text, "\"io.kubernetes.cri.sandbox-name\":\"",
					"\"io.kubernetes.cri.container-name\":\"");
		}
		if (c->runtime == CONTAINER_CONTAINERD)
			return -ENOENT;
		/* a pod's container under the cgroupfs driver may be CRI-O's */
		__attribute__((fallthrough));
	case CONTAINER_CRIO:
		/* "io.kubernetes.container.name":"app", "io.kubernetes.pod.name":"web-7d9" */
		snprintf(path, sizeof(path), "/run/containers/storage/overlay-containers/%s/userdata/config.json", c->id);
		if (read_text(root, path, &text) == 0) {
			c->runtime = CONTAINER_CRIO;
			return pod_name(c, text, "\"io.kubernetes.pod.name\":\"", "\"io.kubernetes.container.name\":\"");
		}
		return -ENOENT;
	case CONTAINER_PODMAN: {
		/* containers/storage's list: [{"id":"4f3c...","names":["web"],...},...] */
		char key[sizeof(c->id) + 16];
		const char *at;

		/* "<driver>-containers": overlay on most hosts, vfs where the kernel has no overlay */
		static const char *const lists[] = {
			"/var/lib/containers/storage/overlay-containers/containers.json",
			"/var/lib/containers/storage/vfs-containers/containers.json",
			"/var/lib/containers/storage/btrfs-containers/containers.json",
			"/var/lib/containers/storage/zfs-containers/containers.json",
		};
		size_t k;

		for (k = 0; k < ARRAY_SIZE(lists); k++) {
			free(text);
			text = NULL;
			snprintf(key, sizeof(key), "\"id\":\"%s\"", c->id);
			if (read_text(root, lists[k], &text) == 0 && strstr(text, key))
				break;
		}
		if (k == ARRAY_SIZE(lists))
			return -ENOENT;
		at = strstr(text, key);
		if (!at)
			return -ENOENT;
		/* the names of this entry, not of the next one */
		const char *next = strstr(at + 1, "\"id\":\"");
		char name[sizeof(c->name)];
		if (!json_string_after(at, "\"names\":[\"", name, sizeof(name)))
			return -ENOENT;
		if (next && strstr(at, "\"names\":[\"") > next)
			return -ENOENT;
		snprintf(c->name, sizeof(c->name), "%s", name);
		return 0;
	}
	case CONTAINER_NONE:
		break;
	}
	return -ENOENT;
}

#define NAME_CACHE 32

int container_read_name_cached(struct container *c)
{
	static struct {
		enum container_runtime runtime, found;
		char id[sizeof(c->id)];
		char name[sizeof(c->name)];
	} cache[NAME_CACHE];
	static unsigned int next;
	int r;

	for (unsigned int i = 0; i < NAME_CACHE; i++) {
		if (cache[i].runtime == c->runtime && strcmp(cache[i].id, c->id) == 0) {
			snprintf(c->name, sizeof(c->name), "%s", cache[i].name);
			c->runtime = cache[i].found;
			return c->name[0] ? 0 : -ENOENT;
		}
	}
	cache[next].runtime = c->runtime;
	r = container_read_name(c, "");
	cache[next].found = c->runtime;
	snprintf(cache[next].id, sizeof(cache[next].id), "%s", c->id);
	snprintf(cache[next].name, sizeof(cache[next].name), "%s", c->name);
	next = (next + 1) % NAME_CACHE;
	return r;
}

const char *container_runtime_name(enum container_runtime r)
{
	switch (r) {
	case CONTAINER_DOCKER:
		return "docker";
	case CONTAINER_PODMAN:
		return "podman";
	case CONTAINER_KUBERNETES:
		return "kubernetes";
	case CONTAINER_CONTAINERD:
		return "containerd";
	case CONTAINER_CRIO:
		return "cri-o";
	case CONTAINER_LXC:
		return "lxc";
	case CONTAINER_NSPAWN:
		return "nspawn";
	case CONTAINER_NONE:
		break;
	}
	return "";
}

void container_describe(const struct container *c, char *buf, size_t size)
{
	bool hex = strlen(c->id) == ID_HEX;

	/* ids are long: the first 12 digits, as docker ps and podman ps show them */
	if (c->name[0] && (hex || strcmp(c->name, c->id) != 0))
		snprintf(buf, size, "%s %.*s (%s)", container_runtime_name(c->runtime), hex ? 12 : 79, c->id, c->name);
	else
		snprintf(buf, size, "%s %.*s", container_runtime_name(c->runtime), hex ? 12 : 79, c->id);
}
