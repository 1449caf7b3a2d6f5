// SPDX-License-Identifier: GPL-2.0-or-later
/* /proc parsers on recorded files, including processes that name themselves to confuse. */
#include <string.h>

#include "proc.h"
#include "tap.h"

static void test_stat_plain(void)
{
	struct proc_stat st;
	const char *buf = "2710 (cat) R 2708 2708 1176 0 -1 4194304 98 0 7 0 0 0 0 0 20 0 1 0 15604 "
			  "3133440 390 18446744073709551615 94534758117376 0 0\n";

	CHECK(proc_parse_stat(buf, &st));
	CHECK(strcmp(st.comm, "cat") == 0);
	CHECK(st.state == 'R');
	CHECK(st.ppid == 2708);
	CHECK_EQ_U(st.flags, 4194304);
	CHECK_EQ_U(st.minflt, 98);
	CHECK_EQ_U(st.majflt, 7);
	CHECK_EQ_U(st.starttime, 15604);
	CHECK_EQ_U(st.vsize, 3133440);
	CHECK_EQ_U(st.rss_pages, 390);
}

static void test_stat_hostile(void)
{
	struct proc_stat st;
	/* comm "a) R 1 2 3": a naive parser reads state 'R', ppid 1 */
	const char *buf = "4242 (a) R 1 2 3) S 777 4242 4242 0 -1 4194560 10 0 0 0 0 0 0 0 20 0 1 0 "
			  "99999 1000000 250 18446744073709551615\n";

	CHECK(proc_parse_stat(buf, &st));
	CHECK(strcmp(st.comm, "a) R 1 2 3") == 0);
	CHECK(st.state == 'S');
	CHECK(st.ppid == 777);
	CHECK_EQ_U(st.starttime, 99999);
	CHECK_EQ_U(st.rss_pages, 250);

	/* a name that is only parentheses, and one with a newline */
	CHECK(proc_parse_stat("5 ()) S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7 8 9\n", &st));
	CHECK(strcmp(st.comm, ")") == 0 && st.starttime == 7 && st.rss_pages == 9);
	CHECK(proc_parse_stat("6 (x\ny) S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7 8 9\n", &st));
	CHECK(st.ppid == 1);
	/* control characters never reach a log or a terminal: a newline, an escape sequence */
	CHECK(strcmp(st.comm, "x?y") == 0);
	CHECK(proc_parse_stat("7 (\x1b[2J\x7fz) S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7 8 9\n", &st));
	CHECK(strcmp(st.comm, "?[2J?z") == 0);
}

/* Where exec put the code and stack (fields 26-28): a new program image. */
static void test_stat_image(void)
{
	struct proc_stat a, b;
	/* cat, as root reads it; then the same line with another stack */
	const char *buf = "3529 (cat) R 3433 3529 3433 34816 3529 4194304 92 0 0 0 0 0 0 0 20 0 1 0 "
			  "1290217 5656576 437 18446744073709551615 94898813009920 94898813026097 "
			  "140726410584736 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
	const char *other = "3529 (cat) R 3433 3529 3433 34816 3529 4194304 92 0 0 0 0 0 0 0 20 0 1 0 "
			    "1290217 5656576 437 18446744073709551615 94898813009920 94898813026097 "
			    "140726410588832 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

	CHECK(proc_parse_stat(buf, &a));
	CHECK_EQ_U(a.start_code, 94898813009920ull);
	CHECK_EQ_U(a.end_code, 94898813026097ull);
	CHECK_EQ_U(a.start_stack, 140726410584736ull);
	CHECK_EQ_U(a.rss_pages, 437);
	CHECK(proc_stat_image(&a) != 0);
	CHECK(proc_parse_stat(other, &b));
	CHECK(proc_stat_image(&b) != 0 && proc_stat_image(&b) != proc_stat_image(&a));
	CHECK(proc_parse_stat(buf, &b) && proc_stat_image(&b) == proc_stat_image(&a));
	/* a reader without ptrace access, or a main thread that exited: zeros, "unknown" */
	CHECK(proc_parse_stat("5 (x) Z 1 5 5 0 -1 4227084 0 0 0 0 0 0 0 0 20 0 2 0 7 0 0 "
			      "18446744073709551615 0 0 0 0 0\n", &b));
	CHECK(b.start_code == 0 && b.vsize == 0 && proc_stat_image(&b) == 0);
	/* a recorded file cut after rss: parsed, the image unknown */
	CHECK(proc_parse_stat("5 ()) S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7 8 9\n", &b));
	CHECK(b.start_code == 0 && proc_stat_image(&b) == 0);
}

static void test_stat_broken(void)
{
	struct proc_stat st;

	CHECK(!proc_parse_stat("", &st));
	CHECK(!proc_parse_stat("12 (x", &st));
	CHECK(!proc_parse_stat("12 x) S 1", &st));
	CHECK(!proc_parse_stat("12 (x) S 1 2 3", &st));
	CHECK(!proc_parse_stat(")(", &st));
}

static void test_statm_status(void)
{
	struct proc_statm sm;
	uint64_t v;
	unsigned int uid;
	const char *status = "Name:\tcat\nUid:\t1000\t1001\t1000\t1000\nVmRSS:\t    2020 kB\n"
			     "RssAnon:\t     148 kB\nVmSwap:\t     128 kB\n";

	CHECK(proc_parse_statm("765 419 390 5 0 123 0\n", &sm));
	CHECK(sm.size == 765 && sm.resident == 419 && sm.shared == 390);
	CHECK(sm.text == 5); /* the code: an exec into another program changes it */
	CHECK(proc_parse_statm("765 419 390\n", &sm) && sm.text == 0);
	CHECK(!proc_parse_statm("765", &sm));
	CHECK(proc_status_kb(status, "VmSwap", &v) && v == 128 * 1024);
	CHECK(proc_status_kb(status, "RssAnon", &v) && v == 148 * 1024);
	CHECK(!proc_status_kb(status, "VmRSS:", &v));
	CHECK(!proc_status_kb(status, "Vm", &v));
	CHECK(proc_status_uid(status, &uid) && uid == 1001);
}

static void test_cgroup(void)
{
	char path[256];

	CHECK(proc_parse_cgroup("9:name=systemd:/\n4:memory:/process_api/611f\n0::/\n", path,
				sizeof(path)));
	CHECK(strcmp(path, "/process_api/611f") == 0);
	CHECK(proc_parse_cgroup("3:cpu,memory:/a:b\n0::/x\n", path, sizeof(path)));
	CHECK(strcmp(path, "/a:b") == 0);
	CHECK(proc_parse_cgroup("0::/system.slice/x.service\n", path, sizeof(path)));
	CHECK(strcmp(path, "/system.slice/x.service") == 0);
	/* "memoryx" is not "memory" */
	CHECK(proc_parse_cgroup("4:memoryx:/no\n0::/yes\n", path, sizeof(path)));
	CHECK(strcmp(path, "/yes") == 0);
	CHECK(!proc_parse_cgroup("garbage", path, sizeof(path)));
	CHECK(!proc_parse_cgroup("0::/toolong\n", path, 4));
}

static void test_meminfo_vmstat_psi(void)
{
	struct meminfo mi;
	struct vmstat vm;
	struct psi psi;

	CHECK(proc_parse_meminfo("MemTotal:       24684084 kB\nMemFree:        24335680 kB\n"
				 "MemAvailable:   24353892 kB\nSUnreclaim:        21820 kB\n"
				 "HugePages_Total:       3\nHugepagesize:       2048 kB\n",
				 &mi));
	CHECK_EQ_U(mi.mem_total, 24684084ULL * 1024);
	CHECK_EQ_U(mi.mem_available, 24353892ULL * 1024);
	CHECK_EQ_U(mi.sunreclaim, 21820ULL * 1024);
	CHECK_EQ_U(mi.hugepages_total, 3);
	CHECK(!proc_parse_meminfo("Nothing: 1 kB\n", &mi));

	CHECK(proc_parse_vmstat("pswpin 5\npswpout 1840\npgmajfault 9\npgscan_kswapd 10\n"
				"pgscan_direct 5\npgscan_direct_throttle 1\npgscan_anon 12\n"
				"pgscan_file 3\npgsteal_kswapd 7\npgsteal_anon 7\n",
				&vm));
	CHECK_EQ_U(vm.pswpout, 1840);
	CHECK_EQ_U(vm.pswpin, 5);
	CHECK_EQ_U(vm.pgscan, 15);
	CHECK_EQ_U(vm.pgsteal, 7);
	CHECK_EQ_U(vm.pgmajfault, 9);

	CHECK(proc_parse_psi("some avg10=13.20 avg60=2.00 avg300=0.50 total=12345\n"
			     "full avg10=4.00 avg60=1.00 avg300=0.10 total=678\n",
			     &psi));
	CHECK(psi.some_avg10 > 13.19 && psi.some_avg10 < 13.21);
	CHECK(psi.full_avg10 > 3.99 && psi.full_avg10 < 4.01);
	CHECK_EQ_U(psi.some_total, 12345);
	CHECK(!proc_parse_psi("nonsense\n", &psi));
}

static void test_cmdline(void)
{
	char buf[32] = "java\0-jar\0app.jar\0\0";

	proc_cmdline_to_string(buf, 19);
	CHECK(strcmp(buf, "java -jar app.jar") == 0);
}

int main(void)
{
	RUN_TEST(test_stat_plain);
	RUN_TEST(test_stat_hostile);
	RUN_TEST(test_stat_image);
	RUN_TEST(test_stat_broken);
	RUN_TEST(test_statm_status);
	RUN_TEST(test_cgroup);
	RUN_TEST(test_meminfo_vmstat_psi);
	RUN_TEST(test_cmdline);
	TAP_DONE();
}
