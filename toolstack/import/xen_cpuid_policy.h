// Importer for `xen-cpuid -p` output of Xen 4.17: the system policies (Raw,
// Host, PV/HVM Max, PV/HVM Default) and `Domain N` policies, each a list of
// "leaf:subleaf -> eax:ebx:ecx:edx" lines plus MSRs.
#pragma once

#include <string>
#include <vector>

#include "../core/policy.h"
#include "input_file.h"

namespace cpucompat {

struct NamedPolicy {
    std::string name;  // as printed: "Host", "HVM Max", "Domain 3"
    Policy policy;
    // Xen printed the section without CPUID leaves: it offers no such
    // guests on that host (HVM Max/Default on a host without HVM).
    bool empty = false;
};

bool looks_like_xen_cpuid_policy(const std::string &text);
std::vector<NamedPolicy> parse_xen_cpuid_policies(const InputText &in);

// Picks one policy by name, case-insensitive, with '-' or '_' for spaces
// ("hvm-max", "domain-3"). Empty selector: "Host" if present, else the first.
// "max": HVM Max, else PV Max (what a host can offer a guest), else as empty;
// empty sections are skipped. Naming an empty section is an error.
// Throws Error listing the available names when there is no match.
const NamedPolicy &select_policy(const std::vector<NamedPolicy> &all, const std::string &selector, const std::string &file);

}  // namespace cpucompat
