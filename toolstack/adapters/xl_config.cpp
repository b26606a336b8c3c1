#include "xl_config.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

extern "C" {
#include <libxlutil.h>
}

#include "../core/error.h"

namespace cpucompat {

std::string xl_config_domain_name(const std::string &path, const std::vector<std::string> &overrides) {
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot read: " + std::strerror(errno));
    std::stringstream text;
    text << in.rdbuf() << "\n";
    for (const auto &kv : overrides) text << kv << "\n";
    const std::string data = text.str();
    // libxlutil reports syntax errors on the FILE it is given, naming `path`.
    XLU_Config *cfg = xlu_cfg_init(stderr, path.c_str());
    if (!cfg) throw Error(path + ": " + std::strerror(errno));
    const int rc = xlu_cfg_readdata(cfg, data.data(), static_cast<int>(data.size()));
    const char *name = nullptr;
    const bool found = !rc && xlu_cfg_get_string(cfg, "name", &name, 0) == 0 && name && *name;
    const std::string out = found ? name : "";
    xlu_cfg_destroy(cfg);
    if (rc) throw Error(path + ": not an xl config: " + std::strerror(rc));
    if (!found) throw Error(path + ": names no domain (no name=)");
    return out;
}

}  // namespace cpucompat
