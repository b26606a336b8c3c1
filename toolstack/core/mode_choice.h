// Which cpu_compat mode a new domain gets, first match wins:
//   1. cpu_compat in the domain's config (or `xl create cfg cpu_compat=...`)
//   2. the mode of the cpucompat record the config already carries (a
//      domain rebuilt by xl after a reboot keeps its mode)
//   3. cpu_compat in /etc/xen/xl.conf
//   4. default in /etc/xen/cpucompat.yaml
//   5. off
#pragma once

#include <optional>
#include <string>

#include "normalize.h"

namespace cpucompat {

struct ModeSources {
    std::optional<std::string> domain_config, record, xl_conf, host_config;
};

struct ModeChoice {
    Mode mode;
    std::string source;  // where it came from, for messages: "/etc/xen/xl.conf"
};

// Throws Error naming the source of a value that is not a mode.
ModeChoice choose_mode(const ModeSources &s);

}  // namespace cpucompat
