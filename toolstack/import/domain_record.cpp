#include "domain_record.h"

#include <nlohmann/json.hpp>

#include "../core/error.h"
#include "../core/text.h"
#include "fingerprint.h"

namespace cpucompat {

const char *guest_type_name(GuestType g) { return g == GuestType::pv ? "pv" : "hvm"; }

std::string policy_hash(const Policy &p) {
    uint64_t h = 0xcbf29ce484222325ull;
    auto mix = [&h](uint32_t v) {
        for (int i = 0; i < 4; ++i) {
            h ^= (v >> (8 * i)) & 0xffu;
            h *= 0x100000001b3ull;
        }
    };
    for (char c : p.vendor_id) mix(static_cast<unsigned char>(c));
    for (uint32_t w : p.features.words()) mix(w);
    mix(p.max_leaf);
    mix(p.max_subleaf7);
    mix(p.max_extd_leaf);
    return hex(h, 16).substr(2);
}

std::string record_to_json(const DomainRecord &r) {
    nlohmann::ordered_json j;
    j["format"] = kRecordFormat;
    j["mode"] = r.mode;
    j["template"] = r.template_name;
    j["guest"] = guest_type_name(r.guest);
    j["host"] = r.host;
    j["time"] = r.time;
    j["hash"] = policy_hash(r.policy);
    j["policy"] = policy_to_json(r.policy, false);
    return j.dump();
}

DomainRecord record_from_json(const std::string &text, const std::string &where) {
    nlohmann::json j;
    try {
        j = parse_json_strict(text, where);
    } catch (const Error &e) {
        throw Error(where + ": cpucompat record is not valid JSON: " + e.message());
    }
    auto str = [&](const char *key) -> std::string {
        if (!j.is_object() || !j.contains(key) || !j[key].is_string())
            throw Error(where + ": cpucompat record lacks the string \"" + key + "\"");
        return j[key].get<std::string>();
    };
    if (str("format") != kRecordFormat) throw Error(where + ": unsupported record format \"" + str("format") + "\"");
    DomainRecord r;
    r.mode = str("mode");
    r.template_name = str("template");
    r.host = str("host");
    r.time = str("time");
    const std::string g = str("guest");
    if (g != "pv" && g != "hvm") throw Error(where + ": record guest must be pv or hvm, not \"" + g + "\"");
    r.guest = g == "pv" ? GuestType::pv : GuestType::hvm;
    if (!j.contains("policy")) throw Error(where + ": cpucompat record lacks \"policy\"");
    r.policy = policy_from_json(j["policy"], where + ": record policy");
    if (str("hash") != policy_hash(r.policy))
        throw Error(where + ": cpucompat record's hash does not match its policy (edited or damaged)");
    return r;
}

}  // namespace cpucompat
