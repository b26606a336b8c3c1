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
// Checks what the format promises and throws Error naming the line
// otherwise: every MSR a section declares is listed (xen-cpuid skips only
// all-zero leaves, so a cut file lacks MSRs), no more leaves than declared,
// no all-zero, duplicate or out-of-range leaf, no line out of place, and a
// dump that starts with "Raw" holds all six system policies. Unknown policy
// names (a newer Xen's) are read like the others.
std::vector<NamedPolicy> parse_xen_cpuid_policies(const InputText &in);

// The non-empty policy of that name (folded as below), or nullptr.
const NamedPolicy *find_policy(const std::vector<NamedPolicy> &all, const std::string &name);

// Picks one policy by name, case-insensitive, with '-' or '_' for spaces
// ("hvm-max", "domain-3"). Empty selector: "Host" if present, else the first.
// "max": HVM Max, else PV Max (what a host can offer a guest); "default":
// HVM Default, else PV Default (what a guest gets there unless told
// otherwise); each else as empty. Empty sections are skipped. Naming an
// empty section is an error.
// Throws Error listing the available names when there is no match.
const NamedPolicy &select_policy(const std::vector<NamedPolicy> &all, const std::string &selector, const std::string &file);

}  // namespace cpucompat
