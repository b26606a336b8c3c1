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

namespace {

// xl.cfg text read by libxlutil, as xl reads it; destroyed with the object.
// Syntax errors are reported on stderr naming `path`; Error if unreadable.
class ParsedConfig {
public:
    ParsedConfig(const std::string &data, const std::string &path) : cfg_(xlu_cfg_init(stderr, path.c_str())) {
        if (!cfg_) throw Error(path + ": " + std::strerror(errno));
        if (const int rc = xlu_cfg_readdata(cfg_, data.data(), static_cast<int>(data.size())); rc) {
            xlu_cfg_destroy(cfg_);
            throw Error(path + ": not an xl config: " + std::strerror(rc));
        }
    }
    ~ParsedConfig() { xlu_cfg_destroy(cfg_); }
    ParsedConfig(const ParsedConfig &) = delete;
    ParsedConfig &operator=(const ParsedConfig &) = delete;
    XLU_Config *get() const { return cfg_; }

private:
    XLU_Config *cfg_;
};

}  // namespace

std::string xl_config_domain_name(const std::string &path, const std::vector<std::string> &overrides) {
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot read: " + std::strerror(errno));
    // Not `<< in.rdbuf()`: an empty file sets failbit and drops the overrides.
    std::stringstream text;
    text << std::string(std::istreambuf_iterator<char>(in), {}) << "\n";
    for (const auto &kv : overrides) text << kv << "\n";
    const ParsedConfig cfg(text.str(), path);
    const char *name = nullptr;
    if (xlu_cfg_get_string(cfg.get(), "name", &name, 0) != 0 || !name || !*name) throw Error(path + ": names no domain (no name=)");
    return name;
}

XlConfigDevices xl_config_devices(const std::string &text, const std::string &path) {
    const ParsedConfig parsed(text + "\n", path);
    XLU_Config *cfg = parsed.get();
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
    if (!bad.empty()) throw Error(bad);
    return out;
}

XlConfigCpu xl_config_cpu(const std::string &path) {
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot read: " + std::strerror(errno));
    const ParsedConfig parsed(std::string(std::istreambuf_iterator<char>(in), {}) + "\n", path);
    const auto get = [&](const char *key) -> std::optional<std::string> {
        const char *v = nullptr;
        if (xlu_cfg_get_string(parsed.get(), key, &v, 0) == 0 && v) return std::string(v);
        return std::nullopt;
    };
    XlConfigCpu out{get("cpu_compat"), get("cpu_compat_guest"), false};
    if (const auto type = get("type")) out.pv = *type == "pv";
    else out.pv = get("builder").value_or("") != "hvm";
    return out;
}

}  // namespace cpucompat
