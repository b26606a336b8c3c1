// libxl's JSON form of a libxl_cpuid_policy_list (as in a domain's stored
// config and in xl save images) read into filter strings. Xen 4.17.0/4.17.1
// write a bare array of CPUID entries; later ones {"cpuid": [...], "msr": [...]}.
//   {"leaf": 1, "subleaf": 0, "ecx": "xxx0...", ...}   {"index": 266, "policy": "...64..."}
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "../core/cpuid_merge.h"

namespace cpucompat {

// Throws Error naming `where` and the bad entry.
CpuidFilters cpuid_filters_from_json(const nlohmann::json &j, const std::string &where);

}  // namespace cpucompat
