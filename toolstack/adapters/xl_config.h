// What an xl domain config file says, read by libxlutil the way xl reads it.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace cpucompat {

// The domain name of config file `path`, with xl's command-line overrides
// ("KEY=VALUE", each read as one more line after the file, as xl does).
// Throws Error naming the file when it cannot be read or parsed, or names
// no domain.
std::string xl_config_domain_name(const std::string &path, const std::vector<std::string> &overrides);

// The devices config text `text` (from file `path`) gives a domain, as xl
// reads them: the vif= list's specs as written, and each disk's target
// (libxl's pdev_path, from libxlutil's disk parser; an empty CD-ROM has
// none and is left out). Throws Error naming the file when it cannot be
// parsed.
struct XlConfigDevices {
    std::vector<std::string> vifs;
    std::vector<std::string> disk_targets;
};
XlConfigDevices xl_config_devices(const std::string &text, const std::string &path);

// What a domain config file asks of its CPU: its cpu_compat and
// cpu_compat_guest (none when not set) and whether it is a PV guest (type=
// "pv", or, as xl 4.17 takes a config without type=, no builder="hvm").
// Throws Error naming the file when it cannot be read or parsed.
struct XlConfigCpu {
    std::optional<std::string> mode, guest_os;
    bool pv = false;
};
XlConfigCpu xl_config_cpu(const std::string &path);

}  // namespace cpucompat
