// What a receiver tells a sender in one ssh round trip (`cpucompat --json
// facts`): its PV and HVM max policies, free memory, Xen's version and
// capabilities, whether the plugin is installed, its cpucompat version.
// Pure: the value, its JSON form, and the strict reading of it (the reply
// is untrusted input from another host).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "../toolstack/core/policy.h"

namespace cpucompat {

inline constexpr const char *kHostFactsFormat = "cpucompat-facts/1";

struct HostFacts {
    std::string cpucompat_version, xen_version;
    std::optional<Policy> pv_max, hvm_max;  // nullopt: this Xen runs no such guests
    uint64_t free_kb = 0;
    bool pv = false, hvm = false, hap = false, shadow = false;  // xc_physinfo's capabilities
    bool plugin = false;                                        // libxl-cpucompat.so installed
};

nlohmann::ordered_json host_facts_json(const HostFacts &f);
// Throws Error naming `where` on anything host_facts_json does not write:
// another format, unknown or missing keys, a policy that does not pass the
// fingerprint checks, a negative or absurd memory size, invalid JSON.
HostFacts host_facts_from_json(const std::string &text, const std::string &where);

}  // namespace cpucompat
