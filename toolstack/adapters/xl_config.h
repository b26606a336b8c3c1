// What an xl domain config file says, read by libxlutil the way xl reads it.
#pragma once

#include <string>
#include <vector>

namespace cpucompat {

// The domain name of config file `path`, with xl's command-line overrides
// ("KEY=VALUE", each read as one more line after the file, as xl does).
// Throws Error naming the file when it cannot be read or parsed, or names
// no domain.
std::string xl_config_domain_name(const std::string &path, const std::vector<std::string> &overrides);

}  // namespace cpucompat
