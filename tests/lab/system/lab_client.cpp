#include "lab_client.h"

#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/tree/traverse.hpp>
#include <boost/test/unit_test.hpp>

#include "../../../migration/process.h"


namespace lab {

namespace {

std::string repo() {
    const char *r = std::getenv("LAB_REPO");
    return r && *r ? r : ".";
}

// Shell-quotes one word for the remote shell.
std::string quote(const std::string &s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string serial_log(const std::string &host) {
    const char *st = std::getenv("LAB_STATE");
    return (st && *st ? std::string(st) : repo() + "/build/lab/pool") + "/" + host + ".log";
}

}  // namespace

Result run(const std::vector<std::string> &argv) {
    // The product's own spawn (migration/process.h): one loop for both.
    const cpucompat::ProcessResult p = cpucompat::run_captured(argv);
    return Result{p.status, p.out, p.err};
}

Result exec(const std::string &host, const std::string &cmd) {
    return run({repo() + "/tests/lab/lab", "exec", host, cmd});
}

std::string must(const std::string &host, const std::string &cmd) {
    const Result r = exec(host, cmd);
    BOOST_REQUIRE_MESSAGE(r.status == 0, host << "$ " << cmd << "\n  exit " << r.status << "\n  stdout: " << r.out << "\n  stderr: " << r.err);
    return r.out;
}

void up(const std::vector<std::string> &specs) {
    std::vector<std::string> argv{repo() + "/tests/lab/lab", "up"};
    argv.insert(argv.end(), specs.begin(), specs.end());
    const Result r = run(argv);
    if (r.status != 0) throw std::runtime_error("lab up failed:\n" + r.err);
    BOOST_TEST_MESSAGE(r.err);
}

void down() { run({repo() + "/tests/lab/lab", "down"}); }

std::string wait_console(const std::string &host, const std::string &guest, const std::string &prefix, int seconds) {
    // One ssh session that waits in dom0: a key exchange per poll costs
    // seconds of emulated CPU under TCG.
    const std::string log = "/var/log/xen/console/guest-" + guest + ".log";
    const std::string pat = quote("^" + prefix);
    const Result r = exec(host, "i=0; while [ $i -lt " + std::to_string(seconds) + " ]; do l=$(grep -a " + pat + " " + log +
                                    " 2>/dev/null | tail -n 1); [ -n \"$l\" ] && { echo \"$l\"; exit 0; }; sleep 1; i=$((i + 1)); done; exit 1");
    if (r.status != 0) return "";
    return r.out.substr(0, r.out.find_last_not_of("\r\n") + 1);
}

int last_tick(const std::string &host, const std::string &guest) {
    const Result r = exec(host, "grep -a '^GUEST-TICK' /var/log/xen/console/guest-" + guest + ".log 2>/dev/null | tail -n 1");
    int n = 0;
    std::sscanf(r.out.c_str(), "GUEST-TICK %d", &n);
    return n;
}

std::string guest_config(const std::string &name, const std::string &type, int memory_mb, const std::string &cpuid_value) {
    std::ostringstream c;
    c << "name = \"" << name << "\"\n"
      << "type = \"" << type << "\"\n"
      << "kernel = \"" << (type == "pvh" ? "/guest/vmlinuz" : "/guest/vmlinux.gz") << "\"\n"  // see mk-dom0.sh
      << "ramdisk = \"/guest/initrd.cpio.gz\"\n"
      << "extra = \"console=hvc0 quiet\"\n"
      << "memory = " << memory_mb << "\n"
      << "vcpus = 1\n"
      << "on_crash = \"preserve\"\n";
    if (!cpuid_value.empty()) c << "cpuid = " << cpuid_value << "\n";
    return c.str();
}

void put_file(const std::string &host, const std::string &path, const std::string &text) {
    must(host, "printf '%s' " + quote(text) + " > " + quote(path));
}

void copy_to(const std::string &host, const std::string &local, const std::string &remote) {
    const Result r = run({repo() + "/tests/lab/lab", "put", host, local, remote});
    BOOST_REQUIRE_MESSAGE(r.status == 0, "lab put " << host << " " << local << " " << remote << ": exit " << r.status << "\n" << r.err);
}

void kill_host(const std::string &host) {
    const Result r = run({repo() + "/tests/lab/lab", "kill", host});
    BOOST_REQUIRE_MESSAGE(r.status == 0, "lab kill " << host << ": " << r.err);
}

void boot_host(const std::string &host) {
    const Result r = run({repo() + "/tests/lab/lab", "boot", host});
    BOOST_REQUIRE_MESSAGE(r.status == 0, "lab boot " << host << ": " << r.err);
    BOOST_TEST_MESSAGE(r.err);
}

size_t serial_size(const std::string &host) {
    std::ifstream in(serial_log(host), std::ios::binary | std::ios::ate);
    return in ? static_cast<size_t>(in.tellg()) : 0;
}

bool wait_serial(const std::string &host, const std::string &text, size_t from, int seconds) {
    for (int i = 0; i < seconds * 20; ++i) {
        std::ifstream in(serial_log(host), std::ios::binary);
        in.seekg(static_cast<std::streamoff>(from));
        const std::string tail((std::istreambuf_iterator<char>(in)), {});
        if (tail.find(text) != std::string::npos) return true;
        usleep(50 * 1000);
    }
    return false;
}

bool cases_run_after(const std::string &suite) {
    namespace utf = boost::unit_test;
    // Walks the enabled test tree in run order; counts the cases met once
    // `suite` has ended.
    struct After : utf::test_tree_visitor {
        const std::string &suite;
        bool past = false;
        int cases = 0;
        explicit After(const std::string &s) : suite(s) {}
        void visit(const utf::test_case &) override { cases += past; }
        void test_suite_finish(const utf::test_suite &ts) override { past = past || ts.p_name.get() == suite; }
    } after(suite);
    utf::traverse_test_tree(utf::framework::master_test_suite(), after);
    return after.cases > 0;
}

std::string records_dir() {
    const std::string d = repo() + "/build/lab/records";
    run({"mkdir", "-p", d});
    return d;
}

}  // namespace lab
