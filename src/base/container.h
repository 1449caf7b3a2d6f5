/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Containers, known by their cgroup path. A container's process is jailed
 * in place (its container's own memory cgroup is limited), never moved out
 * of it: a move would take it out of reach of the container's own limit and
 * out of the runtime's accounting.
 *
 * The shapes recognised (cgroup v1 and v2 alike; the systemd cgroup driver
 * makes scopes, the cgroupfs driver plain directories):
 *
 *   Docker        /docker/<id>                     /system.slice/docker-<id>.scope
 *   Podman        /libpod_parent/libpod-<id>       /machine.slice/libpod-<id>.scope (and in a user's manager)
 *   containerd    /kubepods/burstable/pod<uid>/<id>  .../kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope
 *   CRI-O         (as containerd, cgroupfs)        .../crio-<id>.scope
 *   LXC           /lxc.payload.<name>  (older: /lxc/<name>)
 *   nspawn        /machine.slice/machine-<name>.scope (any machine registered with systemd-machined)
 *
 * The container's cgroup may hold cgroups of its own (`libpod-<id>.scope/container`,
 * `lxc.payload.c1/system.slice/...`): the outermost container cgroup is the one
 * its runtime limits. Monitors beside a container (conmon, lxc.monitor) are not it.
 */
#ifndef LJ_CONTAINER_H
#define LJ_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>

enum container_runtime {
	CONTAINER_NONE = 0,
	CONTAINER_DOCKER,
	CONTAINER_PODMAN,
	CONTAINER_KUBERNETES, /* a pod's container, cgroupfs driver: containerd or CRI-O, told by container_read_name() */
	CONTAINER_CONTAINERD,
	CONTAINER_CRIO,
	CONTAINER_LXC,
	CONTAINER_NSPAWN,
};

struct container {
	enum container_runtime runtime;
	char id[80];       /* the runtime's id (64 hex digits), or the name for LXC and nspawn */
	char pod[64];      /* Kubernetes: the pod's uid */
	char name[128];    /* the container's name, where the runtime keeps it in a file ("" if unknown) */
	char cgroup[1024]; /* the container's own cgroup: a prefix of the process's path */
	bool scope;        /* that cgroup is a systemd scope (the systemd cgroup driver) */
};

/*
 * Is the cgroup at `path` (as /proc/PID/cgroup names it: "/docker/4f3c...")
 * in a container? Pure: fills *c and returns true, or returns false.
 */
bool container_of_cgroup(const char *path, struct container *c);

/*
 * The container's name, from the files its runtime keeps (never by calling
 * the runtime): Docker's config.v2.json, containers/storage's containers.json
 * (Podman, CRI-O), the OCI bundle's annotations (containerd, CRI-O under
 * Kubernetes); LXC and nspawn names are in the path. `root` prefixes every
 * path ("" on a live system; a fixture directory in tests). Also tells
 * containerd from CRI-O for a pod's container under the cgroupfs driver.
 * 0, or -errno when no file names it (c->name stays "").
 */
int container_read_name(struct container *c, const char *root);

/*
 * The same, remembered for the last few containers asked about (names do
 * not change while a container lives; a file of all of Podman's containers
 * is not read again for each of its processes). Not thread-safe: the main
 * loop's.
 */
int container_read_name_cached(struct container *c);

/* "docker", "podman", "kubernetes", "containerd", "cri-o", "lxc", "nspawn", or "" */
const char *container_runtime_name(enum container_runtime r);

/* "podman libpod-4f3c12ab5d9e (web)": a short label for records; buf of 128 bytes is enough */
void container_describe(const struct container *c, char *buf, size_t size);

#endif
