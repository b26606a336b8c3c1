// The live host through libxc: Xen's system policies and a domain's policy,
// read with xc_cpu_policy_get_system/_get_domain and serialised into the
// policy model. Needs a running Xen and privileges (dom0, root).
#pragma once

#include <cstdint>
#include <string>

#include "../core/policy.h"

struct xc_interface_core;  // libxc's handle (xenctrl.h: xc_interface)

namespace cpucompat {

// The XEN_SYSCTL_cpu_policy_* numbering (not the featureset numbering of
// xc_get_cpu_featureset, which differs).
enum class SystemPolicy : unsigned { raw = 0, host = 1, pv_max = 2, hvm_max = 3, pv_default = 4, hvm_default = 5 };

const char *system_policy_name(SystemPolicy p);  // "Host", "HVM Max", ... as xen-cpuid prints
// Accepts "host", "hvm-max", "HVM Max", ... Throws Error on anything else.
SystemPolicy parse_system_policy(const std::string &name);

// Throw Error with errno's text ("not running on Xen?" when libxc cannot open).
Policy read_system_policy(SystemPolicy which);
Policy read_domain_policy(uint32_t domid);

// The same reads through one libxc handle: opening libxc is several device
// opens and mappings (milliseconds under QEMU TCG), and the plugin reads the
// host's policy before a create and the domain's after it.
class Libxc {
public:
    Libxc();  // throws Error when libxc cannot open
    ~Libxc();
    Libxc(const Libxc &) = delete;
    Libxc &operator=(const Libxc &) = delete;

    Policy system_policy(SystemPolicy which);
    Policy domain_policy(uint32_t domid);

private:
    ::xc_interface_core *xch_;
};

// What this host's Xen was built for and runs on (xc_physinfo), as far as
// moves depend on it: log-dirty tracking, which live migration needs, works
// for PV guests only with shadow paging, for HVM and PVH guests with HAP or
// shadow paging (Debian's Xen 4.17 is built without shadow paging).
struct XenCapabilities {
    bool pv = false, hvm = false, hap = false, shadow = false;
};
XenCapabilities read_xen_capabilities();
// Free memory (xc_physinfo's free pages, as `xl info` counts free_memory), in KiB.
uint64_t read_free_memory_kb();
// "4.17.7" and the like (xc_version).
std::string read_xen_version();

}  // namespace cpucompat
