#include "mode_choice.h"

#include "error.h"

namespace cpucompat {

ModeChoice choose_mode(const ModeSources &s) {
    const std::pair<const std::optional<std::string> *, const char *> order[] = {
        {&s.domain_config, "the domain's config"},
        {&s.record, "the domain's cpucompat record"},
        {&s.xl_conf, "/etc/xen/xl.conf"},
        {&s.host_config, "/etc/xen/cpucompat.yaml"},
    };
    for (const auto &[value, source] : order) {
        if (!*value) continue;
        try {
            return {parse_mode(**value), source};
        } catch (const Error &e) {
            throw Error(std::string(source) + ": cpu_compat: " + e.what());
        }
    }
    return {Mode{}, "the default (off)"};
}

}  // namespace cpucompat
