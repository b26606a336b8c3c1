#include "fingerprint.h"

#include <cstdio>
#include <sstream>

#include "yaml_input.h"

#include "../core/catalogue.h"
#include "../core/error.h"
#include "../core/text.h"

namespace cpucompat {

namespace {

// A source-independent view of one document node, so JSON and YAML share
// one reader with one set of checks and messages.
struct Node {
    virtual ~Node() = default;
    virtual bool has(const char *key) const = 0;
    virtual std::unique_ptr<Node> at(const char *key) const = 0;
    virtual bool is_list() const = 0;
    virtual std::size_t size() const = 0;
    virtual std::unique_ptr<Node> item(std::size_t i) const = 0;
    virtual std::string str() const = 0;      // throws Error if not a scalar
    virtual uint64_t number() const = 0;      // accepts 123 and "0x7b"
    virtual unsigned line() const = 0;        // 0 when unknown
    std::string where;                        // "features[3]"
};

class Reader {
public:
    Reader(std::string file) : file_(std::move(file)) {}
    [[noreturn]] void fail(const Node &n, const std::string &msg) const {
        throw Error(file_, n.line(), (n.where.empty() ? "" : n.where + ": ") + msg);
    }

    Policy read(const Node &root) const {
        if (!root.has("vendor")) fail(root, "missing key \"vendor\" (not a cpucompat fingerprint)");
        if (root.has("format")) {
            const std::string f = root.at("format")->str();
            if (f != kFingerprintFormat) fail(*root.at("format"), "unsupported format \"" + f + "\"; expected " + kFingerprintFormat);
        }
        Policy p;
        p.vendor_id = root.at("vendor")->str();
        if (p.vendor_id.size() != 12) fail(*root.at("vendor"), "vendor id must be 12 characters, e.g. \"GenuineIntel\"");
        p.family = u32(root, "family");
        p.model = u32(root, "model");
        p.stepping = u32(root, "stepping");
        p.max_leaf = u32(root, "max_leaf");
        p.max_extd_leaf = u32(root, "max_extd_leaf");
        p.max_subleaf7 = u32(root, "max_subleaf7");
        if (!root.has("features")) fail(root, "missing key \"features\"");
        auto feats = root.at("features");
        if (!feats->is_list()) fail(*feats, "must be a list of feature names");
        for (std::size_t i = 0; i < feats->size(); ++i) {
            auto f = feats->item(i);
            const std::string name = f->str();
            const FeatureInfo *info = Catalogue::get().find(name);
            if (!info) fail(*f, "unknown feature \"" + name + "\"");
            p.features.set(info->id);
        }
        if (root.has("leaves")) {
            auto ls = root.at("leaves");
            if (!ls->is_list()) fail(*ls, "must be a list");
            for (std::size_t i = 0; i < ls->size(); ++i) {
                auto l = ls->item(i);
                const LeafKey key{u32(*l, "leaf"), l->has("subleaf") ? u32(*l, "subleaf") : kNoSubleaf};
                if (!p.leaves.emplace(key, Regs{u32(*l, "eax"), u32(*l, "ebx"), u32(*l, "ecx"), u32(*l, "edx")}).second)
                    fail(*l, "duplicate leaf " + hex(key.first, 8) + ":" + hex(key.second, 8));
            }
        }
        if (root.has("msrs")) {
            auto ms = root.at("msrs");
            if (!ms->is_list()) fail(*ms, "must be a list");
            for (std::size_t i = 0; i < ms->size(); ++i) {
                auto m = ms->item(i);
                if (!m->has("value")) fail(*m, "missing key \"value\"");
                p.msrs[u32(*m, "index")] = m->at("value")->number();
            }
        }
        return p;
    }

private:
    uint32_t u32(const Node &n, const char *key) const {
        if (!n.has(key)) fail(n, std::string("missing key \"") + key + "\"");
        auto v = n.at(key);
        const uint64_t x = v->number();
        if (x > 0xffffffffu) fail(*v, "value does not fit in 32 bits");
        return static_cast<uint32_t>(x);
    }
    std::string file_;
};

uint64_t parse_number(const std::string &s, const Node &n, const Reader &r) {
    if (s.empty()) r.fail(n, "expected a number");
    try {
        std::size_t used = 0;
        const bool hexa = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
        if (s[0] == '-' || s[0] == '+') throw std::invalid_argument("sign");
        const uint64_t v = std::stoull(s, &used, hexa ? 16 : 10);
        if (used != s.size()) throw std::invalid_argument("trailing");
        return v;
    } catch (const std::exception &) {
        r.fail(n, "expected a number, got \"" + s.substr(0, 40) + "\"");
    }
}

class JsonNode : public Node {
public:
    JsonNode(const nlohmann::json &j, std::string w, const Reader &r) : j_(j), r_(r) { where = std::move(w); }
    bool has(const char *key) const override { return j_.is_object() && j_.contains(key); }
    std::unique_ptr<Node> at(const char *key) const override {
        return std::make_unique<JsonNode>(j_.at(key), where.empty() ? key : where + "." + key, r_);
    }
    bool is_list() const override { return j_.is_array(); }
    std::size_t size() const override { return j_.size(); }
    std::unique_ptr<Node> item(std::size_t i) const override {
        return std::make_unique<JsonNode>(j_.at(i), where + "[" + std::to_string(i) + "]", r_);
    }
    std::string str() const override {
        if (!j_.is_string()) r_.fail(*this, "expected a string");
        return j_.get<std::string>();
    }
    uint64_t number() const override {
        if (j_.is_number_unsigned()) return j_.get<uint64_t>();
        if (j_.is_string()) return parse_number(j_.get<std::string>(), *this, r_);
        r_.fail(*this, "expected a non-negative integer");
    }
    unsigned line() const override { return 0; }

private:
    const nlohmann::json &j_;
    const Reader &r_;
};

class YamlNode : public Node {
public:
    YamlNode(YAML::Node n, std::string w, const Reader &r) : n_(std::move(n)), r_(r) { where = std::move(w); }
    bool has(const char *key) const override { return n_.IsMap() && n_[key]; }
    std::unique_ptr<Node> at(const char *key) const override {
        return std::make_unique<YamlNode>(n_[key], where.empty() ? key : where + "." + key, r_);
    }
    bool is_list() const override { return n_.IsSequence(); }
    std::size_t size() const override { return n_.size(); }
    std::unique_ptr<Node> item(std::size_t i) const override {
        return std::make_unique<YamlNode>(n_[i], where + "[" + std::to_string(i) + "]", r_);
    }
    std::string str() const override {
        if (!n_.IsScalar()) r_.fail(*this, "expected a string");
        return n_.Scalar();
    }
    uint64_t number() const override {
        if (!n_.IsScalar()) r_.fail(*this, "expected a number");
        return parse_number(n_.Scalar(), *this, r_);
    }
    unsigned line() const override { return n_.Mark().line >= 0 ? static_cast<unsigned>(n_.Mark().line) + 1 : 0; }

private:
    YAML::Node n_;
    const Reader &r_;
};

unsigned line_of_offset(const std::string &text, std::size_t off) {
    unsigned line = 1;
    for (std::size_t i = 0; i < off && i < text.size(); ++i) line += text[i] == '\n';
    return line;
}

}  // namespace

nlohmann::ordered_json policy_to_json(const Policy &p, bool with_raw) {
    nlohmann::ordered_json j;
    j["format"] = kFingerprintFormat;
    j["vendor"] = p.vendor_id;
    j["family"] = p.family;
    j["model"] = p.model;
    j["stepping"] = p.stepping;
    j["max_leaf"] = p.max_leaf;
    j["max_extd_leaf"] = p.max_extd_leaf;
    j["max_subleaf7"] = p.max_subleaf7;
    j["features"] = Catalogue::get().names(p.features);
    if (with_raw) {
        j["leaves"] = nlohmann::ordered_json::array();
        for (const auto &[k, r] : p.leaves)
            j["leaves"].push_back({{"leaf", hex(k.first, 8)}, {"subleaf", hex(k.second, 8)}, {"eax", hex(r.a, 8)},
                                   {"ebx", hex(r.b, 8)}, {"ecx", hex(r.c, 8)}, {"edx", hex(r.d, 8)}});
        j["msrs"] = nlohmann::ordered_json::array();
        for (const auto &[idx, v] : p.msrs) j["msrs"].push_back({{"index", hex(idx, 8)}, {"value", hex(v, 16)}});
    }
    return j;
}

std::string policy_to_yaml(const Policy &p, bool with_raw) {
    YAML::Emitter e;
    e << YAML::BeginMap;
    e << YAML::Key << "format" << YAML::Value << kFingerprintFormat;
    e << YAML::Key << "vendor" << YAML::Value << YAML::DoubleQuoted << p.vendor_id;
    e << YAML::Key << "family" << YAML::Value << p.family;
    e << YAML::Key << "model" << YAML::Value << p.model;
    e << YAML::Key << "stepping" << YAML::Value << p.stepping;
    e << YAML::Key << "max_leaf" << YAML::Value << hex(p.max_leaf, 8);
    e << YAML::Key << "max_extd_leaf" << YAML::Value << hex(p.max_extd_leaf, 8);
    e << YAML::Key << "max_subleaf7" << YAML::Value << p.max_subleaf7;
    e << YAML::Key << "features" << YAML::Value << YAML::Flow << Catalogue::get().names(p.features);
    if (with_raw) {
        e << YAML::Key << "leaves" << YAML::Value << YAML::BeginSeq;
        for (const auto &[k, r] : p.leaves)
            e << YAML::Flow << YAML::BeginMap << YAML::Key << "leaf" << YAML::Value << hex(k.first, 8) << YAML::Key << "subleaf"
              << YAML::Value << hex(k.second, 8) << YAML::Key << "eax" << YAML::Value << hex(r.a, 8) << YAML::Key << "ebx"
              << YAML::Value << hex(r.b, 8) << YAML::Key << "ecx" << YAML::Value << hex(r.c, 8) << YAML::Key << "edx"
              << YAML::Value << hex(r.d, 8) << YAML::EndMap;
        e << YAML::EndSeq;
        e << YAML::Key << "msrs" << YAML::Value << YAML::BeginSeq;
        for (const auto &[idx, v] : p.msrs)
            e << YAML::Flow << YAML::BeginMap << YAML::Key << "index" << YAML::Value << hex(idx, 8) << YAML::Key << "value"
              << YAML::Value << hex(v, 16) << YAML::EndMap;
        e << YAML::EndSeq;
    }
    e << YAML::EndMap;
    return std::string(e.c_str()) + "\n";
}

bool looks_like_json(const std::string &text) {
    const auto i = text.find_first_not_of(" \t\r\n");
    return i != std::string::npos && text[i] == '{';
}

Policy policy_from_json(const nlohmann::json &j, const std::string &where) {
    Reader r(where);
    if (!j.is_object()) throw Error(where, 0, "expected a JSON object");
    return r.read(JsonNode(j, "", r));
}

Policy parse_fingerprint_json(const InputText &in) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(in.text);
    } catch (const nlohmann::json::parse_error &e) {
        throw Error(in.name, line_of_offset(in.text, e.byte), std::string("invalid JSON: ") + e.what());
    } catch (const nlohmann::json::exception &e) {  // e.g. out_of_range: a number too large for a double
        throw Error(in.name, 0, std::string("invalid JSON: ") + e.what());
    }
    return policy_from_json(j, in.name);
}

Policy parse_fingerprint_yaml(const InputText &in) {
    const YAML::Node root = load_yaml(in);
    Reader r(in.name);
    if (!root.IsMap()) throw Error(in.name, 0, "not a recognised fingerprint (xen-cpuid -p, InstLatx64, cpuid -r, JSON or YAML)");
    try {
        return r.read(YamlNode(root, "", r));
    } catch (const YAML::Exception &e) {
        throw Error(in.name, e.mark.line >= 0 ? static_cast<unsigned>(e.mark.line) + 1 : 0, "invalid YAML: " + e.msg);
    }
}

}  // namespace cpucompat
