// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fuzz seed corpus and every input a fuzzer crashed on, replayed through
 * the parsers of this build: plain for `make check`, ASan+UBSan for
 * `make asan`. A file tests/fuzz/{corpus,crashes}/TARGET/NAME goes through
 * the very code the fuzzer ran on it (tests/fuzz/TARGET.c, included here),
 * in a child process, so that a crash names its input and the rest still run.
 * One TAP line per file.
 *
 * A crash input whose name starts with "todo-" is a bug found and not fixed
 * yet: it is reported with a TAP TODO directive and does not fail the test.
 * Once fixed, drop the prefix: from then on it guards against the bug's return.
 */
#define LJ_FUZZ_REPLAY

#include <dirent.h>
#include <libgen.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../fuzz/fuzz_history.c"
#include "../fuzz/fuzz_jailstate.c"
#include "../fuzz/fuzz_kmem.c"
#include "../fuzz/fuzz_policy.c"
#include "../fuzz/fuzz_proc.c"
#include "../fuzz/fuzz_units.c"
#include "tap.h"
#include "util.h"

static const struct {
	const char *name;
	void (*one)(const uint8_t *data, size_t size);
} targets[] = {
	{ "fuzz_history", fuzz_history_one },
	{ "fuzz_jailstate", fuzz_jailstate_one },
	{ "fuzz_kmem", fuzz_kmem_one },
	{ "fuzz_policy", fuzz_policy_one },
	{ "fuzz_proc", fuzz_proc_one },
	{ "fuzz_units", fuzz_units_one },
};

/* Run one input in a child: true when it came back without a crash, an abort or a leak. */
static bool replay_one(void (*one)(const uint8_t *, size_t), const char *path)
{
	cleanup_free char *data = NULL;
	ssize_t len = read_file_alloc(AT_FDCWD, path, &data);
	int status;
	pid_t pid;

	if (len < 0) {
		printf("#   cannot read %s: %s\n", path, strerror((int)-len));
		return false;
	}
	fflush(stdout); /* or the child's exit() writes what is buffered a second time */
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		one((const uint8_t *)data, (size_t)len);
		exit(0);
	}
	if (waitpid(pid, &status, 0) < 0)
		return false;
	if (WIFSIGNALED(status))
		printf("#   %s: killed by signal %d\n", path, WTERMSIG(status));
	else if (WEXITSTATUS(status))
		printf("#   %s: exit status %d\n", path, WEXITSTATUS(status));
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void replay_dir(const char *root, const char *kind, const char *target_name)
{
	void (*one)(const uint8_t *, size_t) = NULL;
	struct dirent **names = NULL;
	char dir[1400];
	int n;

	for (size_t i = 0; i < ARRAY_SIZE(targets); i++)
		if (strcmp(targets[i].name, target_name) == 0)
			one = targets[i].one;
	snprintf(dir, sizeof(dir), "%s/%s/%s", root, kind, target_name);
	if (!one) {
		/* a misspelt directory would never be replayed */
		printf("not ok %d - %s/%s: no fuzz target by that name\n", ++tap_run, kind, target_name);
		tap_failed++;
		return;
	}
	n = scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *f = names[i]->d_name;
		char path[1700];
		struct stat st;
		bool todo = strncmp(f, "todo-", 5) == 0, ok;

		snprintf(path, sizeof(path), "%s/%s", dir, f);
		if (f[0] == '.' || stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(names[i]);
			continue;
		}
		ok = replay_one(one, path);
		printf("%s %d - %s/%s/%s%s\n", ok ? "ok" : "not ok", ++tap_run, kind, target_name, f,
		       todo ? " # TODO not fixed yet" : "");
		if (!ok && !todo)
			tap_failed++;
		free(names[i]);
	}
	free(names);
}

/* tests/fuzz, from the top of the tree (as tests/run.sh runs) or from BUILD/tests/test_replay. */
static bool find_root(const char *argv0, char *root, size_t size)
{
	struct stat st;
	char *copy = strdup(argv0);

	snprintf(root, size, "tests/fuzz");
	if (stat(root, &st) == 0 && S_ISDIR(st.st_mode)) {
		free(copy);
		return true;
	}
	if (copy)
		snprintf(root, size, "%s/../../tests/fuzz", dirname(copy));
	free(copy);
	return stat(root, &st) == 0 && S_ISDIR(st.st_mode);
}

int main(int argc, char **argv)
{
	static const char *const kinds[] = { "corpus", "crashes" };
	char root[1024];

	(void)argc;
	(void)tap_current_failed; /* one TAP line per file here, not per RUN_TEST() */
	if (!find_root(argv[0], root, sizeof(root))) {
		printf("1..0 # SKIP no tests/fuzz here\n");
		return 77;
	}
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		struct dirent **names = NULL;
		char dir[1100];
		int n;

		snprintf(dir, sizeof(dir), "%s/%s", root, kinds[k]);
		n = scandir(dir, &names, NULL, alphasort);
		for (int i = 0; i < n; i++) {
			if (names[i]->d_name[0] != '.' && names[i]->d_type == DT_DIR)
				replay_dir(root, kinds[k], names[i]->d_name);
			free(names[i]);
		}
		free(names);
	}
	TAP_DONE();
}
