// What the system tests do with guests and policies, shared by every test
// file: creating lab guests, reading policies back, guests' CPU flags.
#pragma once

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

}  // namespace lab
