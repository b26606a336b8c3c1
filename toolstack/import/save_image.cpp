#include "save_image.h"

#include <cstring>
#include <fstream>

#include "../core/error.h"

namespace cpucompat {

namespace {

constexpr char kMagic[32] = {'X', 'e', 'n', ' ', 's', 'a', 'v', 'e', 'd', ' ', 'd', 'o', 'm', 'a', 'i', 'n',
                             ',', ' ', 'x', 'l', ' ', 'f', 'o', 'r', 'm', 'a', 't', '\n', ' ', '\0', ' ', '\r'};
constexpr std::size_t kHeader = 32 + 4 * 4;
constexpr uint32_t kByteOrder = 0x01020304;
constexpr uint32_t kFlagJson = 1u << 1;
// Far beyond any real domain config; bounds what a damaged header can make us read.
constexpr uint32_t kMaxOptional = 16u << 20;

uint32_t u32_at(const std::string &b, std::size_t off) {
    uint32_t v;
    std::memcpy(&v, b.data() + off, 4);
    return v;
}

// Header fields, once the header bytes are known to be there.
struct Header {
    uint32_t mandatory, optional_len;
};

Header check_header(const std::string &b, const std::string &where) {
    if (b.size() < kHeader || std::memcmp(b.data(), kMagic, sizeof kMagic) != 0)
        throw Error(where + ": not an xl save image (no \"Xen saved domain, xl format\" header)");
    if (u32_at(b, 32) != kByteOrder) throw Error(where + ": save image of another byte order");
    const Header h{u32_at(b, 36), u32_at(b, 44)};
    if (!(h.mandatory & kFlagJson)) throw Error(where + ": save image holds no JSON domain config (saved by an old xl?)");
    if (h.optional_len < 4 || h.optional_len > kMaxOptional) throw Error(where + ": save image header has a bad optional data length");
    return h;
}

}  // namespace

nlohmann::json parse_save_image_config(const std::string &bytes, const std::string &where) {
    const Header h = check_header(bytes, where);
    if (bytes.size() < kHeader + h.optional_len) throw Error(where + ": save image is truncated in its config");
    const uint32_t len = u32_at(bytes, kHeader);
    if (len == 0 || len > h.optional_len - 4) throw Error(where + ": save image config length is out of range");
    std::string text = bytes.substr(kHeader + 4, len);
    if (!text.empty() && text.back() == '\0') text.pop_back();
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception &e) {
        throw Error(where + ": save image config is not JSON: " + e.what());
    }
}

nlohmann::json read_save_image_config(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open: " + std::strerror(errno));
    std::string b(kHeader, '\0');
    in.read(b.data(), kHeader);
    b.resize(static_cast<std::size_t>(in.gcount()));
    const Header h = check_header(b, path);
    b.resize(kHeader + h.optional_len);
    in.read(b.data() + kHeader, h.optional_len);
    b.resize(kHeader + static_cast<std::size_t>(in.gcount()));
    return parse_save_image_config(b, path);
}

std::string config_domain_name(const nlohmann::json &config) {
    const auto *c = config.contains("c_info") ? &config["c_info"] : nullptr;
    return c && c->contains("name") && (*c)["name"].is_string() ? (*c)["name"].get<std::string>() : "";
}

GuestType config_guest_type(const nlohmann::json &config) {
    // libxl's JSON writes the type as "pv", "hvm" or "pvh" in c_info.type.
    const auto *c = config.contains("c_info") ? &config["c_info"] : nullptr;
    const std::string t = c && c->contains("type") && (*c)["type"].is_string() ? (*c)["type"].get<std::string>() : "";
    return t == "pv" ? GuestType::pv : GuestType::hvm;
}

std::optional<DomainRecord> config_record(const nlohmann::json &config, const std::string &where) {
    if (!config.contains("c_info")) return std::nullopt;
    const auto &c = config["c_info"];
    if (!c.contains("xsdata") || !c["xsdata"].is_object() || !c["xsdata"].contains(kRecordKey)) return std::nullopt;
    const auto &v = c["xsdata"][kRecordKey];
    if (!v.is_string()) throw Error(where + ": c_info.xsdata." + kRecordKey + " is not a string");
    return record_from_json(v.get<std::string>(), where);
}

}  // namespace cpucompat
