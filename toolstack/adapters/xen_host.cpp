#include "xen_host.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "../core/error.h"
#include "../core/text.h"
#include "xen_headers.h"

namespace cpucompat {

namespace {

struct XcHandle {
    xc_interface *xch;
    XcHandle() : xch(xc_interface_open(nullptr, nullptr, 0)) {
        if (!xch) throw Error(std::string("cannot open libxc (not running in a Xen dom0 as root?): ") + std::strerror(errno));
    }
    ~XcHandle() { xc_interface_close(xch); }
};

struct XcPolicy {
    xc_cpu_policy_t *p = xc_cpu_policy_init();
    ~XcPolicy() { xc_cpu_policy_destroy(p); }
};

Policy serialise(xc_interface *xch, xc_cpu_policy_t *pol) {
    uint32_t nr_leaves = 0, nr_msrs = 0;
    if (xc_cpu_policy_get_size(xch, &nr_leaves, &nr_msrs))
        throw Error(std::string("xc_cpu_policy_get_size: ") + std::strerror(errno));
    std::vector<xen_cpuid_leaf_t> leaves(nr_leaves);
    std::vector<xen_msr_entry_t> msrs(nr_msrs);
    if (xc_cpu_policy_serialise(xch, pol, leaves.data(), &nr_leaves, msrs.data(), &nr_msrs))
        throw Error(std::string("xc_cpu_policy_serialise: ") + std::strerror(errno));
    Leaves l;
    for (uint32_t i = 0; i < nr_leaves; ++i) {
        const auto &x = leaves[i];
        if (x.a | x.b | x.c | x.d) l[{x.leaf, x.subleaf}] = Regs{x.a, x.b, x.c, x.d};
    }
    Msrs m;
    for (uint32_t i = 0; i < nr_msrs; ++i) m[msrs[i].idx] = msrs[i].val;
    return policy_from_leaves(std::move(l), std::move(m));
}

}  // namespace

const char *system_policy_name(SystemPolicy p) {
    switch (p) {
    case SystemPolicy::raw: return "Raw";
    case SystemPolicy::host: return "Host";
    case SystemPolicy::pv_max: return "PV Max";
    case SystemPolicy::hvm_max: return "HVM Max";
    case SystemPolicy::pv_default: return "PV Default";
    case SystemPolicy::hvm_default: return "HVM Default";
    }
    return "?";
}

SystemPolicy parse_system_policy(const std::string &name) {
    for (unsigned i = 0; i <= 5; ++i)
        if (fold_name(name) == fold_name(system_policy_name(static_cast<SystemPolicy>(i)))) return static_cast<SystemPolicy>(i);
    throw Error("unknown system policy \"" + name + "\"; expected raw, host, pv-max, hvm-max, pv-default or hvm-default");
}

Libxc::Libxc() : xch_(xc_interface_open(nullptr, nullptr, 0)) {
    if (!xch_) throw Error(std::string("cannot open libxc (not running in a Xen dom0 as root?): ") + std::strerror(errno));
}

Libxc::~Libxc() { xc_interface_close(xch_); }

Policy Libxc::system_policy(SystemPolicy which) {
    XcPolicy pol;
    if (!pol.p) throw Error("out of memory");
    if (xc_cpu_policy_get_system(xch_, static_cast<unsigned>(which), pol.p))
        throw Error(std::string("cannot read Xen's ") + system_policy_name(which) + " policy: " + std::strerror(errno));
    try {
        return serialise(xch_, pol.p);
    } catch (const Error &) {
        // Xen hands out an all-zero policy for guest types it cannot run.
        throw Error(std::string("Xen's ") + system_policy_name(which) + " policy is empty: this host offers no such guests");
    }
}

Policy Libxc::domain_policy(uint32_t domid) {
    XcPolicy pol;
    if (!pol.p) throw Error("out of memory");
    if (xc_cpu_policy_get_domain(xch_, domid, pol.p))
        throw Error("cannot read the CPUID policy of domain " + std::to_string(domid) + ": " + std::strerror(errno));
    return serialise(xch_, pol.p);
}

Policy read_system_policy(SystemPolicy which) { return Libxc().system_policy(which); }

XenCapabilities read_xen_capabilities() {
    XcHandle h;
    xc_physinfo_t info = {};
    if (xc_physinfo(h.xch, &info)) throw Error(std::string("xc_physinfo: ") + std::strerror(errno));
    XenCapabilities c;
    c.pv = info.capabilities & XEN_SYSCTL_PHYSCAP_pv;
    c.hvm = info.capabilities & XEN_SYSCTL_PHYSCAP_hvm;
    c.hap = info.capabilities & XEN_SYSCTL_PHYSCAP_hap;
    c.shadow = info.capabilities & XEN_SYSCTL_PHYSCAP_shadow;
    return c;
}

uint64_t read_free_memory_kb() {
    XcHandle h;
    xc_physinfo_t info = {};
    if (xc_physinfo(h.xch, &info)) throw Error(std::string("xc_physinfo: ") + std::strerror(errno));
    return static_cast<uint64_t>(info.free_pages) * (XC_PAGE_SIZE / 1024);
}

std::string read_xen_version() {
    XcHandle h;
    const int v = xc_version(h.xch, XENVER_version, nullptr);
    if (v < 0) throw Error(std::string("xc_version: ") + std::strerror(errno));
    xen_extraversion_t extra = {};
    if (xc_version(h.xch, XENVER_extraversion, &extra) < 0) extra[0] = '\0';
    extra[sizeof extra - 1] = '\0';
    return std::to_string(v >> 16) + "." + std::to_string(v & 0xffff) + extra;
}

Policy read_domain_policy(uint32_t domid) { return Libxc().domain_policy(domid); }

}  // namespace cpucompat
