#include "records.h"

#include <nlohmann/json.hpp>

#include "../toolstack/core/error.h"
#include "../toolstack/import/fingerprint.h"
#include "layout.h"

namespace cpucompat {

namespace {

unsigned prune(XsTransaction &t) {
    unsigned n = 0;
    for (const auto &uuid : t.list(xs_layout::domains()))
        if (!t.read(xs_layout::vm(uuid))) {
            t.remove(xs_layout::domain(uuid));
            ++n;
        }
    return n;
}

}  // namespace

void publish_host(XsClient &xs, const Policy &host) {
    const std::string v = policy_to_json(host, false).dump();
    xs.transact([&](XsTransaction &t) { t.write(xs_layout::host(), v); });
}

void publish_pool(XsClient &xs, const Policy &level) {
    const std::string v = policy_to_json(level, false).dump();
    const std::string path = xs_layout::pool(vendor_short_name(level.vendor()));
    xs.transact([&](XsTransaction &t) { t.write(path, v); });
}

std::optional<Policy> read_pool(XsClient &xs, const std::string &vendor_id) {
    const std::string path = xs_layout::pool(vendor_short_name(vendor_from_id(vendor_id)));
    const auto v = xs.read(path);
    if (!v) return std::nullopt;
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(*v);
    } catch (const nlohmann::json::exception &e) {
        throw Error("xenstore " + path + ": not a fingerprint: " + e.what());
    }
    return policy_from_json(j, "xenstore " + path);
}

unsigned write_domain_record(XsClient &xs, const std::string &uuid, const std::string &record_json, bool prune_too) {
    if (!prune_too) {
        xs.write(xs_layout::domain(uuid), record_json);
        return 0;
    }
    unsigned dropped = 0;
    xs.transact([&](XsTransaction &t) {
        t.write(xs_layout::domain(uuid), record_json);
        dropped = prune(t);
    });
    return dropped;
}

unsigned prune_domain_records(XsClient &xs) {
    unsigned dropped = 0;
    xs.transact([&](XsTransaction &t) { dropped = prune(t); });
    return dropped;
}

}  // namespace cpucompat
