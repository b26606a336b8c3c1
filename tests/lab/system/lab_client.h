// The system tests' handle on the lab: runs tests/lab/lab (the same command
// people use) and gives back exit status and output.
#pragma once

#include <string>
#include <vector>

namespace lab {

struct Result {
    int status = -1;
    std::string out, err;
};

// Runs argv (no shell) with stdin from /dev/null; stdout and stderr captured.
Result run(const std::vector<std::string> &argv);

// `lab exec HOST CMD`: CMD is one shell command line in HOST's dom0.
Result exec(const std::string &host, const std::string &cmd);
// The same, failing the current test (with the output) unless it exits 0.
std::string must(const std::string &host, const std::string &cmd);

void up(const std::vector<std::string> &specs);  // throws on failure
void down();

// Waits until the console log of guest `guest` on `host` has a line starting
// with `prefix`; returns the last such line ("" on timeout).
std::string wait_console(const std::string &host, const std::string &guest, const std::string &prefix, int seconds);
// The number N of the last "GUEST-TICK N" of `guest` on `host` (0 if none).
int last_tick(const std::string &host, const std::string &guest);

// An xl config for the lab guest; cpuid_value is the value after "cpuid=".
std::string guest_config(const std::string &name, const std::string &type, int memory_mb, const std::string &cpuid_value);
// Writes `text` to `path` in the host's dom0.
void put_file(const std::string &host, const std::string &path, const std::string &text);
// Copies the runner's file `local` to `remote` in the host's dom0 (`lab put`);
// fails the current test unless it arrived.
void copy_to(const std::string &host, const std::string &local, const std::string &remote);

// A host's power: `lab kill HOST` (SIGKILL to its QEMU, a crash: nothing
// is flushed) and `lab boot HOST` (boots it again with the same disks,
// waits until it is up). Both fail the current test unless they worked.
void kill_host(const std::string &host);
void boot_host(const std::string &host);
// Waits until `host`'s serial console (Xen and dom0, the runner's log of it)
// has a line containing `text` after byte `from`; true if it came in time.
// Polled locally every 50 ms: no ssh round trip between the sign and what
// the test does next.
bool wait_serial(const std::string &host, const std::string &text, size_t from, int seconds);
// The size of that log now (for `from`).
size_t serial_size(const std::string &host);

// Whether this run has an enabled test case after the suite `suite` (Boost
// runs them in the order they were registered, the objects' link order):
// a suite that leaves a host powered off boots it again only then.
bool cases_run_after(const std::string &suite);

// Where records of observed behaviour go (build/lab/records).
std::string records_dir();

}  // namespace lab
