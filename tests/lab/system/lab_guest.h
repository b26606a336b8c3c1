// What the system tests do with guests and policies, shared by every test
// file: creating lab guests, reading policies back, guests' CPU flags.
#pragma once

#include <cstdio>
#include <set>
#include <sstream>
#include <string>

#include <boost/test/unit_test.hpp>

#include "../../../toolstack/core/catalogue.h"
#include "../../../toolstack/import/domain_record.h"
#include "../../../toolstack/import/import.h"
#include "lab_client.h"

namespace lab {

using cpucompat::Catalogue;
using cpucompat::Featureset;
using cpucompat::InputText;
using cpucompat::Policy;

inline Policy parse(const std::string &name, const std::string &text, const std::string &selector = "") {
    return cpucompat::import_policy(InputText{name, text}, selector);
}

inline Featureset controllable(const Featureset &fs) { return fs & Catalogue::get().toolstack_controlled(); }

inline std::string names(const Featureset &fs) {
    std::string s;
    for (const auto &n : Catalogue::get().names(fs)) s += n + " ";
    return s;
}

inline std::set<std::string> guest_flags(const std::string &host, const std::string &guest) {
    const std::string line = wait_console(host, guest, "GUEST-FLAGS", 120);
    BOOST_REQUIRE_MESSAGE(!line.empty(), guest << " on " << host << " printed no GUEST-FLAGS line; xl list and its console:\n"
                                                << exec(host, "xl list; tail -c 2000 /var/log/xen/console/guest-" + guest + ".log").out);
    std::istringstream in(line.substr(std::string("GUEST-FLAGS").size()));
    std::set<std::string> flags;
    for (std::string f; in >> f;) flags.insert(f);
    return flags;
}

inline void create(const std::string &host, const std::string &name, const std::string &type, int mem, const std::string &cpuid) {
    put_file(host, "/etc/xen/" + name + ".cfg", guest_config(name, type, mem, cpuid));
    must(host, "xl create /etc/xen/" + name + ".cfg");
    BOOST_REQUIRE_MESSAGE(!wait_console(host, name, "GUEST-TICK", 180).empty(), name << " never ticked on " << host);
}

inline std::string domid(const std::string &host, const std::string &name) {
    const std::string out = must(host, "xl domid " + name);
    return out.substr(0, out.find('\n'));
}

// The domain's policy as Xen applied it.
inline Policy domain_policy(const std::string &host, const std::string &name) {
    return parse(host + ": domain " + name, must(host, "xen-cpuid -p " + domid(host, name)));
}

// The record as the guest's xenstore directory shows it (from c_info.xsdata).
inline cpucompat::DomainRecord record_of(const std::string &host, const std::string &name) {
    const std::string id = domid(host, name);
    return cpucompat::record_from_json(must(host, "xenstore-read /local/domain/" + id + "/cpucompat"), host + ": domain " + name);
}

inline void destroy(const std::string &host, const std::string &name) { exec(host, "xl destroy " + name); }

// Destroys the guest when the test leaves the scope, passed or failed, so
// no guest is left running into the next test.
struct GuestGuard {
    std::string host, name;
    ~GuestGuard() { destroy(host, name); }
};

// Runs a clean-up command when the test leaves the scope (dom0 roots are
// RAM: a save image left behind eats a host's memory for later tests).
struct CleanupGuard {
    std::string host, command;
    ~CleanupGuard() { exec(host, command); }
};

// The number N of the last "PREFIX N" line of `guest` on `host` (-1 if none).
inline long last_number(const std::string &host, const std::string &guest, const std::string &prefix) {
    const Result r = exec(host, "grep -a '^" + prefix + " ' /var/log/xen/console/guest-" + guest + ".log 2>/dev/null | tail -n 1");
    long n = -1;
    std::sscanf(r.out.c_str(), (prefix + " %ld").c_str(), &n);
    return n;
}

// After a move from `from` to `to`: the copy there started from what the
// last writer left (nothing lost: at least the last count printed before
// the shutdown, at most one more written but not printed) and counts on.
inline void continues_counting(const std::string &from, const std::string &to, const std::string &name) {
    const long before = last_number(from, name, "GUEST-DISK");
    BOOST_REQUIRE(!wait_console(to, name, "GUEST-DISK-START", 180).empty());
    const long start = last_number(to, name, "GUEST-DISK-START");
    BOOST_TEST_MESSAGE(name << ": last count on " << from << " " << before << ", read at start on " << to << " " << start);
    BOOST_TEST(start >= before);
    BOOST_TEST(start <= before + 1);
    BOOST_TEST(!wait_console(to, name, "GUEST-DISK " + std::to_string(start + 2), 60).empty());
}

}  // namespace lab
