#include "xl_config.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

extern "C" {
#include <libxl.h>
#include <libxlutil.h>
}

#include "../core/error.h"

namespace cpucompat {

std::string xl_config_domain_name(const std::string &path, const std::vector<std::string> &overrides) {
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot read: " + std::strerror(errno));
    // Not `<< in.rdbuf()`: an empty file sets failbit and drops the overrides.
    std::stringstream text;
    text << std::string(std::istreambuf_iterator<char>(in), {}) << "\n";
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

XlConfigDevices xl_config_devices(const std::string &text, const std::string &path) {
    XLU_Config *cfg = xlu_cfg_init(stderr, path.c_str());
    if (!cfg) throw Error(path + ": " + std::strerror(errno));
    const std::string data = text + "\n";
    const int rc = xlu_cfg_readdata(cfg, data.data(), static_cast<int>(data.size()));
    if (rc) {
        xlu_cfg_destroy(cfg);
        throw Error(path + ": not an xl config: " + std::strerror(rc));
    }
    XlConfigDevices out;
    std::string bad;
    XLU_ConfigList *list = nullptr;
    int count = 0;
    if (xlu_cfg_get_list(cfg, "vif", &list, &count, 0) == 0)
        for (int i = 0; i < count; ++i) {
            const char *spec = xlu_cfg_get_listitem(list, i);
            out.vifs.push_back(spec ? spec : "");
        }
    if (xlu_cfg_get_list(cfg, "disk", &list, &count, 0) == 0)
        for (int i = 0; i < count && bad.empty(); ++i) {
            const char *spec = xlu_cfg_get_listitem(list, i);
            libxl_device_disk disk;
            libxl_device_disk_init(&disk);
            if (!spec || xlu_disk_parse(cfg, 1, &spec, &disk) != 0)
                bad = path + ": disk entry " + std::to_string(i + 1) + " is not a disk spec xl can read";
            else if (disk.pdev_path && *disk.pdev_path)
                out.disk_targets.push_back(disk.pdev_path);
            libxl_device_disk_dispose(&disk);
        }
    xlu_cfg_destroy(cfg);
    if (!bad.empty()) throw Error(bad);
    return out;
}

}  // namespace cpucompat
