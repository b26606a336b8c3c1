#include "domain_record.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "../core/catalogue.h"
#include "../core/error.h"
#include "../core/fnv.h"
#include "../core/guest.h"
#include "../core/text.h"
#include "fingerprint.h"

namespace cpucompat {

const char *guest_type_name(GuestType g) { return g == GuestType::pv ? "pv" : "hvm"; }

namespace {

// The record hash's encoding: 32-bit values little-endian, texts
// NUL-terminated, over FNV-1a 64.
struct Fnv : Fnv1a64 {
    void u32(uint32_t v) {
        for (int i = 0; i < 4; ++i) byte((v >> (8 * i)) & 0xffu);
    }
    void text(const std::string &s) {
        bytes(s);
        byte(0);
    }
    std::string digest() const { return hex(); }
};

// Format /1's hash: vendor bytes (each as a 32-bit value), the writer's
// featureset words, the limits. Bits never move between Xen versions, only
// words are added, so the writer's words are ours cut or zero-padded.
std::string v1_hash(const Policy &p, std::size_t words) {
    Fnv f;
    for (char c : p.vendor_id) f.u32(static_cast<unsigned char>(c));
    for (std::size_t i = 0; i < words; ++i) f.u32(i < p.features.words().size() ? p.features.words()[i] : 0);
    f.u32(p.max_leaf);
    f.u32(p.max_subleaf7);
    f.u32(p.max_extd_leaf);
    return f.digest();
}

bool v1_hash_matches(const Policy &p, const std::string &hash) {
    std::size_t used = 0;  // words a writer must have had to hold these features
    for (std::size_t i = 0; i < p.features.words().size(); ++i)
        if (p.features.words()[i]) used = i + 1;
    for (std::size_t words = std::max<std::size_t>(used, 1); words <= 64; ++words)
        if (v1_hash(p, words) == hash) return true;
    return false;
}

}  // namespace

std::string policy_hash(const std::string &vendor_id, uint32_t max_leaf, uint32_t max_subleaf7, uint32_t max_extd_leaf,
                        std::vector<std::string> feature_names) {
    std::sort(feature_names.begin(), feature_names.end());
    Fnv f;
    f.text(vendor_id);
    f.u32(max_leaf);
    f.u32(max_subleaf7);
    f.u32(max_extd_leaf);
    for (const auto &n : feature_names) f.text(n);
    return f.digest();
}

std::string policy_hash(const Policy &p) {
    return policy_hash(p.vendor_id, p.max_leaf, p.max_subleaf7, p.max_extd_leaf, Catalogue::get().names(p.features));
}

namespace {

// A /2 record's hash: over the names as written, known to this build or not.
std::string record_hash(const DomainRecord &r) {
    std::vector<std::string> names = Catalogue::get().names(r.policy.features);
    names.insert(names.end(), r.unknown_features.begin(), r.unknown_features.end());
    return policy_hash(r.policy.vendor_id, r.policy.max_leaf, r.policy.max_subleaf7, r.policy.max_extd_leaf, names);
}

}  // namespace

std::string record_to_json(const DomainRecord &r) {
    nlohmann::ordered_json j;
    j["format"] = kRecordFormat;
    j["mode"] = r.mode;
    j["template"] = r.template_name;
    j["guest"] = guest_type_name(r.guest);
    j["host"] = r.host;
    j["time"] = r.time;
    if (!r.guest_os.empty()) j["guest_os"] = r.guest_os;
    j["hash"] = record_hash(r);
    j["policy"] = policy_to_json(r.policy, false);
    // Names this build does not know stay in the record, and in its hash.
    for (const auto &n : r.unknown_features) j["policy"]["features"].push_back(n);
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
    const std::string format = str("format");
    if (format != kRecordFormat && format != kRecordFormatV1)
        throw Error(where + ": unsupported record format " + quote_text(format) + " (this build reads " + kRecordFormat + " and " +
                    kRecordFormatV1 + ")");
    DomainRecord r;
    r.mode = str("mode");
    r.template_name = str("template");
    r.host = str("host");
    r.time = str("time");
    const std::string g = str("guest");
    if (g != "pv" && g != "hvm") throw Error(where + ": record guest must be pv or hvm, not \"" + g + "\"");
    r.guest = g == "pv" ? GuestType::pv : GuestType::hvm;
    if (j.contains("guest_os")) {
        r.guest_os = str("guest_os");
        // It goes into xl overrides and messages: a plain name or nothing.
        if (!plain_guest_name(r.guest_os)) throw Error(where + ": record guest_os " + quote_text(r.guest_os) + " is not a guest name");
    }
    if (!j.contains("policy")) throw Error(where + ": cpucompat record lacks \"policy\"");
    r.policy = policy_from_json(j["policy"], where + ": record policy", format == kRecordFormat ? &r.unknown_features : nullptr);
    const bool hash_ok = format == kRecordFormat ? str("hash") == record_hash(r) : v1_hash_matches(r.policy, str("hash"));
    if (!hash_ok) throw Error(where + ": cpucompat record's hash does not match its policy (edited or damaged)");
    return r;
}

}  // namespace cpucompat
