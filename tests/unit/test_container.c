// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Containers known by their cgroup paths: the shapes each runtime makes, as
 * /proc/PID/cgroup shows them (Podman's taken on a Debian 12 host, v1, runc,
 * cgroupfs manager; the others from the runtimes' documented layouts), and
 * names read from fixture copies of the runtimes' files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "container.h"
#include "scan.h"
#include "tap.h"

#define ID "0be5a925c96580e72397579d120d19d6340a1163b796e4ea825a8be1de168465"
#define ID2 "a4867cdd75a12b27a34cf2d1ca98f83ffadb7b468e86a3f6c640d3fd8ffeced4"
#define ID3 "c0ffee25c96580e72397579d120d19d6340a1163b796e4ea825a8be1de168465"
#define POD "6f1d9b0e-3c1a-4c57-9a5e-2f0d7c1e8b42"
#define POD_ "6f1d9b0e_3c1a_4c57_9a5e_2f0d7c1e8b42"

static bool is(const char *path, enum container_runtime r, const char *id, const char *cgroup, bool scope)
{
	struct container c;

	if (!container_of_cgroup(path, &c)) {
		printf("#   %s: not a container\n", path);
		return false;
	}
	if (c.runtime != r || strcmp(c.id, id) != 0 || strcmp(c.cgroup, cgroup) != 0 || c.scope != scope) {
		printf("#   %s: %s id=%s cgroup=%s scope=%d\n", path, container_runtime_name(c.runtime), c.id, c.cgroup,
		       c.scope);
		return false;
	}
	return true;
}

static bool not_one(const char *path)
{
	struct container c;

	if (container_of_cgroup(path, &c)) {
		printf("#   %s: taken for %s %s\n", path, container_runtime_name(c.runtime), c.id);
		return false;
	}
	return true;
}

static void test_docker(void)
{
	CHECK(is("/docker/" ID, CONTAINER_DOCKER, ID, "/docker/" ID, false));
	CHECK(is("/system.slice/docker-" ID ".scope", CONTAINER_DOCKER, ID, "/system.slice/docker-" ID ".scope", true));
	/* a cgroup of the container's own, below its cgroup (systemd inside) */
	CHECK(is("/docker/" ID "/system.slice/nginx.service", CONTAINER_DOCKER, ID, "/docker/" ID, false));
	CHECK(not_one("/system.slice/docker.service"));
	CHECK(not_one("/docker"));
	CHECK(not_one("/docker/notanid"));
	CHECK(not_one("/system.slice/docker-" ID ".scopeX"));
	CHECK(not_one("/system.slice/docker-" "0be5a925c96580e72397579d120d19d6340a1163b796e4ea825a8be1de16846" ".scope"));
}

static void test_podman(void)
{
	/* seen here: podman 4.3, runc, cgroupfs manager, cgroup v1 (every controller's line alike) */
	CHECK(is("/libpod_parent/libpod-" ID, CONTAINER_PODMAN, ID, "/libpod_parent/libpod-" ID, false));
	CHECK(is("/machine.slice/libpod-" ID ".scope", CONTAINER_PODMAN, ID, "/machine.slice/libpod-" ID ".scope", true));
	/* crun on v2 puts the container's processes one level down */
	CHECK(is("/machine.slice/libpod-" ID ".scope/container", CONTAINER_PODMAN, ID,
		 "/machine.slice/libpod-" ID ".scope", true));
	/* rootless, in the user's manager */
	CHECK(is("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope", CONTAINER_PODMAN, ID,
		 "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope", true));
	/* the monitor beside a container is not the container */
	CHECK(not_one("/machine.slice/libpod-conmon-" ID ".scope"));
	CHECK(not_one("/libpod_parent/conmon"));
	CHECK(not_one("/machine.slice"));
}

static void test_kubernetes(void)
{
	CHECK(is("/kubepods/burstable/pod" POD "/" ID, CONTAINER_KUBERNETES, ID, "/kubepods/burstable/pod" POD "/" ID,
		 false));
	CHECK(is("/kubepods/pod" POD "/" ID, CONTAINER_KUBERNETES, ID, "/kubepods/pod" POD "/" ID, false));
	CHECK(is("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_ ".slice/cri-containerd-" ID
		 ".scope",
		 CONTAINER_CONTAINERD, ID,
		 "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_ ".slice/cri-containerd-" ID ".scope",
		 true));
	CHECK(is("/kubepods.slice/kubepods-pod" POD_ ".slice/crio-" ID ".scope", CONTAINER_CRIO, ID,
		 "/kubepods.slice/kubepods-pod" POD_ ".slice/crio-" ID ".scope", true));

	struct container c;
	CHECK(container_of_cgroup("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_
				  ".slice/cri-containerd-" ID ".scope",
				  &c) &&
	      strcmp(c.pod, POD) == 0);
	CHECK(container_of_cgroup("/kubepods/burstable/pod" POD "/" ID, &c) && strcmp(c.pod, POD) == 0);
	/* the pod's own cgroup and the pause-less slices are not containers */
	CHECK(not_one("/kubepods/burstable/pod" POD));
	CHECK(not_one("/kubepods.slice/kubepods-burstable.slice"));
	CHECK(not_one("/kubepods.slice/kubepods-pod" POD_ ".slice/crio-conmon-" ID ".scope"));
}

static void test_lxc_nspawn(void)
{
	CHECK(is("/lxc.payload.web", CONTAINER_LXC, "web", "/lxc.payload.web", false));
	CHECK(is("/lxc.payload.web/system.slice/cron.service", CONTAINER_LXC, "web", "/lxc.payload.web", false));
	CHECK(is("/lxc/db1", CONTAINER_LXC, "db1", "/lxc/db1", false));
	CHECK(not_one("/lxc.monitor.web"));
	CHECK(not_one("/user.slice/lxc/db1"));
	CHECK(is("/machine.slice/machine-build\\x2dbox.scope/payload", CONTAINER_NSPAWN, "build-box",
		 "/machine.slice/machine-build\\x2dbox.scope", true));
	CHECK(not_one("/machine.slice/machine.scope"));
}

static void test_plain(void)
{
	CHECK(not_one("/"));
	CHECK(not_one(""));
	CHECK(not_one("/user.slice/user-1000.slice/session-2.scope"));
	CHECK(not_one("/system.slice/nginx.service"));
	CHECK(not_one("/leakjail/lekker-4242"));
	CHECK(not_one("relative/docker/" ID));
}

static void put(const char *root, const char *rel, const char *text)
{
	char path[1024], cmd[1100];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	if (system(cmd) != 0)
		return;
	f = fopen(path, "w");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

static void test_names(void)
{
	char root[] = "/tmp/leakjail-test-container.XXXXXX", cmd[128], label[128];
	struct container c;

	if (!mkdtemp(root)) {
		CHECK(!"mkdtemp");
		return;
	}
	put(root, "/var/lib/docker/containers/" ID "/config.v2.json",
	    "{\"StreamConfig\":{},\"State\":{\"Running\":true},\"ID\":\"" ID "\",\"Name\":\"/web-1\",\"Driver\":\"overlay2\"}");
	/* containers/storage's list, as podman 4.3 wrote it here */
	put(root, "/var/lib/containers/storage/overlay-containers/containers.json",
	    "[{\"id\":\"" ID2 "\",\"names\":[\"other\"],\"image\":\"\"},"
	    "{\"id\":\"" ID "\",\"names\":[\"ljctr-probe\"],\"image\":\"\",\"layer\":\"2ca0\","
	    "\"metadata\":\"{\\\"name\\\":\\\"ljctr-probe\\\"}\"}]");
	/* where the kernel has no overlay: the vfs driver's list */
	put(root, "/var/lib/containers/storage/vfs-containers/containers.json",
	    "[{\"id\":\"" ID3 "\",\"names\":[\"on-vfs\"],\"image\":\"\"}]");
	put(root, "/run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID2 "/config.json",
	    "{\"ociVersion\":\"1.1.0\",\"annotations\":{\"io.kubernetes.cri.container-name\":\"api\","
	    "\"io.kubernetes.cri.sandbox-name\":\"api-5c8f\"}}");
	put(root, "/run/containers/storage/overlay-containers/" ID "/userdata/config.json",
	    "{\"annotations\":{\"io.kubernetes.pod.name\":\"cache-0\",\"io.kubernetes.container.name\":\"redis\"}}");

	CHECK(container_of_cgroup("/docker/" ID, &c) && container_read_name(&c, root) == 0 &&
	      strcmp(c.name, "web-1") == 0);
	container_describe(&c, label, sizeof(label));
	CHECK(strcmp(label, "docker 0be5a925c965 (web-1)") == 0);
	CHECK(container_of_cgroup("/libpod_parent/libpod-" ID, &c) && container_read_name(&c, root) == 0 &&
	      strcmp(c.name, "ljctr-probe") == 0);
	CHECK(container_of_cgroup("/libpod_parent/libpod-" ID2, &c) && container_read_name(&c, root) == 0 &&
	      strcmp(c.name, "other") == 0);
	CHECK(container_of_cgroup("/machine.slice/libpod-" ID3 ".scope", &c) && container_read_name(&c, root) == 0 &&
	      strcmp(c.name, "on-vfs") == 0);
	/* a pod's container, cgroupfs driver: the bundle tells which runtime runs it */
	CHECK(container_of_cgroup("/kubepods/pod" POD "/" ID2, &c) && container_read_name(&c, root) == 0 &&
	      c.runtime == CONTAINER_CONTAINERD && strcmp(c.name, "api-5c8f/api") == 0);
	CHECK(container_of_cgroup("/kubepods/pod" POD "/" ID, &c) && container_read_name(&c, root) == 0 &&
	      c.runtime == CONTAINER_CRIO && strcmp(c.name, "cache-0/redis") == 0);
	/* no file: no name, and no error beyond that */
	CHECK(container_of_cgroup("/system.slice/docker-" ID2 ".scope", &c) && container_read_name(&c, root) == -ENOENT &&
	      c.name[0] == '\0');
	container_describe(&c, label, sizeof(label));
	CHECK(strcmp(label, "docker a4867cdd75a1") == 0);
	CHECK(container_of_cgroup("/lxc.payload.web", &c) && container_read_name(&c, root) == 0);
	container_describe(&c, label, sizeof(label));
	CHECK(strcmp(label, "lxc web") == 0);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK(system(cmd) == 0);
}

/* Policies choose containers by RUNTIME:ID or RUNTIME:NAME; nothing else matches those keys. */
static void test_policy_match(void)
{
	struct diag_list d = { 0 };
	struct config cfg;
	struct proc_entry in_docker = { .pid = 10, .comm = "app", .cgroup = (char *)"/docker/" ID };
	struct proc_entry in_podman = { .pid = 11, .comm = "app", .cgroup = (char *)"/libpod_parent/libpod-" ID2 };
	struct proc_entry plain = { .pid = 12, .comm = "app", .cgroup = (char *)"/system.slice/app.service" };

	memset(&cfg, 0, sizeof(cfg));
	config_parse_policies_string("p.conf",
				     "[policy docker]\nmatch_container = docker:0be5*\n"
				     "[policy none]\nexclude_container = *:*\n"
				     "[policy any]\nmatch_container = *\n",
				     &cfg, &d);
	CHECK(d.n == 0 && cfg.n_policies == 3);
	if (cfg.n_policies == 3) {
		CHECK(policy_selects(&cfg.policies[0], &in_docker));
		CHECK(!policy_selects(&cfg.policies[0], &in_podman));
		CHECK(!policy_selects(&cfg.policies[0], &plain));
		CHECK(!policy_selects(&cfg.policies[1], &in_docker));
		CHECK(!policy_selects(&cfg.policies[1], &in_podman));
		CHECK(policy_selects(&cfg.policies[1], &plain));
		CHECK(policy_selects(&cfg.policies[2], &in_podman));
		CHECK(!policy_selects(&cfg.policies[2], &plain));
	}
	diag_free(&d);
	config_free(&cfg);
}

int main(void)
{
	RUN_TEST(test_docker);
	RUN_TEST(test_podman);
	RUN_TEST(test_kubernetes);
	RUN_TEST(test_lxc_nspawn);
	RUN_TEST(test_plain);
	RUN_TEST(test_names);
	RUN_TEST(test_policy_match);
	TAP_DONE();
}
